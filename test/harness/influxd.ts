// A real InfluxDB 1.x server (`influxd`, Debian package `influxdb` 1.6.7) on loopback with a
// temporary data directory, for tests (ARCHITECTURE §5, §10). Free ports only; the process is
// killed on test teardown (when a tap `t` is given) and, at the latest, when the test process exits.
import { spawn } from 'node:child_process'
import { writeInfluxdConfig } from '../../bin/stack/influxd.ts'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts } from './ports.ts'
import { exitCleanup } from './process-cleanup.ts'

export interface InfluxdHandle {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** HTTP API port. */
  port: number
  /** RPC (backup/restore) port, top-level `bind-address`. */
  rpcPort: number
  /** Holds influxd.conf and the meta/, data/ and wal/ directories. */
  dataDir: string
  configFile: string
  /** The running process id, undefined while stopped. */
  pid: () => number | undefined
  /** The last few KiB of the server's stderr, for failure messages. */
  output: () => string
  /** SIGTERM and wait for the exit (SIGKILL after 15 s). No-op when not running. */
  stop: () => Promise<void>
  /** SIGKILL and wait for the exit. No-op when not running. */
  kill: () => Promise<void>
  /** Stops a running server (SIGTERM), then starts it again on the same data and the same port. */
  restart: () => Promise<void>
  /** SIGSTOP: the server keeps its sockets but answers nothing. */
  pause: () => Promise<void>
  /** SIGCONT. */
  resume: () => Promise<void>
}

export interface StartInfluxdOptions {
  /** Use this directory (created if needed) instead of a fresh temporary one; it is never removed. */
  dataDir?: string
  /** A tap test: the server is killed (and its temporary directory removed) at its teardown. */
  t?: { teardown: (fn: () => unknown) => void }
  /** How long to wait for GET /ping to answer 204. Default 30 s. */
  startTimeoutMs?: number
  binary?: string
}

// One influxd config for the tests and the stack's managed influxd.
export { writeInfluxdConfig, type InfluxdConfigOptions } from '../../bin/stack/influxd.ts'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => child.once('exit', () => resolve()))
}

async function ping (url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })
    await res.arrayBuffer()
    return res.status === 204
  } catch {
    return false
  }
}

class StartError extends Error {
  readonly portClash: boolean
  constructor (message: string, portClash: boolean) {
    super(message)
    this.portClash = portClash
  }
}

export async function startInfluxd (options: StartInfluxdOptions = {}): Promise<InfluxdHandle> {
  const binary = options.binary ?? '/usr/bin/influxd'
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  const ownDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'shennong-influxd-'))
  mkdirSync(dataDir, { recursive: true })
  let [port, rpcPort] = await freePorts(2)
  let configFile = writeInfluxdConfig({ dir: dataDir, httpPort: port, rpcPort })
  let child: ChildProcess | undefined
  let paused = false
  let stderrTail = ''

  const unregister = exitCleanup(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    if (ownDir) rmSync(dataDir, { recursive: true, force: true })
  })

  async function launch (): Promise<void> {
    const url = `http://127.0.0.1:${port}`
    const proc = spawn(binary, ['run', '-config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] })
    child = proc
    paused = false
    proc.stderr?.setEncoding('utf8')
    proc.stderr?.on('data', (chunk: string) => { stderrTail = (stderrTail + chunk).slice(-4096) })
    let spawnError: Error | undefined
    proc.once('error', err => { spawnError = err })
    const deadline = Date.now() + startTimeoutMs
    while (Date.now() < deadline) {
      if (spawnError !== undefined) throw new StartError(`cannot run ${binary}: ${spawnError.message}`, false)
      if (proc.exitCode !== null || proc.signalCode !== null) {
        await sleep(20) // let the last stderr chunk arrive
        throw new StartError(`influxd exited (${proc.exitCode ?? proc.signalCode}) during startup: ${stderrTail.trim()}`, /address already in use/.test(stderrTail))
      }
      if (await ping(url)) return
      await sleep(50)
    }
    proc.kill('SIGKILL')
    await exited(proc)
    throw new StartError(`influxd did not answer GET ${url}/ping with 204 within ${startTimeoutMs} ms: ${stderrTail.trim()}`, false)
  }

  try {
    await launch()
  } catch (err) {
    if (!(err instanceof StartError && err.portClash)) { unregister(true); throw err }
    // Another process took a port between freePorts() and influxd's bind: once more, new ports.
    ;[port, rpcPort] = await freePorts(2)
    configFile = writeInfluxdConfig({ dir: dataDir, httpPort: port, rpcPort })
    try {
      await launch()
    } catch (again) {
      unregister(true)
      throw again
    }
  }

  const running = (): ChildProcess | undefined =>
    child !== undefined && child.exitCode === null && child.signalCode === null ? child : undefined

  async function stop (): Promise<void> {
    const proc = running()
    if (proc === undefined) return
    proc.kill('SIGTERM')
    if (paused) proc.kill('SIGCONT')
    paused = false
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
    await exited(proc)
    clearTimeout(timer)
  }

  async function kill (): Promise<void> {
    const proc = running()
    if (proc === undefined) return
    proc.kill('SIGKILL')
    paused = false
    await exited(proc)
  }

  async function restart (): Promise<void> {
    await stop()
    // Same port: if something else grabbed it meanwhile, wait a little for it to go away.
    for (let attempt = 1; ; attempt++) {
      try {
        await launch()
        return
      } catch (err) {
        if (!(err instanceof StartError && err.portClash) || attempt >= 5) throw err
        await sleep(200 * attempt)
      }
    }
  }

  const handle: InfluxdHandle = {
    get url () { return `http://127.0.0.1:${port}` },
    get port () { return port },
    get rpcPort () { return rpcPort },
    dataDir,
    get configFile () { return configFile },
    pid: () => running()?.pid,
    output: () => stderrTail,
    stop,
    kill,
    restart,
    pause: async () => {
      const proc = running()
      if (proc === undefined) return
      proc.kill('SIGSTOP')
      paused = true
    },
    resume: async () => {
      const proc = running()
      if (proc === undefined) return
      proc.kill('SIGCONT')
      paused = false
    }
  }
  options.t?.teardown(async () => {
    await kill()
    unregister(true)
  })
  return handle
}
