// A managed influxd (Debian package `influxdb`, 1.x): its own config, data and ports under a
// directory of ours, started and stopped with the stack. Tests use it too, through test/harness.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'

export interface InfluxdConfigOptions {
  dir: string
  httpPort: number
  rpcPort: number
  host?: string
}

/** Writes an influxd 1.x config into `dir` (data under `dir` too) and returns its path. */
export function writeInfluxdConfig (options: InfluxdConfigOptions): string {
  const host = options.host ?? '127.0.0.1'
  for (const sub of ['meta', 'data', 'wal']) mkdirSync(join(options.dir, sub), { recursive: true })
  const path = join(options.dir, 'influxdb.conf')
  writeFileSync(path, `# Written by Shennong; regenerated at every start.
reporting-disabled = true
bind-address = "${host}:${options.rpcPort}"

[meta]
  dir = "${join(options.dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(options.dir, 'data')}"
  wal-dir = "${join(options.dir, 'wal')}"
  query-log-enabled = false
  wal-fsync-delay = "0s"

[coordinator]
  write-timeout = "10s"

[http]
  enabled = true
  bind-address = "${host}:${options.httpPort}"
  log-enabled = false
  pprof-enabled = false
  max-body-size = 0

[logging]
  level = "warn"
  suppress-logo = true

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = true
  log-enabled = false
  run-interval = "1s"
`)
  return path
}

export interface ManagedInfluxd {
  url: string
  process: ChildProcess
  stop: () => Promise<void>
}

export async function waitForInfluxd (url: string, timeoutMs = 30_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child !== undefined && child.exitCode !== null) throw new Error(`influxd exited with code ${child.exitCode} before answering ${url}/ping`)
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })
      if (res.status === 204) return
    } catch { /* not up yet */ }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`influxd did not answer ${url}/ping within ${timeoutMs} ms`)
}

export async function startManagedInfluxd (options: InfluxdConfigOptions & { binary?: string, onOutput?: (line: string) => void }): Promise<ManagedInfluxd> {
  const config = writeInfluxdConfig(options)
  const child = spawn(options.binary ?? 'influxd', ['-config', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  const forward = (chunk: Buffer): void => { for (const line of chunk.toString().split('\n')) if (line.trim() !== '') options.onOutput?.(line) }
  child.stdout?.on('data', forward)
  child.stderr?.on('data', forward)
  const url = `http://${options.host ?? '127.0.0.1'}:${options.httpPort}`
  try {
    await waitForInfluxd(url, 30_000, child)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return {
    url,
    process: child,
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await once(child, 'exit')
      clearTimeout(timer)
    }
  }
}
