// npm run bench:hj212 — JSON lines:
//  - parse: frames/s through the stream splitter + codec on one core (minute-data frames of 9
//    factors, ~520 bytes, cut into 64 KiB reads), and the codec alone;
//  - stations: N concurrent station connections (default 500, simulated in a child process) send
//    minute data to the HJ 212 server, which appends to a real SQLite ingest log (sync full).
//    Time is accelerated: `--minutes` virtual minutes of 1-minute data at `--speed` virtual
//    seconds per real second (default 10 minutes at 10× — 60 s of wall time, 11 records/station —
//    and again at 120× as a stress run). The station cases run first, in a fresh process state.
//    Reported: records stored, wall time, server CPU (% of one core) and RSS/heap, fleet CPU.
// Options: --stations 500 --minutes 10 --speed 10,120 --frames 200000 --only parse,stations
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { encodeHj212, formatDataTime, parseHj212 } from '@shennong/core/codecs/hj212.ts'
import { openIngestLog } from '@shennong/core/ingest-log.ts'
import { createFrameSplitter } from '../ingest/src/hj212/frame-splitter.ts'
import { loadHj212Config } from '../ingest/src/hj212/config.ts'
import { createHj212Server } from '../ingest/src/hj212/server.ts'
import { runStation } from '../device-sim/src/hj212/run-station.ts'

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '500' },
    minutes: { type: 'string', default: '10' },
    speed: { type: 'string', default: '10,120' },
    frames: { type: 'string', default: '200000' },
    only: { type: 'string', default: 'parse,stations' },
    fleet: { type: 'string' }, // internal: run the fleet against this port
    start: { type: 'string' }
  }
})
const emit = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
const stationMn = (i: number): string => `BENCH${String(i).padStart(19, '0')}`

async function fleet (port: number): Promise<void> {
  const n = Number(values.stations)
  const started = process.cpuUsage()
  const runs = Array.from({ length: n }, (_, i) => runStation({
    port, mn: stationMn(i), password: '123456', kind: i % 2 === 0 ? 'air' : 'water', seed: i,
    minutes: Number(values.minutes), speed: Number(values.speed), minuteInterval: 1, start: Number(values.start), ackTimeoutMs: 10_000
  }))
  const stats = await Promise.all(runs.map(r => r.done))
  const cpu = process.cpuUsage(started)
  for (const r of runs) r.stop()
  process.stdout.write(JSON.stringify({ sent: stats.reduce((s, x) => s + x.sent, 0), acked: stats.reduce((s, x) => s + x.acked, 0), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }) + '\n')
}

function benchParse (): void {
  const n = Number(values.frames)
  const cp = [[{ key: 'DataTime', value: '20240601120000' }], ...['a34004', 'a34002', 'a21026', 'a21004', 'a05024', 'a21005', 'a01001', 'a01002', 'a01006'].map(code =>
    [{ key: `${code}-Min`, value: '12.3' }, { key: `${code}-Avg`, value: '23.45' }, { key: `${code}-Max`, value: '34.5' }, { key: `${code}-Flag`, value: 'N' }])]
  const frame = encodeHj212({ qn: '20240601121000001', st: '22', cn: '2051', pw: '123456', mn: '010000A8900016F000169DC0', flag: 5, cp })
  const stream = Buffer.from(frame.repeat(n))
  let parsed = 0
  const splitter = createFrameSplitter({ maxFrameBytes: 1036, codec: {}, onPacket: () => { parsed++ }, onReject: () => {} })
  const t0 = performance.now()
  for (let at = 0; at < stream.length; at += 65_536) splitter.push(stream.subarray(at, at + 65_536))
  const ms = performance.now() - t0
  const bytes = Buffer.from(frame)
  const t1 = performance.now()
  for (let i = 0; i < n; i++) parseHj212(bytes)
  const codecMs = performance.now() - t1
  emit({ bench: 'hj212', case: 'parse', frames: parsed, frameBytes: bytes.length, seconds: +(ms / 1000).toFixed(2), framesPerSecond: Math.round(parsed / (ms / 1000)), codecOnlyFramesPerSecond: Math.round(n / (codecMs / 1000)) })
}

async function benchStations (speed: number): Promise<void> {
  const n = Number(values.stations)
  const minutes = Number(values.minutes)
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-bench-hj212-'))
  const log = openIngestLog({ dataDir, consumers: ['ingest'], sync: 'full', groupCommitMs: 2 })
  const stations = Array.from({ length: n }, (_, i) => ({ mn: stationMn(i), password: '123456', site: 'bench', device: `st-${i}`, kind: i % 2 === 0 ? 'air' : 'water', minuteInterval: 1 }))
  const server = createHj212Server(loadHj212Config({ port: 0, stations, maxConnections: n + 10 }), { log, dataDir })
  const { port } = await server.listen()
  // virtual time ends a few minutes before now so that every reading is in the past
  const start = Math.floor((Date.now() - (minutes + 5) * 60_000) / 60_000) * 60_000
  const rssBefore = process.memoryUsage().rss
  let peakRss = 0
  let peakHeap = 0
  const sampler = setInterval(() => { const m = process.memoryUsage(); peakRss = Math.max(peakRss, m.rss); peakHeap = Math.max(peakHeap, m.heapUsed) }, 250)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const child = spawn(process.execPath, [process.argv[1], '--fleet', String(port), '--start', String(start), '--stations', String(n), '--minutes', String(minutes), '--speed', String(speed)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', d => { out += String(d) })
  let maxConnections = 0
  const watch = setInterval(() => { maxConnections = Math.max(maxConnections, server.connections) }, 100)
  await new Promise(resolve => child.once('exit', resolve))
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  clearInterval(sampler)
  clearInterval(watch)
  const fleetStats = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { sent: number, acked: number, cpuMs: number }
  const stats = await log.stats()
  const records = server.metrics.records.get({ cn: '2051' })
  emit({
    bench: 'hj212',
    case: 'stations',
    stations: n,
    maxConcurrentConnections: maxConnections,
    virtualMinutes: minutes,
    speed,
    recordsExpected: n * (minutes + 1),
    recordsStored: records,
    logEntries: stats.appended,
    acked: fleetStats.acked,
    rejected: server.metrics.registry.render().split('\n').filter(l => l.startsWith('shennong_hj212_frames_rejected_total{')).reduce((s, l) => s + Number(l.split(' ')[1]), 0),
    wallSeconds: +wall.toFixed(1),
    recordsPerSecond: Math.round(records / wall),
    serverCpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000) / (wall * 1000) * 100),
    serverRssBeforeMb: Math.round(rssBefore / 1048576),
    serverPeakRssMb: Math.round(peakRss / 1048576),
    serverPeakHeapMb: Math.round(peakHeap / 1048576),
    fleetCpuPercentOfOneCore: Math.round(fleetStats.cpuMs / (wall * 1000) * 100),
    lastDataTime: formatDataTime(new Date(start + minutes * 60_000))
  })
  await server.close()
  await log.close()
  rmSync(dataDir, { recursive: true, force: true })
}

if (values.fleet !== undefined) await fleet(Number(values.fleet))
else {
  const only = new Set(values.only.split(','))
  if (only.has('stations')) for (const speed of values.speed.split(',').map(Number)) await benchStations(speed)
  if (only.has('parse')) benchParse()
}
