// Fuzzing the stream splitter and the codec: 100,000 mutated frames in process (each followed by
// a valid sentinel) and 100,000 more over a real TCP connection to the server. No crash, no hang,
// bounded buffer and heap, every mutation accounted for (parsed or counted as rejected), and
// every sentinel after it still recognised (resync works).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { encodeHj212 } from '@shennong/core/codecs/hj212.ts'
import type { Logger } from '@shennong/core/logger.ts'
import { createFrameSplitter } from './frame-splitter.ts'
import { connectRawStation, startServerFixture } from './raw-station.ts'

const MUTATIONS = 100_000
const valid = JSON.parse(readFileSync(new URL('../../../core/src/codecs/testcases/hj212/valid.json', import.meta.url), 'utf8')) as Array<{ frame: string }>
const bases = valid.map(v => Buffer.from(v.frame.replaceAll('010000A8900016F000169DC0', 'FUZZ00000000000000000001')))
// the MN swap changes nothing in length; refit the CRC so the bases are valid frames
const refit = (b: Buffer): Buffer => {
  const seg = b.subarray(6, b.length - 6)
  const text = seg.toString('utf8')
  let r = 0xffff
  for (const x of seg) { r = (r >>> 8) ^ x; for (let i = 0; i < 8; i++) r = r & 1 ? (r >>> 1) ^ 0xa001 : r >>> 1 }
  return Buffer.from(`##${String(seg.length).padStart(4, '0')}${text}${r.toString(16).toUpperCase().padStart(4, '0')}\r\n`)
}
const frames = bases.map(refit)
const SENTINEL = Buffer.from(encodeHj212({ st: '22', cn: '2011', pw: '123456', mn: 'SENTINEL', flag: 4, cp: [[{ key: 'DataTime', value: '20240601120000' }]] }))

function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function mutate (rand: () => number): Buffer {
  const int = (n: number): number => Math.floor(rand() * n)
  let b = Buffer.from(frames[int(frames.length)])
  const ops = 1 + int(3)
  for (let k = 0; k < ops; k++) {
    switch (int(7)) {
      case 0: for (let i = 0; i < 1 + int(3); i++) { const at = int(b.length); b[at] ^= 1 << int(8) } break // bit flips
      case 1: b = b.subarray(0, 1 + int(b.length - 1)); break // truncation
      case 2: { // insertion, sometimes of framing bytes
        const at = int(b.length + 1)
        const ins = [Buffer.from('##'), Buffer.from('\r\n'), Buffer.from('&&'), Buffer.from([int(256)]), Buffer.from('##0100')][int(5)]
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)])
        break
      }
      case 3: { const at = int(b.length); b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(20))]); break } // deletion
      case 4: if (b.length >= 6) b.write(String(int(10000)).padStart(4, '0'), 2, 'latin1'); break // length lie
      case 5: if (b.length >= 6) b.write(String(Math.max(0, b.length - 12 + int(5) - 2)).padStart(4, '0'), 2, 'latin1'); break // small lie
      default: b = Buffer.concat([b, b.subarray(0, int(b.length))]) // duplicated prefix
    }
  }
  if (b.length === 0) b = Buffer.from('#')
  return b
}

t.test(`${MUTATIONS} mutated frames through the splitter: every one accounted for, buffer bounded`, async t => {
  const rand = prng(212)
  let packets = 0
  let sentinels = 0
  let rejects = 0
  const byReason: Record<string, number> = {}
  const splitter = createFrameSplitter({
    maxFrameBytes: 1036,
    codec: {},
    onPacket: p => { packets++; if (p.mn === 'SENTINEL') sentinels++ },
    onReject: r => { rejects++; byReason[r.reason] = (byReason[r.reason] ?? 0) + 1 }
  })
  const heapBefore = process.memoryUsage().heapUsed
  let unaccounted = 0
  let maxBuffered = 0
  const started = Date.now()
  for (let i = 0; i < MUTATIONS; i++) {
    const before = packets + rejects
    const bytes = Buffer.concat([mutate(rand), SENTINEL])
    // random read boundaries
    for (let at = 0; at < bytes.length;) {
      const n = 1 + Math.floor(rand() * 600)
      splitter.push(bytes.subarray(at, at + n))
      at += n
      maxBuffered = Math.max(maxBuffered, splitter.buffered)
    }
    if (packets + rejects - before < 2) unaccounted++
    if (sentinels !== i + 1) { t.fail(`sentinel ${i} lost`); return }
  }
  splitter.end()
  t.equal(sentinels, MUTATIONS, 'every sentinel after a mutation was recognised')
  t.equal(unaccounted, 0, 'every mutation produced a packet or a counted rejection')
  t.ok(maxBuffered <= 1036, `buffer stayed ≤ 1036 bytes (max ${maxBuffered})`)
  t.ok(rejects >= MUTATIONS * 0.9, `rejections counted (${rejects}) by reason ${JSON.stringify(byReason)}`)
  t.ok(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024, 'heap growth bounded')
  t.ok(Date.now() - started < 30_000, `no hang (${Date.now() - started} ms)`)
})

t.test(`${MUTATIONS} mutated frames over TCP to the server: no crash, all counted, sentinels seen, server still serves`, async t => {
  let sentinels = 0
  const quiet = (): void => {}
  const logger: Logger = {
    debug: quiet,
    info: quiet,
    error: quiet,
    warn: (msg, fields) => { if (msg === 'hj212 packet refused' && fields?.mn === 'SENTINEL') sentinels++ },
    child: () => logger
  }
  const fx = await startServerFixture(t, { refuse: { reply: 'when-asked', closeAfter: 0 }, maxPendingFrames: 1024 }, { logger })
  const st = await connectRawStation(fx.port)
  const rand = prng(2017)
  const chunks: Buffer[] = []
  let size = 0
  for (let i = 0; i < MUTATIONS; i++) {
    const m = mutate(rand)
    chunks.push(m, SENTINEL)
    size += m.length + SENTINEL.length
    if (size > 1 << 20 || i === MUTATIONS - 1) {
      const data = Buffer.concat(chunks)
      chunks.length = 0
      size = 0
      if (!st.socket.write(data)) await new Promise(resolve => st.socket.once('drain', resolve))
    }
  }
  const deadline = Date.now() + 45_000
  while (sentinels < MUTATIONS && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(sentinels, MUTATIONS, 'every sentinel reached the handler')
  const m = fx.server.metrics
  let rejected = 0
  for (const line of m.registry.render().split('\n')) if (line.startsWith('shennong_hj212_frames_rejected_total{')) rejected += Number(line.split(' ')[1])
  t.ok(rejected >= MUTATIONS * 0.9, `rejections counted by reason: ${rejected}`)
  t.equal(fx.server.connections, 1, 'the connection survived')
  // the server still stores a good station's data afterwards
  const good = await connectRawStation(fx.port)
  good.write(valid[1].frame) // G2: air MN, Flag=5 → answered
  await good.waitFor(p => p.cn === '9014')
  t.pass('a station is still served')
  st.close()
  good.close()
})
