// A real VictoriaMetrics single-node server (Debian package `victoria-metrics`) on loopback with a
// temporary storage directory. It accepts InfluxDB line protocol on /api/v2/write (and /write), so
// it tests the v2 write path (ARCHITECTURE §5). It stores field `f` of measurement `m` as the series
// `m_f` with the tags as labels; string fields are not stored. It answers 204 even to lines it
// cannot parse (it drops them and logs), so partial writes can only be tested against influxd.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.ts'
import { exitCleanup } from './process-cleanup.ts'

/** One series from /api/v1/export. */
export interface VictoriaSeries {
  metric: Record<string, string> & { __name__: string }
  values: number[]
  timestamps: number[]
}

export interface VictoriaHandle {
  url: string
  port: number
  dataDir: string
  /** All samples of the series matching a Prometheus selector, e.g. `{__name__=~"soil_.*"}`. */
  exportSeries: (match: string) => Promise<VictoriaSeries[]>
  /** Polls exportSeries until `until` holds (recent writes take a moment to become searchable). */
  waitForSeries: (match: string, until: (series: VictoriaSeries[]) => boolean, timeoutMs?: number) => Promise<VictoriaSeries[]>
  stop: () => Promise<void>
}

export interface StartVictoriaOptions {
  t?: { teardown: (fn: () => unknown) => void }
  startTimeoutMs?: number
  binary?: string
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function healthy (url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
    await res.arrayBuffer()
    return res.status === 200
  } catch {
    return false
  }
}

export async function startVictoria (options: StartVictoriaOptions = {}): Promise<VictoriaHandle> {
  const binary = options.binary ?? '/usr/bin/victoria-metrics'
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-victoria-'))
  let child: ChildProcess | undefined
  let stderrTail = ''
  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null
  const unregister = exitCleanup(() => {
    if (alive()) child?.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  let url = ''
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    url = `http://127.0.0.1:${port}`
    stderrTail = ''
    const proc = spawn(binary, [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dataDir}`,
      '-loggerLevel=ERROR',
      '-search.latencyOffset=0s',
      '-search.disableCache',
      // Samples with the same series and timestamp collapse into one, as a point overwrites itself in InfluxDB.
      '-dedup.minScrapeInterval=1ms'
    ], { stdio: ['ignore', 'ignore', 'pipe'] })
    child = proc
    proc.stderr?.setEncoding('utf8')
    proc.stderr?.on('data', (chunk: string) => { stderrTail = (stderrTail + chunk).slice(-4096) })
    let spawnError: Error | undefined
    proc.once('error', err => { spawnError = err })
    const deadline = Date.now() + startTimeoutMs
    let up = false
    while (Date.now() < deadline && spawnError === undefined && proc.exitCode === null) {
      if (await healthy(url)) { up = true; break }
      await sleep(50)
    }
    if (up) break
    if (alive()) proc.kill('SIGKILL')
    await sleep(20)
    const clash = /address already in use/.test(stderrTail)
    if (!clash || attempt >= 2) {
      unregister(true)
      throw new Error(`victoria-metrics did not start on ${url}: ${spawnError?.message ?? stderrTail.trim()}`)
    }
  }

  async function exportSeries (match: string): Promise<VictoriaSeries[]> {
    await fetch(`${url}/internal/force_flush`).then(res => res.arrayBuffer())
    const res = await fetch(`${url}/api/v1/export`, {
      method: 'POST',
      body: new URLSearchParams({ 'match[]': match, start: '0' })
    })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`victoria-metrics export answered ${res.status}: ${text}`)
    return text.split('\n').filter(line => line.trim() !== '').map(line => JSON.parse(line) as VictoriaSeries)
  }

  async function waitForSeries (match: string, until: (series: VictoriaSeries[]) => boolean, timeoutMs = 10_000): Promise<VictoriaSeries[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const series = await exportSeries(match)
      if (until(series) || Date.now() > deadline) return series
      await sleep(200)
    }
  }

  async function stop (): Promise<void> {
    const proc = child
    if (proc !== undefined && alive()) {
      const exited = new Promise(resolve => proc.once('exit', resolve))
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    unregister(true)
  }

  options.t?.teardown(stop)
  return { url, port, dataDir, exportSeries, waitForSeries, stop }
}
