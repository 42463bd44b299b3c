import t from 'tap'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { buildInfluxConfig } from './config.ts'
import { createInfluxWriter } from './create-writer.ts'
import { createInfluxQuery } from './query.ts'
import { createPointBuffer, type PointDropReason } from './point-buffer.ts'
import type { Point } from './writer.ts'

const T0 = Date.UTC(2025, 10, 22, 8, 0, 0)
const point = (i: number, value: number | string = i): Point => ({ measurement: 'm', tags: { device: 'd' }, fields: { v: value }, ts: T0 + i * 1000 })

const influxd = await startInfluxd({ t })
let dbCount = 0

async function setup (options: { maxPending: number, batchPoints: number }) {
  const config = buildInfluxConfig({ url: influxd.url, database: `b${++dbCount}`, timeout: '1s', retry: { initialDelay: '20ms', maxDelay: '100ms' } })
  const query = createInfluxQuery(config)
  await query.ensureDatabase()
  const writer = createInfluxWriter(config)
  t.teardown(() => writer.close())
  const written: number[] = []
  const dropped: Array<{ why: PointDropReason, count: number, reason?: string }> = []
  const buffer = createPointBuffer(options, {
    writer,
    onWritten: count => { written.push(count) },
    onDropped: (why, count, detail) => { dropped.push({ why, count, reason: detail.reason }) }
  })
  const stored = async (): Promise<number[]> => ((await query.query('SELECT v FROM m'))[0].series?.[0]?.values ?? []).map(r => r[1] as number)
  return { buffer, written, dropped, stored }
}

t.test('points are written in batches; idle resolves once they are all stored', async t => {
  const { buffer, written, dropped, stored } = await setup({ maxPending: 100, batchPoints: 4 })
  for (let i = 0; i < 10; i++) buffer.push(point(i))
  await buffer.idle(10_000)
  t.equal(buffer.pending(), 0)
  t.same(await stored(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  t.equal(written.reduce((a, b) => a + b, 0), 10)
  t.ok(written.every(n => n <= 4), 'no write larger than batchPoints')
  t.same(dropped, [])
  await buffer.close()
})

t.test('while InfluxDB does not answer, the oldest points past maxPending are dropped and counted', async t => {
  const { buffer, dropped, stored } = await setup({ maxPending: 5, batchPoints: 2 })
  await influxd.pause()
  for (let i = 0; i < 12; i++) buffer.push(point(i))
  t.ok(buffer.pending() <= 5 + 2, 'bounded: the queue plus the batch being written')
  await influxd.resume()
  await buffer.idle(15_000)
  const kept = await stored()
  t.equal(kept.length + dropped.filter(d => d.why === 'overflow').reduce((a, d) => a + d.count, 0), 12, 'every point stored or counted as dropped')
  t.same(kept.slice(-5), [7, 8, 9, 10, 11], 'the newest are kept')
  await buffer.close()
})

t.test('points InfluxDB rejects are reported with its reason; the others are stored', async t => {
  const { buffer, dropped, stored } = await setup({ maxPending: 100, batchPoints: 10 })
  buffer.push(point(0))
  await buffer.idle(10_000)
  buffer.push(point(1))
  buffer.push(point(2, 'text'))
  await buffer.idle(10_000)
  t.same(await stored(), [0, 1])
  t.equal(dropped.length, 1)
  t.equal(dropped[0].why, 'rejected')
  t.match(dropped[0].reason, /field type conflict/)
  await buffer.close()
})

t.test('close gives queued points drainMs, then stops; a push after close is not written', async t => {
  const { buffer, stored } = await setup({ maxPending: 100, batchPoints: 2 })
  for (let i = 0; i < 6; i++) buffer.push(point(i))
  await buffer.close(10_000)
  t.equal(buffer.pending(), 0)
  t.equal((await stored()).length, 6)
  buffer.push(point(99))
  await new Promise(resolve => setTimeout(resolve, 100))
  t.equal((await stored()).length, 6)
})
