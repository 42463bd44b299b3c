import t from 'tap'
import { encodeLogMeta } from '@shennong/core/ingest-log.ts'
import type { QueueEntry } from '@shennong/core/queue/durable-queue.ts'
import { buildTopic } from '@shennong/core/topics.ts'
import { createDecodedEntries } from './decoded-entries.ts'
import { decodeEntry } from './decode-entry.ts'

const topic = buildTopic({ site: 'farm-1', id: 'gw-1', channel: 'telemetry' })
const now = Date.now()

function entry (id: number, readings: number): QueueEntry {
  const items = Array.from({ length: readings }, (_, i) => ({ device: 'soil-1', kind: 'soil', ts: now - 60_000 + id * 100 + i, seq: id * 100 + i, metrics: { moisture_vwc_pct: 20 + i } }))
  return {
    id,
    appendedAt: now,
    meta: encodeLogMeta({ topic, sender: 'gw-1', transport: 'mqtt', receivedAt: now }),
    payload: Buffer.from(JSON.stringify(items))
  }
}

t.test('two consumers: the first decodes, the second gets the same result, then it is let go', async t => {
  const shared = createDecodedEntries({ consumers: 2, maxReadings: 1000 })
  const e = entry(1, 3)
  const first = shared.decode('ingest', e, 60_000)
  t.same(first, decodeEntry(e, { maxFutureMs: 60_000 }), 'equal to decoding it directly')
  t.same(shared.size(), { entries: 1, readings: 3 })
  t.equal(shared.decode('rules', e, 60_000), first, 'the second consumer shares the object')
  t.same(shared.size(), { entries: 0, readings: 0 }, 'released once every consumer took it')
  t.same(shared.counts(), { decoded: 1, shared: 1, notHeld: 0 })
  const again = shared.decode('ingest', e, 60_000)
  t.not(again, first, 'a take after a rewind decodes again')
  t.same(shared.size(), { entries: 0, readings: 0 }, 'and holds nothing: every consumer is past it')
})

t.test('the same consumer twice does not count as the other one', async t => {
  const shared = createDecodedEntries({ consumers: 2, maxReadings: 1000 })
  const e = entry(1, 2)
  const first = shared.decode('rules', e, 60_000)
  t.not(shared.decode('rules', e, 60_000), first, 'a rewound consumer decodes for itself')
  t.equal(shared.decode('ingest', e, 60_000), first, 'the other still gets the held result')
  t.same(shared.size(), { entries: 0, readings: 0 })
})

t.test('one consumer holds nothing', async t => {
  const only = createDecodedEntries({ consumers: 1, maxReadings: 1000 })
  only.decode('ingest', entry(1, 5), 60_000)
  t.same(only.size(), { entries: 0, readings: 0 })
})

t.test('a consumer far ahead: past the bound results are not held, the other decodes those for itself', async t => {
  const shared = createDecodedEntries({ consumers: 2, maxReadings: 10 })
  const entries = [1, 2, 3, 4].map(id => entry(id, 4))
  for (const e of entries) shared.decode('rules', e, 60_000)
  t.ok(shared.size().readings <= 10, 'bounded by readings')
  t.same(shared.size(), { entries: 2, readings: 8 }, 'the first two, which the late consumer needs first')
  t.equal(shared.counts().notHeld, 2)
  for (const e of entries) t.same(shared.decode('ingest', e, 60_000), decodeEntry(e, { maxFutureMs: 60_000 }), `entry ${e.id} still decodes right`)
  t.same(shared.counts(), { decoded: 6, shared: 2, notHeld: 2 }, 'the late consumer decoded the last two and held nothing')
  t.same(shared.size(), { entries: 0, readings: 0 })
})

t.test('consumers that validate differently (another maxFuture) do not share', async t => {
  const shared = createDecodedEntries({ consumers: 2, maxReadings: 1000 })
  const e = entry(1, 2)
  const a = shared.decode('ingest', e, 60_000)
  const b = shared.decode('rules', e, 1_000)
  t.not(a, b)
  t.equal(shared.counts().shared, 0)
  t.equal(shared.decode('other', e, 60_000), a, 'the held result still serves a consumer that validates alike')
})

t.test('an undecodable entry is shared too (counted as one reading of weight)', async t => {
  const shared = createDecodedEntries({ consumers: 2, maxReadings: 1000 })
  const bad: QueueEntry = { ...entry(7, 1), payload: Buffer.from('{not json') }
  const first = shared.decode('ingest', bad, 60_000)
  t.equal(first.readings.length, 0)
  t.equal(first.quarantine.length, 1)
  t.same(shared.size(), { entries: 1, readings: 1 })
  t.equal(shared.decode('rules', bad, 60_000), first)
})
