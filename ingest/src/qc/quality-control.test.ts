import t from 'tap'
import Value from 'typebox/value'
import type { Reading } from '@shennong/core/reading.ts'
import { QcConfigSchema, type QcConfig } from '../config.ts'
import { createQualityControl } from './quality-control.ts'

const config = (over: Record<string, unknown> = {}): QcConfig => Value.Default(QcConfigSchema, structuredClone(over)) as QcConfig
const MIN = 60_000
const r = (ts: number, metrics: Record<string, number>, extra: Partial<Reading> = {}): Reading => ({ device: 'd-1', kind: 'water', ts, seq: ts, metrics, ...extra })

t.test('a value outside the catalog\'s physical range is bad; the reading is still checked, nothing dropped', async t => {
  const qc = createQualityControl(config())
  const out = qc.check(r(0, { ph: 14.5, do_mg_l: 8 }))
  t.same(out.flags, { ph: 'bad', do_mg_l: 'ok' })
  t.same(out.findings, { ph: ['range'] })
  t.same(qc.check(r(MIN, { ph: -0.1 })).flags, { ph: 'bad' })
})

t.test('a spike against the previous value is suspect: relative to the range by default, absolute per metric when configured', async t => {
  const qc = createQualityControl(config({ spike: { relative: 0.25 } }))
  qc.check(r(0, { ph: 7 }))
  t.same(qc.check(r(MIN, { ph: 10.6 })).flags, { ph: 'suspect' }, '3.6 > 0.25 × 14')
  t.same(qc.check(r(2 * MIN, { ph: 10 })).flags, { ph: 'ok' })
  const strict = createQualityControl(config({ spike: { limits: { 'water.ph': 0.5, temperature_c: 2 } } }))
  strict.check(r(0, { ph: 7, temperature_c: 10 }))
  const out = strict.check(r(MIN, { ph: 7.6, temperature_c: 12.5 }))
  t.same(out.flags, { ph: 'suspect', temperature_c: 'suspect' })
  t.same(out.findings, { ph: ['spike'], temperature_c: ['spike'] })
  const off = createQualityControl(config({ spike: { relative: 0, limits: { ph: 0 } } }))
  off.check(r(0, { ph: 1 }))
  t.same(off.check(r(MIN, { ph: 13 })).flags, { ph: 'ok' }, 'a limit of 0 turns it off')
})

t.test('the same value N times in a row is stuck (suspect), within a tolerance, except for exempt metrics', async t => {
  const qc = createQualityControl(config({ stuck: { count: 3, tolerance: 0.01, exempt: ['rainfall_mm'] } }))
  const flags = [7, 7.005, 7.0, 7.0, 7.3].map((v, i) => qc.check(r(i * MIN, { ph: v })).flags.ph)
  t.same(flags, ['ok', 'ok', 'suspect', 'suspect', 'ok'])
  const rain = [0, 0, 0, 0].map((v, i) => qc.check({ device: 'd-1', kind: 'weather', ts: i * MIN, seq: i, metrics: { rainfall_mm: v } }).flags.rainfall_mm)
  t.same(rain, ['ok', 'ok', 'ok', 'ok'])
  const off = createQualityControl(config({ stuck: { count: 0 } }))
  t.same([1, 1, 1, 1, 1].map((v, i) => off.check(r(i * MIN, { ph: v })).flags.ph), ['ok', 'ok', 'ok', 'ok', 'ok'])
})

t.test('the first reading after more than gap.after of silence is suspect', async t => {
  const qc = createQualityControl(config({ gap: { after: '15m' } }))
  qc.check(r(0, { ph: 7 }))
  t.same(qc.check(r(15 * MIN, { ph: 7.1 })).flags, { ph: 'ok' }, 'exactly gap.after is no gap')
  const out = qc.check(r(31 * MIN, { ph: 7.2 }))
  t.same(out.flags, { ph: 'suspect' })
  t.same(out.findings, { ph: ['gap'] })
  t.same(qc.check(r(32 * MIN, { ph: 7.2 })).flags, { ph: 'ok' })
})

t.test('a device\'s own flag is kept and never downgraded; a worse finding wins', async t => {
  const qc = createQualityControl(config())
  t.same(qc.check(r(0, { ph: 7, do_mg_l: 8 }, { flags: { ph: 'calibration', do_mg_l: 'estimated' } })).flags, { ph: 'calibration', do_mg_l: 'estimated' })
  t.same(qc.check(r(MIN, { ph: 20, do_mg_l: 8 }, { flags: { ph: 'maintenance', do_mg_l: 'suspect' } })).flags, { ph: 'bad', do_mg_l: 'suspect' })
  t.same(qc.check(r(2 * MIN, { ph: 7 }, { flags: { ph: 'bad' } })).flags, { ph: 'bad' })
})

t.test('state is per device, kind and metric; a redelivered reading gets the same verdict; a late one is range-checked only', async t => {
  const qc = createQualityControl(config({ spike: { limits: { ph: 1 } } }))
  qc.check(r(0, { ph: 7 }))
  qc.check(r(0, { ph: 12 }, { device: 'd-2' }))
  t.same(qc.check(r(MIN, { ph: 7.5 })).flags, { ph: 'ok' }, 'd-2 does not affect d-1')
  const spike = qc.check(r(2 * MIN, { ph: 9 }))
  t.same(spike.flags, { ph: 'suspect' })
  t.same(qc.check(r(2 * MIN, { ph: 9 })), spike, 'a redelivered copy: same flags')
  t.same(qc.check(r(30_000, { ph: 2 })).flags, { ph: 'ok' }, 'an older reading is not compared with newer ones')
  t.same(qc.check(r(3 * MIN, { ph: 9.2 })).flags, { ph: 'ok' }, 'the late reading left the state alone')
})

t.test('state is bounded by stateSize (least recently used go first)', async t => {
  const qc = createQualityControl(config({ stateSize: 10, gap: { after: '1m' } }))
  for (let d = 0; d < 50; d++) qc.check(r(0, { ph: 7 }, { device: `d-${d}` }))
  t.equal(qc.size(), 10)
  t.same(qc.check(r(10 * MIN, { ph: 7 }, { device: 'd-0' })).flags, { ph: 'ok' }, 'an evicted state starts afresh (no gap)')
  t.same(qc.check(r(10 * MIN, { ph: 7 }, { device: 'd-49' })).flags, { ph: 'suspect' }, 'a kept state still detects the gap')
})

t.test('the bound counts (device, kind, metric) states; a device with several metrics goes as a whole', async t => {
  const qc = createQualityControl(config({ stateSize: 10, gap: { after: '1m' } }))
  for (let d = 0; d < 20; d++) qc.check(r(0, { ph: 7, do_mg_l: 8, nh3n_mg_l: 0.2 }, { device: `d-${d}` }))
  t.equal(qc.size(), 9, 'three devices of three metrics fit in ten')
  t.same(qc.check(r(10 * MIN, { ph: 7, do_mg_l: 8, nh3n_mg_l: 0.2 }, { device: 'd-19' })).flags, { ph: 'suspect', do_mg_l: 'suspect', nh3n_mg_l: 'suspect' }, 'the most recent device kept every metric')
  t.same(qc.check(r(10 * MIN, { ph: 7, do_mg_l: 8, nh3n_mg_l: 0.2 }, { device: 'd-0' })).flags, { ph: 'ok', do_mg_l: 'ok', nh3n_mg_l: 'ok' }, 'the oldest device starts afresh')
  t.ok(qc.size() <= 10)
})
