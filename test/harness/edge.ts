// The edge agent in multi-process tests: a bus of simulated Modbus soil sensors on a socat pty pair,
// an edge.yaml that points the agent at the test stack as its gateway principal, the agent as a real
// child process (`shennong edge -c edge.yaml`, so it can be kill -9ed), and what it persisted.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { stringify } from 'yaml'
import mqtt from 'mqtt'
import { buildTopic } from '../../core/src/topics.ts'
import { openPtyPair, type PtyPair } from '../../device-sim/src/serial/pty-pair.ts'
import { startModbusBusSim, type ModbusBusSim } from '../../device-sim/src/serial/modbus-slave-sim.ts'
import { createSqliteQueue } from '../../core/src/queue/sqlite-queue.ts'
import { UPLINK_CONSUMER } from '../../edge/src/uplink.ts'
import { storedSeqs } from './load.ts'
import { exitCleanup } from './process-cleanup.ts'

const CLI = resolve(import.meta.dirname, '..', '..', 'bin', 'shennong.ts')
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export interface SoilBus {
  pty: PtyPair
  sim: ModbusBusSim
  /** device id → slave address and poll interval. */
  devices: Array<{ device: string, address: number, interval: string }>
  /** Every slave stops answering (the agent keeps running, takes no more readings). */
  silence: () => void
  close: () => Promise<void>
}

/** 3-in-1 soil sensors (profile cwt-soil-thc-s) on one pty bus, answering with plausible values. */
export async function startSoilBus (devices: Array<{ address: number, interval: string }>): Promise<SoilBus> {
  const pty = await openPtyPair()
  const sim = await startModbusBusSim({ path: pty.device, addresses: devices.map(d => d.address) })
  for (const { address } of devices) {
    const slave = sim.slave(address)
    slave.holding.set(0, 200 + address * 10) // moisture ×10 (% VWC)
    slave.holding.set(1, 150 + address) //      temperature ×10 (°C)
    slave.holding.set(2, 500 + address * 20) // EC (µS/cm)
  }
  return {
    pty,
    sim,
    devices: devices.map(d => ({ device: `soil-${d.address}`, ...d })),
    silence: () => { for (const d of devices) sim.setFault(d.address, { kind: 'dead' }) },
    close: async () => { await sim.close(); await pty.close() }
  }
}

export interface EdgeConfigOptions {
  dataDir: string
  mqttUrl: string
  gateway: { id: string, site: string }
  bus: SoilBus
  /** Merged over the uplink defaults below. */
  uplink?: Record<string, unknown>
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
}

/** The edge config as a plain object (load it with core's loadConfig, or write it as YAML). */
export function edgeConfig (o: EdgeConfigOptions): Record<string, unknown> {
  return {
    site: o.gateway.site,
    id: o.gateway.id,
    dataDir: o.dataDir,
    logLevel: o.logLevel ?? 'info',
    uplink: {
      url: o.mqttUrl,
      batch: { maxReadings: 10, maxDelay: '100ms' },
      keepalive: '2s',
      connectTimeout: '2s',
      reconnect: { min: '100ms', max: '500ms' },
      statusInterval: '1s',
      ...o.uplink
    },
    sources: {
      modbus: [{
        name: 'field-bus',
        port: o.bus.pty.host,
        timeout: '150ms',
        retries: 1,
        devices: o.bus.devices.map(d => ({ device: d.device, address: d.address, profile: 'cwt-soil-thc-s', interval: d.interval }))
      }]
    }
  }
}

/** A temporary data directory with an edge.yaml in it; removed at process exit. */
export function writeEdgeConfig (options: Omit<EdgeConfigOptions, 'dataDir'>): { dataDir: string, configFile: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-edge-e2e-'))
  exitCleanup(() => rmSync(dataDir, { recursive: true, force: true }))
  const configFile = join(dataDir, 'edge.yaml')
  writeFileSync(configFile, stringify(edgeConfig({ ...options, dataDir })))
  return { dataDir, configFile }
}

export interface EdgeProcess {
  child: ChildProcess
  /** Resolves when the agent logged that it started (sources running, uplink connecting). */
  started: Promise<void>
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: () => Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  /** The last few KiB of its stderr (JSON log lines), for failure messages. */
  output: () => string
}

/** `node bin/shennong.ts edge -c configFile` with the uplink password in SHENNONG_EDGE_PASSWORD. */
export function spawnEdge (configFile: string, password: string): EdgeProcess {
  const child = spawn(process.execPath, [CLI, 'edge', '-c', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SHENNONG_EDGE_PASSWORD: password }
  })
  const unregister = exitCleanup(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const done = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.once('exit', (code, signal) => { unregister(); resolve({ code, signal }) })
  })
  let tail = ''
  let resolveStarted: () => void = () => {}
  let rejectStarted: (err: Error) => void = () => {}
  const started = new Promise<void>((resolve, reject) => { resolveStarted = resolve; rejectStarted = reject })
  started.catch(() => {}) // a kill before the start is not an unhandled rejection
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-8192)
    if (tail.includes('edge agent started')) resolveStarted()
  })
  void done.then(({ code, signal }) => rejectStarted(new Error(`the edge agent exited (${code ?? signal}) before it started: ${tail.trim()}`)))
  return { child, started, exited: async () => await done, output: () => tail }
}

/** The last seq the agent persisted per device (its seq.db), or an empty map before the first. */
export function persistedSeqs (dataDir: string): Map<string, number> {
  const path = join(dataDir, 'seq.db')
  const out = new Map<string, number>()
  if (!existsSync(path)) return out
  const db = new DatabaseSync(path)
  try {
    db.exec('PRAGMA busy_timeout = 2000')
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seq'").get() !== undefined
    if (hasTable) for (const row of db.prepare('SELECT device, last FROM seq').all() as Array<{ device: string, last: number }>) out.set(row.device, Number(row.last))
  } finally {
    db.close()
  }
  return out
}

