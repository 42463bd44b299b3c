// Index observations end to end against a real influxd: the aqi and water-class kinds, run by the
// engine over a real ingest log, write measurements `aqi` (one point per station and closed hour,
// at the hour's start, quiet hours too) and `water_class` (one point per classed reading) through
// the InfluxDB sink; evaluating the same readings again (rules.db lost) overwrites the points.
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { createInfluxWriter } from '../influx/create-writer.ts'
import { buildInfluxConfig } from '../influx/config.ts'
import { createInfluxQuery } from '../influx/query.ts'
import { createInfluxSink } from '../alerts/sinks/influx-sink.ts'
import { createAlertMetrics } from '../alerts/alert-metrics.ts'
import { createMetricsRegistry } from '@shennong/core/metrics.ts'
import { startAedes, startEngineRig, telemetry, until, writeRules } from './engine-fixture.ts'

const HOUR = 3_600_000
const RULES = `
rules:
  - id: city-aqi
    kind: aqi
    aqi: { edition: '2012' }
  - id: river-target
    kind: water-class
    water-class: { targets: { river-a: III } }
`

t.test('aqi and water_class points from the rule engine, idempotent on re-evaluation', async t => {
  const influxd = await startInfluxd({ t })
  const config = buildInfluxConfig({ url: influxd.url })
  const query = createInfluxQuery(config)
  await query.ensureDatabase()
  const broker = await startAedes()
  t.teardown(() => broker.close())

  const h0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR
  const air = (ts: number, seq: number, pm25: number): Record<string, unknown> =>
    ({ device: 'aq-1', kind: 'air', ts, seq, metrics: { pm25_ug_m3: pm25, pm10_ug_m3: 40, so2_ug_m3: 5, no2_ug_m3: 20, co_mg_m3: 0.4, o3_ug_m3: 60 } })
  const water = (ts: number, seq: number, nh3n: number): Record<string, unknown> =>
    ({ device: 'wq-1', kind: 'water', ts, seq, metrics: { ph: 7.4, do_mg_l: 7, nh3n_mg_l: nh3n, codmn_mg_l: 3 } })
  // Hour 0 quiet (AQI 40, no alert), hour 1 lightly polluted (alert), hour 2 closed by the timer.
  const airReadings = [air(h0 + 600_000, 1, 25), air(h0 + HOUR + 600_000, 2, 100), air(h0 + 2 * HOUR + 600_000, 3, 30)]
  // Class II, then IV (NH3-N 1.2, worse than target III: alert), then III.
  const waterReadings = [water(h0 + 300_000, 1, 0.3), water(h0 + HOUR + 300_000, 2, 1.2), water(h0 + 2 * HOUR + 300_000, 3, 0.8)]

  async function count (measurement: 'aqi' | 'water_class'): Promise<number> {
    const [r] = await query.query(`SELECT count("${measurement === 'aqi' ? 'aqi' : 'class_number'}") FROM "${measurement}"`)
    return (r.series?.[0]?.values[0]?.[1] as number | undefined) ?? 0
  }

  async function evaluateOnce (dataDir: string): Promise<ReturnType<typeof createAlertMetrics>> {
    writeRules(join(dataDir, 'rules'), 'indices.yaml', RULES)
    const writer = createInfluxWriter(config)
    const metrics = createAlertMetrics(createMetricsRegistry())
    const sink = createInfluxSink({}, { writer, metrics })
    const rig = await startEngineRig({ dataDir, brokerUrl: broker.url, extraSinks: [sink], config: { tick: '100ms' } })
    try {
      await rig.log.append([telemetry('city-a', 'gw-city', airReadings), telemetry('river-a', 'gw-river', waterReadings)])
      await until('three aqi and three water_class points', async () => sink.pending() === 0 && await count('aqi') === 3 && await count('water_class') === 3, 20_000)
      await until('the alert points too', () => sink.pending() === 0 && metrics.delivered.get({ sink: 'influx' }) >= 8, 10_000)
    } finally {
      await rig.close()
      await writer.close()
    }
    return metrics
  }

  const first = await evaluateOnce(mkdtempSync(join(tmpdir(), 'shennong-indices-')))
  t.equal(first.dropped.get({ sink: 'influx' }), 0, 'nothing dropped')

  const [aqi] = await query.query('SELECT "aqi", "level", "primary", "edition", "complete", "iaqi_pm25", "iaqi_pm10", "iaqi_o3" FROM "aqi" GROUP BY "site", "device"')
  const series = aqi.series?.[0]
  t.same(series?.tags, { site: 'city-a', device: 'aq-1' }, 'tags site and device')
  t.same(series?.values, [
    [h0, 40, 1, '', '2012', 1, 36, 40, 19],
    [h0 + HOUR, 132, 3, 'PM25_1h', '2012', 1, 132, 40, 19],
    [h0 + 2 * HOUR, 43, 1, '', '2012', 1, 43, 40, 19]
  ], 'one point per closed hour at its start, quiet hours included')
  const [types] = await query.query('SHOW FIELD KEYS FROM "aqi"')
  const fieldTypes = Object.fromEntries((types.series?.[0]?.values ?? []).map(r => [r[0], r[1]]))
  t.match(fieldTypes, { aqi: 'integer', level: 'integer', primary: 'string', edition: 'string', complete: 'integer', iaqi_pm25: 'integer', iaqi_so2: 'integer' }, 'field types')

  const [wc] = await query.query('SELECT "class_number", "class", "limiting", "target_number" FROM "water_class" GROUP BY "site", "device"')
  t.same(wc.series?.[0]?.tags, { site: 'river-a', device: 'wq-1' })
  t.same(wc.series?.[0]?.values, [
    [h0 + 300_000, 2, 'II', 'do_mg_l,codmn_mg_l,nh3n_mg_l', 3],
    [h0 + HOUR + 300_000, 4, 'IV', 'nh3n_mg_l', 3],
    [h0 + 2 * HOUR + 300_000, 3, 'III', 'nh3n_mg_l', 3]
  ], 'one point per classed reading at its time')

  // rules.db lost (a fresh data directory): the same readings evaluated again overwrite the points.
  await evaluateOnce(mkdtempSync(join(tmpdir(), 'shennong-indices-')))
  t.equal(await count('aqi'), 3, 'aqi: still one point per hour')
  t.equal(await count('water_class'), 3, 'water_class: still one point per reading')
})
