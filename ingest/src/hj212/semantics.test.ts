import t from 'tap'
import { readFileSync } from 'node:fs'
import { parseHj212 } from '@shennong/core/codecs/hj212.ts'
import { validateReading } from '@shennong/core/reading.ts'
import { loadHj212Config } from './config.ts'
import { packetToRecord, mergeReadings } from './semantics.ts'
import { buildStationRegistry } from './station-registry.ts'

const valid = JSON.parse(readFileSync(new URL('../../../core/src/codecs/testcases/hj212/valid.json', import.meta.url), 'utf8')) as Array<{ id: string, frame: string }>
const frame = (id: string): string => valid.find(v => v.id === id)!.frame
const MN = '010000A8900016F000169DC0'
const registry = (kind: 'air' | 'water', extra: Record<string, unknown> = {}) => buildStationRegistry(loadHj212Config({
  stations: [{ mn: MN, password: '123456', site: 'city', device: 'st-1', kind, ...extra }]
}).stations)
const now = Date.parse('2024-06-02T00:00:00Z')

function record (id: string, kind: 'air' | 'water', extra?: Record<string, unknown>) {
  const r = packetToRecord(parseHj212(frame(id)), registry(kind, extra).get(MN)!)
  if (!r.ok) throw new Error(r.message)
  for (const reading of r.record.readings) {
    const v = validateReading(reading, { now })
    if (!v.ok) throw new Error(JSON.stringify(v.errors))
  }
  return r.record
}

t.test('2011 air real-time data becomes one catalog-valid reading at DataTime (Beijing time)', async t => {
  const r = record('G1', 'air')
  t.equal(r.readings.length, 1)
  const [reading] = r.readings
  t.equal(reading.device, 'st-1')
  t.equal(reading.kind, 'air')
  t.equal(reading.ts, Date.parse('2024-06-01T12:00:00+08:00'))
  t.equal(reading.seq, reading.ts / 1000, 'seq is derived from DataTime')
  t.same(reading.metrics, {
    pm25_ug_m3: 35, pm10_ug_m3: 60, so2_ug_m3: 8, no2_ug_m3: 25, o3_ug_m3: 120, co_mg_m3: 0.6,
    temperature_c: 26.5, humidity_pct: 65.2, pressure_hpa: 1012.5
  }, 'kPa → hPa; wind codes a01007/a01008 have no air metric')
  t.same(r.unmapped, ['a01007', 'a01008'])
  t.equal(reading.flags, undefined, 'all N: no flags written')
})

t.test('2011 water data: flag M becomes maintenance on the mapped metric', async t => {
  const r = record('G2', 'water')
  const [reading] = r.readings
  t.equal(reading.metrics.tn_mg_l, 1.25)
  t.equal(reading.metrics.do_mg_l, 6.85)
  t.equal(reading.metrics.turbidity_ntu, 8.6)
  t.same(reading.flags, { tn_mg_l: 'maintenance' })
})

t.test('2051 minute data: Avg, Min and Max go to three series of the same metrics', async t => {
  const r = record('G3', 'air')
  t.same(r.readings.map(x => x.device).sort(), ['st-1-minute', 'st-1-minute-max', 'st-1-minute-min'])
  const by = Object.fromEntries(r.readings.map(x => [x.device, x.metrics]))
  t.same(by['st-1-minute'], { pm25_ug_m3: 36, pm10_ug_m3: 61, co_mg_m3: 0.62 })
  t.same(by['st-1-minute-min'], { pm25_ug_m3: 33, pm10_ug_m3: 55, co_mg_m3: 0.58 })
  t.same(by['st-1-minute-max'], { pm25_ug_m3: 40, pm10_ug_m3: 70, co_mg_m3: 0.7 })
  t.equal(r.readings[0].ts, Date.parse('2024-06-01T12:00:00+08:00'), 'ts is the interval start')
})

t.test('2061 split parts merge into the hour series', async t => {
  const a = record('G4a', 'water')
  const b = record('G4b', 'water')
  const merged = mergeReadings([a.readings, b.readings])
  const avg = merged.find(x => x.device === 'st-1-hour')!
  t.same(avg.metrics, { ph: 7.6, do_mg_l: 6.8, nh3n_mg_l: 0.344, tp_mg_l: 0.08 })
  t.equal(merged.length, 3)
})

t.test('2031 day data, per-station unit conversion, 2005 flags and unknown flags', async t => {
  const packet = {
    st: '22', cn: '2031', pw: '123456', mn: MN, flag: 0,
    cp: [[{ key: 'DataTime', value: '20240531000000' }], [{ key: 'a34004-Avg', value: '40000' }, { key: 'a34004-Flag', value: 'P' }], [{ key: 'a21026-Avg', value: '0.012' }, { key: 'a21026-Flag', value: 'Z' }], [{ key: 'a21005-Avg', value: 'n/a' }]]
  }
  const station = registry('air', { timezone: '+00:00', factors: { a34004: { metric: 'pm25_ug_m3', scale: 0.001 }, a21026: { metric: 'so2_ug_m3', scale: 1000 } } }).get(MN)!
  const r = packetToRecord(packet, station)
  if (!r.ok) throw new Error('not ok')
  t.equal(r.record.readings[0].device, 'st-1-day')
  t.equal(r.record.readings[0].ts, Date.parse('2024-05-31T00:00:00Z'))
  t.same(r.record.readings[0].metrics, { pm25_ug_m3: 40, so2_ug_m3: 12 }, 'ng/m³ and mg/m³ stations converted to µg/m³')
  t.same(r.record.readings[0].flags, { pm25_ug_m3: 'bad', so2_ug_m3: 'suspect' }, '2005 P = power failure → bad; unknown Z → suspect')
  t.same(r.record.unknownFlags, ['a21026-Flag=Z'])
  t.same(r.record.notNumbers, ['a21005-Avg'])
})

t.test('2017 flags map per Table 8', async t => {
  const flags: Record<string, string> = {}
  for (const letter of ['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B']) {
    const r = packetToRecord({ st: '22', cn: '2011', pw: '123456', mn: MN, flag: 4, cp: [[{ key: 'DataTime', value: '20240601120000' }], [{ key: 'a34004-Rtd', value: '1' }, { key: 'a34004-Flag', value: letter }]] }, registry('air').get(MN)!)
    if (r.ok) flags[letter] = r.record.readings[0].flags?.pm25_ug_m3 ?? 'ok'
  }
  t.same(flags, { N: 'ok', F: 'maintenance', M: 'maintenance', S: 'estimated', D: 'bad', C: 'calibration', T: 'suspect', B: 'bad' })
})

t.test('a data packet without DataTime is reported, not turned into readings', async t => {
  const r = packetToRecord({ st: '22', cn: '2011', pw: '123456', mn: MN, cp: [[{ key: 'a34004-Rtd', value: '1' }]] }, registry('air').get(MN)!)
  t.same(r.ok ? 'ok' : r.reason, 'NO_DATATIME')
})

t.test('the registry refuses catalog names that do not exist and duplicate MNs, all at once', async t => {
  t.throws(() => buildStationRegistry(loadHj212Config({
    stations: [
      { mn: 'A', password: 'x', site: 's', device: 'd', kind: 'air', factors: { a99999: { metric: 'ozone' } } },
      { mn: 'A', password: 'x', site: 's', device: 'e', kind: 'water' }
    ]
  }).stations), { code: 'ERR_CONFIG_INVALID', message: /2 problems[\s\S]*ozone[\s\S]*twice/ })
})
