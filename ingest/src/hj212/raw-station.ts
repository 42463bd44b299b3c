// For the HJ 212 server's tests: a raw TCP client that writes bytes as given and collects the
// frames the server sends back, and a server fixture on a real SQLite ingest log in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseHj212, readHj212Cp } from '@shennong/core/codecs/hj212.ts'
import type { Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import { openIngestLog } from '@shennong/core/ingest-log.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { loadHj212Config } from './config.ts'
import { createHj212Server, type Hj212Server, type Hj212ServerDeps } from './server.ts'

export interface RawStation {
  socket: Socket
  write: (data: string | Buffer) => void
  /** Frames received so far. */
  received: Hj212Packet[]
  /** Resolves with the first received packet matching that no earlier waitFor returned. */
  waitFor: (match: (p: Hj212Packet) => boolean, timeoutMs?: number) => Promise<Hj212Packet>
  closed: Promise<void>
  close: () => void
}

export function cpField (p: Hj212Packet, key: string): string | undefined {
  return readHj212Cp(p.cp).fields[key]
}

export async function connectRawStation (port: number): Promise<RawStation> {
  const socket = connect({ host: '127.0.0.1', port })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  const received: Hj212Packet[] = []
  const waiters: Array<{ match: (p: Hj212Packet) => boolean, resolve: (p: Hj212Packet) => void }> = []
  const taken = new Set<Hj212Packet>()
  let rx = ''
  socket.on('data', chunk => {
    rx += chunk.toString('utf8')
    let end: number
    while ((end = rx.indexOf('\r\n')) >= 0) {
      const p = parseHj212(rx.slice(0, end + 2), { unknownCn: 'accept' })
      rx = rx.slice(end + 2)
      received.push(p)
      const w = waiters.find(x => x.match(p))
      if (w !== undefined) { waiters.splice(waiters.indexOf(w), 1); taken.add(p); w.resolve(p) }
    }
  })
  socket.on('error', () => {})
  const closed = new Promise<void>(resolve => socket.once('close', () => resolve()))
  return {
    socket,
    received,
    closed,
    write: data => { socket.write(data) },
    waitFor: (match, timeoutMs = 5000) => new Promise((resolve, reject) => {
      const already = received.find(p => !taken.has(p) && match(p))
      if (already !== undefined) { taken.add(already); resolve(already); return }
      const timer = setTimeout(() => reject(new Error(`no matching packet within ${timeoutMs} ms; got ${received.map(p => p.cn).join(',')}`)), timeoutMs)
      waiters.push({ match, resolve: p => { clearTimeout(timer); resolve(p) } })
    }),
    close: () => { socket.destroy() }
  }
}

export const AIR_MN = '010000A8900016F000169DC0'
export const WATER_MN = 'WATER0000000000000000001'

export const TEST_STATIONS = [
  { mn: AIR_MN, password: '123456', site: 'city-air', device: 'aqs-01', kind: 'air' },
  { mn: WATER_MN, password: '654321', site: 'river-a', device: 'wqs-01', kind: 'water', minuteInterval: 10 }
]

interface Tap { teardown: (fn: () => unknown) => void }

export interface ServerFixture {
  server: Hj212Server
  port: number
  log: DurableQueue
  dataDir: string
  /** Readings JSON of every entry appended so far (read through a test consumer). */
  entries: () => Promise<Array<{ meta: Record<string, unknown>, readings: Array<Record<string, any>> }>>
}

export async function startServerFixture (t: Tap, section: Record<string, unknown> = {}, deps: Partial<Hj212ServerDeps> & { wrapLog?: (log: DurableQueue) => DurableQueue } = {}): Promise<ServerFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-hj212-'))
  const log = openIngestLog({ dataDir, consumers: ['test'], sync: 'normal', groupCommitMs: 1 })
  const config = loadHj212Config({ port: 0, stations: TEST_STATIONS, ...section })
  const server = createHj212Server(config, { log: deps.wrapLog?.(log) ?? log, dataDir, ...deps })
  const { port } = await server.listen()
  t.teardown(async () => {
    await server.close()
    await log.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const seen: Array<{ meta: Record<string, unknown>, readings: Array<Record<string, any>> }> = []
  return {
    server,
    port,
    log,
    dataDir,
    async entries () {
      for (;;) {
        const got = await log.read('test', 1000)
        if (got.length === 0) return seen
        for (const e of got) seen.push({ meta: JSON.parse(e.meta), readings: JSON.parse(Buffer.from(e.payload).toString()) })
      }
    }
  }
}

export function cleanupDir (dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}
