import t from 'tap'
import { startVictoria } from '../../../test/harness/victoria.ts'
import { freePort } from '../../../test/harness/ports.ts'
import { buildInfluxConfig } from './config.ts'
import { createInfluxWriter } from './create-writer.ts'
import type { Point } from './writer.ts'

const vm = await startVictoria({ t })
const T0 = Date.now() - 60_000

t.test('v2 writer: points arrive through /api/v2/write, split into batches, floats and integers intact', async t => {
  const writer = createInfluxWriter(buildInfluxConfig({ url: vm.url, api: 'v2', org: 'farm', bucket: 'shennong', token: 'unused', maxBatchPoints: 4 }))
  t.teardown(() => writer.close())
  const points: Point[] = Array.from({ length: 10 }, (_, i) => ({
    measurement: 'water',
    tags: { site: 'pond-3', device: 'probe-1' },
    fields: { do_mg_l: 6 + i / 4, seq: { int: 100 + i } },
    ts: T0 + i * 1000
  }))
  t.same(await writer.write(points), { written: 10, rejected: [] })
  t.same(await writer.write(points.slice(0, 2)), { written: 2, rejected: [] }, 'redelivery accepted')
  const series = await vm.waitForSeries('{__name__=~"water_.*", site="pond-3"}', s => s.length === 2 && s.every(x => x.values.length === 10))
  const byName = Object.fromEntries(series.map(s => [s.metric.__name__, s]))
  t.same(byName.water_do_mg_l.metric, { __name__: 'water_do_mg_l', site: 'pond-3', device: 'probe-1' })
  t.same(byName.water_do_mg_l.values, points.map(p => p.fields.do_mg_l))
  t.same(byName.water_do_mg_l.timestamps, points.map(p => p.ts), 'timestamps in ms; redelivered points did not duplicate')
  t.same(byName.water_seq.values, points.map((_, i) => 100 + i))
})

t.test('v2 writer: an unreachable server is retried, and the abort signal ends the write', async t => {
  const writer = createInfluxWriter(buildInfluxConfig({ url: `http://127.0.0.1:${await freePort()}`, api: 'v2', retry: { initialDelay: '10ms', maxDelay: '50ms' } }))
  const codes: string[] = []
  writer.onRetry(info => codes.push((info.error as { code?: string }).code ?? ''))
  const controller = new AbortController()
  const pending = writer.write([{ measurement: 'air', tags: {}, fields: { co2_ppm: 400 }, ts: T0 }], controller.signal)
  while (codes.length < 3) await new Promise(resolve => setTimeout(resolve, 10))
  controller.abort()
  await t.rejects(pending, { code: 'ERR_INFLUX_ABORTED' })
  t.same([...new Set(codes)], ['ERR_INFLUX_UNAVAILABLE'])
  await writer.close()
})