/**
 * Readings in the spool of a stopped (or killed) agent: committed, not yet acknowledged by the
 * broker. Opens spool.db the way the agent does; never while the agent runs.
 */
export async function spooledReadings (dataDir: string): Promise<number> {
  const path = join(dataDir, 'spool.db')
  if (!existsSync(path)) return 0
  const spool = createSqliteQueue({ path, consumers: [UPLINK_CONSUMER], sync: 'normal' })
  try {
    return (await spool.stats()).consumers[UPLINK_CONSUMER]?.pending ?? 0
  } finally {
    await spool.close()
  }
}

/**
 * Waits until InfluxDB holds at least `expected(device)` points of `measurement` for every device
 * (`expected` is asked again on every round, so it may follow a live count). Returns the stored
 * seqs per device either way; the caller compares.
 */
export async function waitForStoredSeqs (influxUrl: string, measurement: string, expected: () => Map<string, number>, timeoutMs: number): Promise<Map<string, number[]>> {
  const deadline = Date.now() + timeoutMs
  let stored = new Map<string, number[]>()
  for (;;) {
    try {
      stored = (await storedSeqs(influxUrl, measurement)).byDevice
    } catch { /* the database is created with the first write */ }
    const want = expected()
    if ([...want].every(([device, n]) => (stored.get(device)?.length ?? 0) >= n)) return stored
    if (Date.now() > deadline) return stored
    await sleep(300)
  }
}

/** The agent's retained status (docs/edge.md), as far as these tests read it. */
export interface EdgeStatus {
  state: 'online' | 'offline'
  ts: number
  reason?: string
  spool?: { depth: number, dropped: { overflow: number, expired: number } }
  readings?: { taken: number, lostSpoolFull: number, droppedOverflow: number, droppedExpired: number }
  uplink?: { connected: boolean, connects: number, disconnects: number, batches: number, readings: number }
  sources?: Record<string, { kind: string, devices: Record<string, { polls: number, readings: number, failures: number }> }>
}

export interface StatusWatch {
  /** The latest status received (retained or live), with the local time it arrived. */
  latest: () => { status: EdgeStatus, at: number } | undefined
  /** Resolves with the first status arriving from now on that `match` accepts. */
  next: (what: string, match: (s: EdgeStatus) => boolean, timeoutMs: number) => Promise<EdgeStatus>
  close: () => Promise<void>
}

/** Follows a gateway's retained status over MQTT as the stack's admin (reconnecting on its own). */
export async function watchStatus (mqttUrl: string, adminToken: string, gateway: { id: string, site: string }): Promise<StatusWatch> {
  const dot = adminToken.indexOf('.')
  const client = mqtt.connect(mqttUrl, { username: adminToken.slice(0, dot), password: adminToken.slice(dot + 1), protocolVersion: 4, clean: true, reconnectPeriod: 250, connectTimeout: 3000 })
  client.on('error', () => { /* reconnects by itself */ })
  let latest: { status: EdgeStatus, at: number } | undefined
  const waiters = new Set<(s: EdgeStatus) => void>()
  client.on('message', (_topic, payload) => {
    let status: EdgeStatus
    try { status = JSON.parse(payload.toString()) as EdgeStatus } catch { return }
    latest = { status, at: Date.now() }
    for (const w of [...waiters]) w(status)
  })
  await client.subscribeAsync(buildTopic({ site: gateway.site, id: gateway.id, channel: 'status' }), { qos: 1 })
  return {
    latest: () => latest,
    next: async (what, match, timeoutMs) => await new Promise<EdgeStatus>((resolve, reject) => {
      const timer = setTimeout(() => { waiters.delete(waiter); reject(new Error(`no status ${what} within ${timeoutMs} ms; last: ${JSON.stringify(latest?.status)}`)) }, timeoutMs)
      const waiter = (s: EdgeStatus): void => { if (match(s)) { clearTimeout(timer); waiters.delete(waiter); resolve(s) } }
      waiters.add(waiter)
    }),
    close: async () => { await client.endAsync(true) }
  }
}

/** Every point of a measurement per device: its timestamp (ms) and seq (InfluxDB 1.x /query). */
export async function storedPoints (influxUrl: string, measurement: string, database = 'shennong'): Promise<Map<string, Array<{ ts: number, seq: number }>>> {
  const q = `SELECT "seq" FROM "${measurement}" GROUP BY "device"`
  const res = await fetch(`${influxUrl}/query?db=${database}&epoch=ms&q=${encodeURIComponent(q)}`)
  const body = await res.json() as { results: Array<{ series?: Array<{ tags: { device: string }, values: Array<[number, number]> }>, error?: string }> }
  const result = body.results[0]
  if (result.error !== undefined) throw new Error(result.error)
  return new Map((result.series ?? []).map(s => [s.tags.device, s.values.map(([ts, seq]) => ({ ts, seq }))]))
}

/** Per device: seqs missing from 1…n, seqs stored more than once, seqs beyond n. */
export function checkContiguous (stored: number[], n: number): { missing: number[], duplicated: number[], beyond: number[] } {
  const seen = new Set<number>()
  const duplicated: number[] = []
  const beyond: number[] = []
  for (const s of stored) {
    if (seen.has(s)) duplicated.push(s)
    seen.add(s)
    if (s < 1 || s > n) beyond.push(s)
  }
  const missing: number[] = []
  for (let s = 1; s <= n; s++) if (!seen.has(s)) missing.push(s)
  return { missing, duplicated, beyond }
}
