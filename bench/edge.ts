// npm run bench:edge — JSON lines (issue 3):
//  - polling: RSS and CPU share of the edge agent (its own process) polling 50 Modbus slaves at 1 Hz
//    on 5 simulated RS-485 buses (socat ptys, 9600 baud) plus one GNSS at 1 Hz, uplink to Aedes.
//    Targets: RSS ≤ 80 MB, CPU ≤ 10 % of one core.
//  - drain: a spool backlog of N readings (default 1,000,000) drained by the agent once the broker is
//    reachable, to an Aedes broker on this machine. Target ≥ 20,000 readings/s.
// Options: --seconds N (polling run, default 30), --backlog N, --only polling,drain.
import { parseArgs } from 'node:util'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { Aedes } from 'aedes'
import { createSqliteQueue } from '../core/src/queue/sqlite-queue.ts'
import { topicFilter } from '../core/src/topics.ts'
import { openPtyPair, type PtyPair } from '../device-sim/src/serial/pty-pair.ts'
import { startModbusBusSim, type ModbusBusSim } from '../device-sim/src/serial/modbus-slave-sim.ts'
import { startGnssSim, type GnssSim } from '../device-sim/src/serial/gnss-sim.ts'
import { cpuAndRss } from './process-stats.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    backlog: { type: 'string', default: '1000000' },
    only: { type: 'string', default: 'polling,drain' }
  }
})
const only = new Set(values.only.split(','))
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const emit = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
const MAIN = join(import.meta.dirname, '..', 'edge', 'src', 'main.ts')


async function startBroker (onReadings: (n: number) => void): Promise<{ url: string, close: () => Promise<void> }> {
  const broker = await Aedes.createBroker()
  await new Promise<void>(resolve => broker.subscribe(topicFilter({ channel: 'telemetry' }), (packet, cb) => {
    const payload = packet.payload as Buffer
    // Count readings without parsing: one `"seq":` per reading.
    let n = 0
    for (let i = payload.indexOf('"seq":'); i >= 0; i = payload.indexOf('"seq":', i + 6)) n++
    onReadings(n)
    cb()
  }, () => resolve()))
  const server: Server = createServer(broker.handle)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as { port: number }).port
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      server.close()
      await new Promise<void>(resolve => broker.close(() => resolve()))
    }
  }
}

function spawnAgent (config: Record<string, unknown>, dir: string): ChildProcess {
  const file = join(dir, 'edge.yaml')
  writeFileSync(file, stringify(config))
  return spawn(process.execPath, [MAIN, '-c', file], { stdio: ['ignore', 'ignore', 'inherit'] })
}

async function stopAgent (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

async function polling (): Promise<void> {
  const seconds = Number(values.seconds)
  let received = 0
  const broker = await startBroker(n => { received += n })
  const dir = mkdtempSync(join(tmpdir(), 'shennong-bench-edge-'))
  const ptys: PtyPair[] = []
  const sims: ModbusBusSim[] = []
  const buses = []
  for (let b = 0; b < 5; b++) {
    const pty = await openPtyPair()
    ptys.push(pty)
    const addresses = Array.from({ length: 10 }, (_, i) => i + 1)
    const sim = await startModbusBusSim({ path: pty.device, addresses })
    for (const a of addresses) { const s = sim.slave(a); s.holding.set(0, 200 + a); s.holding.set(1, 180); s.holding.set(2, 540) }
    sims.push(sim)
    buses.push({ name: `bus-${b}`, port: pty.host, timeout: '300ms', retries: 1, devices: addresses.map(a => ({ device: `soil-${b}-${a}`, address: a, profile: 'cwt-soil-thc-s', interval: '1s' })) })
  }
  const gnssPty = await openPtyPair()
  ptys.push(gnssPty)
  const gnss: GnssSim = await startGnssSim({ path: gnssPty.device, intervalMs: 1000 })
  const child = spawnAgent({
    site: 'bench', id: 'gw-bench', dataDir: dir, logLevel: 'warn',
    uplink: { url: broker.url },
    sources: { modbus: buses, nmea0183: [{ name: 'gnss', port: gnssPty.host, device: 'vessel-1' }] }
  }, dir)
  await sleep(5000) // start-up and first polls are not the steady state
  const a = cpuAndRss(child.pid)
  const t0 = performance.now()
  const r0 = received
  let peakRss = a.rssMb
  for (let s = 0; s < seconds; s++) { await sleep(1000); peakRss = Math.max(peakRss, cpuAndRss(child.pid).rssMb) }
  const b = cpuAndRss(child.pid)
  const elapsed = performance.now() - t0
  await stopAgent(child)
  await gnss.close()
  for (const sim of sims) await sim.close()
  for (const pty of ptys) await pty.close()
  await broker.close()
  const cpuPct = Math.round((1000 * (b.cpuMs - a.cpuMs) / elapsed)) / 10
  const readingsPerS = Math.round(((received - r0) / elapsed) * 10_000) / 10
  emit({
    bench: 'edge.polling', node: process.version, devices: 51, seconds: Math.round(elapsed / 1000),
    readingsPerS, rssMb: b.rssMb, peakRssMb: peakRss, cpuPctOfOneCore: cpuPct,
    // 51 devices at 1 Hz: an agent that stopped polling must not pass on its low memory.
    targets: { rssMb: 80, cpuPct: 10, readingsPerS: 45 }, ok: readingsPerS >= 45 && peakRss <= 80 && cpuPct <= 10
  })
}

async function drain (): Promise<void> {
  const backlog = Number(values.backlog)
  const dir = mkdtempSync(join(tmpdir(), 'shennong-bench-edge-drain-'))
  // Fill the spool as the agent would have during a long outage.
  const spool = createSqliteQueue({ path: join(dir, 'spool.db'), consumers: ['uplink'], sync: 'normal' })
  const fillStart = performance.now()
  const chunk = 10_000
  for (let i = 0; i < backlog; i += chunk) {
    const items = []
    for (let j = i; j < Math.min(backlog, i + chunk); j++) {
      const device = `soil-${j % 50}`
      const seq = Math.floor(j / 50) + 1
      const r = { device, kind: 'soil', ts: 1_763_798_400_000 + j * 20, seq, metrics: { moisture_vwc_pct: 23.4, temperature_c: 18.1, ec_us_cm: 540 } }
      items.push({ meta: `${device} ${seq}`, payload: Buffer.from(JSON.stringify(r)) })
    }
    await spool.append(items)
  }
  await spool.close()
  const fillS = (performance.now() - fillStart) / 1000
  let received = 0
  let done: (() => void) | undefined
  const finished = new Promise<void>(resolve => { done = resolve })
  const broker = await startBroker(n => { received += n; if (received >= backlog) done?.() })
  const t0 = performance.now()
  const child = spawnAgent({ site: 'bench', id: 'gw-bench', dataDir: dir, logLevel: 'warn', uplink: { url: broker.url } }, dir)
  let peakRss = 0
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, cpuAndRss(child.pid).rssMb) }, 500)
  await finished
  const elapsed = (performance.now() - t0) / 1000
  clearInterval(sampler)
  await stopAgent(child)
  await broker.close()
  emit({
    bench: 'edge.drain', node: process.version, backlog, fillSeconds: Math.round(fillS * 10) / 10,
    drainSeconds: Math.round(elapsed * 10) / 10, readingsPerS: Math.round(backlog / elapsed), peakRssMb: peakRss,
    note: 'includes agent start-up (seq recovery scan of the spool)', target: 20_000, ok: backlog / elapsed >= 20_000
  })
}

if (only.has('polling')) await polling()
if (only.has('drain')) await drain()
