import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteQueue } from '@shennong/core/queue/sqlite-queue.ts'
import { createLogger } from '@shennong/core/logger.ts'
import { topicFilter } from '@shennong/core/topics.ts'
import { createUplink, UPLINK_CONSUMER, type UplinkConfig } from './uplink.ts'
import { startBrokerFixture } from './aedes-fixture.ts'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function reading (i: number, pad = 0): { meta: string, payload: Uint8Array } {
  const r = { device: 'd-1', kind: 'soil', ts: 1_763_798_400_000 + i, seq: i, metrics: { ph: 7 }, ...(pad > 0 ? { flags: {} } : {}) }
  const text = JSON.stringify(r) + ' '.repeat(pad)
  return { meta: `d-1 ${i}`, payload: Buffer.from(text) }
}

async function setup (t: { teardown: (fn: () => Promise<void>) => void }, batch: UplinkConfig['batch']) {
  const fixture = await startBrokerFixture(topicFilter({ site: 's-1', id: 'gw-1', channel: 'telemetry' }))
  const spool = createSqliteQueue({ path: join(mkdtempSync(join(tmpdir(), 'shennong-uplink-')), 'spool.db'), consumers: [UPLINK_CONSUMER], sync: 'normal' })
  const uplink = createUplink({
    url: fixture.url, clientId: 'gw-1', site: 's-1', id: 'gw-1', batch, inflight: 4, keepaliveS: 30, connectTimeoutMs: 2000,
    reconnect: { minMs: 100, maxMs: 500, jitter: 0.3 }, statusIntervalMs: 60_000
  }, { spool, logger: createLogger('uplink', 'silent'), status: async () => ({}), onCommand: () => {} })
  t.teardown(async () => { await uplink.stop(); await spool.close(); await fixture.stop() })
  const batches = (): unknown[][] => fixture.received.map(m => JSON.parse(m.payload.toString()) as unknown[])
  return { fixture, spool, uplink, batches }
}

t.test('closes a batch at max readings', async t => {
  const { spool, uplink, batches } = await setup(t, { maxReadings: 10, maxBytes: 1_000_000, maxDelayMs: 60_000 })
  await spool.append(Array.from({ length: 35 }, (_, i) => reading(i + 1)))
  uplink.start()
  await sleep(800)
  t.same(batches().map(b => b.length), [10, 10, 10], 'full batches go at once; the rest waits for max delay')
  t.equal((await spool.stats()).depth, 5, 'released only what was acknowledged')
})

t.test('closes a batch at max bytes; a payload never exceeds it', async t => {
  const { spool, uplink, fixture } = await setup(t, { maxReadings: 1000, maxBytes: 1000, maxDelayMs: 50 })
  await spool.append(Array.from({ length: 40 }, (_, i) => reading(i + 1, 100)))
  uplink.start()
  await sleep(800)
  const sizes = fixture.received.map(m => m.payload.length)
  t.ok(sizes.length >= 5, `${sizes.length} messages`)
  t.ok(sizes.every(s => s <= 1000), `every payload ≤ 1000 bytes (${Math.max(...sizes)})`)
  t.equal(fixture.received.reduce((n, m) => n + (JSON.parse(m.payload.toString()) as unknown[]).length, 0), 40)
})

t.test('sends a partial batch after max delay', async t => {
  const { spool, uplink, batches } = await setup(t, { maxReadings: 100, maxBytes: 1_000_000, maxDelayMs: 300 })
  uplink.start()
  await sleep(300)
  const appended = Date.now()
  await spool.append([reading(1), reading(2), reading(3)])
  while (batches().length === 0 && Date.now() - appended < 3000) await sleep(10)
  const waited = Date.now() - appended
  t.same(batches(), [[{ device: 'd-1', kind: 'soil', ts: 1_763_798_400_001, seq: 1, metrics: { ph: 7 } }, { device: 'd-1', kind: 'soil', ts: 1_763_798_400_002, seq: 2, metrics: { ph: 7 } }, { device: 'd-1', kind: 'soil', ts: 1_763_798_400_003, seq: 3, metrics: { ph: 7 } }]])
  t.ok(waited >= 250 && waited < 1000, `sent after ${waited} ms (max delay 300 ms)`)
  while ((await spool.stats()).depth > 0 && Date.now() - appended < 3000) await sleep(10)
  t.equal((await spool.stats()).depth, 0, 'released after the PUBACK')
})

t.test('keeps readings spooled while the broker is down and reconnects with backoff', async t => {
  const { spool, uplink, fixture, batches } = await setup(t, { maxReadings: 50, maxBytes: 1_000_000, maxDelayMs: 20 })
  await fixture.stop()
  uplink.start()
  await spool.append(Array.from({ length: 120 }, (_, i) => reading(i + 1)))
  await sleep(1200)
  t.equal(uplink.stats().connected, false)
  t.equal((await spool.stats()).depth, 120, 'nothing leaves the spool without a PUBACK')
  await fixture.start()
  while ((await spool.stats()).depth > 0) await sleep(20)
  const seqs = batches().flat().map(r => (r as { seq: number }).seq)
  t.same([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => i + 1))
  t.equal(uplink.stats().readings, 120)
})
