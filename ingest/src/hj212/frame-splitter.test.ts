import t from 'tap'
import { readFileSync } from 'node:fs'
import { encodeHj212 } from '@shennong/core/codecs/hj212.ts'
import type { Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import { createFrameSplitter, type FrameReject } from './frame-splitter.ts'

const valid = JSON.parse(readFileSync(new URL('../../../core/src/codecs/testcases/hj212/valid.json', import.meta.url), 'utf8')) as Array<{ id: string, frame: string }>
const frames = valid.map(v => v.frame.replace(/\\r\\n$/, '\r\n'))
const G1 = frames[0]
const G2 = frames[1]

function harness (maxFrameBytes = 1036) {
  const packets: Hj212Packet[] = []
  const rejects: FrameReject[] = []
  const splitter = createFrameSplitter({ maxFrameBytes, codec: {}, onPacket: p => packets.push(p), onReject: r => rejects.push(r) })
  return { splitter, packets, rejects, reasons: () => rejects.map(r => r.reason) }
}

t.test('the spec vectors are whole frames ending in CR LF', async t => {
  t.ok(frames.length >= 6)
  for (const f of frames) t.ok(f.startsWith('##') && f.endsWith('\r\n'))
})

t.test('reassembles a frame delivered one byte per read', async t => {
  const h = harness()
  for (const b of Buffer.from(G1)) h.splitter.push(Buffer.from([b]))
  t.equal(h.packets.length, 1)
  t.equal(h.packets[0].cn, '2011')
  t.same(h.rejects, [])
  t.equal(h.splitter.buffered, 0)
})

t.test('cuts several frames out of one read, in order', async t => {
  const h = harness()
  h.splitter.push(Buffer.from(frames.join('')))
  t.same(h.packets.map(p => p.cn), valid.map(v => /CN=(\d{4})/.exec(v.frame)![1]))
  t.same(h.rejects, [])
})

t.test('frames split at every byte boundary between two reads parse the same', async t => {
  const both = Buffer.from(G1 + G2)
  for (let cut = 0; cut <= both.length; cut++) {
    const h = harness()
    h.splitter.push(both.subarray(0, cut))
    h.splitter.push(both.subarray(cut))
    if (h.packets.length !== 2 || h.rejects.length !== 0) { t.fail(`cut at ${cut}`); return }
  }
  t.pass('all cuts')
})

t.test('garbage between frames is counted once per run and skipped', async t => {
  const h = harness()
  h.splitter.push(Buffer.from(`hello\x00\xff${G1}#junk#${G2}\r\n`))
  t.equal(h.packets.length, 2)
  t.same(h.reasons(), ['GARBAGE', 'GARBAGE', 'GARBAGE'], 'hello…, #junk, the trailing CR LF')
})

t.test('a length field that says less than the frame: rejected, next frame intact', async t => {
  const h = harness()
  const lie = G1.replace('##0429', '##0400')
  h.splitter.push(Buffer.from(lie + G2))
  t.same(h.packets.map(p => p.cn), ['2011'])
  t.equal(h.packets[0].st, '21', 'G2 survived')
  t.same(h.reasons(), ['LENGTH_MISMATCH'])
})

t.test('a length field that says more than the frame: the CR LF ends it, next frame intact', async t => {
  const h = harness()
  const lie = G1.replace('##0429', '##0900')
  h.splitter.push(Buffer.from(lie))
  t.equal(h.rejects.length, 1, 'rejected as soon as its CR LF arrives')
  h.splitter.push(Buffer.from(G2))
  t.same(h.packets.map(p => p.st), ['21'])
  t.same(h.reasons(), ['LENGTH_MISMATCH'])
})

t.test('a frame cut off without CR LF does not take the next frame down', async t => {
  const h = harness()
  h.splitter.push(Buffer.from(G1.slice(0, 150) + G2))
  t.same(h.packets.map(p => p.st), ['21'])
  t.equal(h.rejects.length, 1)
})

t.test('bad CRC, bad length field and bad trailer are rejected with their reasons', async t => {
  const h = harness()
  h.splitter.push(Buffer.from(G1.replace('FA01\r\n', 'FA00\r\n') + G1.replace('##0429', '##04x9') + G1.replace(/\r\n$/, '\n\n') + G2))
  t.same(h.packets.map(p => p.st), ['21'])
  t.same(h.reasons().filter(r => r !== 'GARBAGE'), ['CRC_MISMATCH', 'BAD_LENGTH_FIELD', 'LENGTH_MISMATCH'])
})

t.test('an oversize declared length is rejected and the buffer stays bounded', async t => {
  const h = harness(300)
  h.splitter.push(Buffer.from(G1)) // 441 bytes > 300
  t.same(h.reasons()[0], 'LENGTH_TOO_LARGE')
  t.equal(h.packets.length, 0)
  h.splitter.push(Buffer.from('##0200' + 'x'.repeat(5000)))
  t.ok(h.splitter.buffered <= 300, `buffered ${h.splitter.buffered}`)
  h.splitter.push(Buffer.from(encodeHj212({ st: '22', cn: '9014', pw: '1', mn: 'M', cp: [] })))
  t.equal(h.packets.length, 1, 'a small frame after the flood parses')
})

t.test('a partial frame left at the end of the stream is counted TRUNCATED', async t => {
  const h = harness()
  h.splitter.push(Buffer.from(G1.slice(0, 100)))
  t.same(h.rejects, [])
  h.splitter.end()
  t.same(h.reasons(), ['TRUNCATED'])
  t.equal(h.splitter.buffered, 0)
})
