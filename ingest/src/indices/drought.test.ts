import t from 'tap'
import { DROUGHT_SEVERITY, droughtGrade, droughtSeverity, relativeMoisture } from './drought.ts'
import type { DroughtGradeName } from './drought.ts'

// spec/air-soil-agri.md §2.2 worked examples (field capacity 32 % volumetric unless stated).
const vectors: Array<{ vwc: number, fc: number, r: number, zh: string, name: DroughtGradeName }> = [
  { vwc: 18.0, fc: 32, r: 56.25, zh: '轻旱', name: 'light' },
  { vwc: 30, fc: 30, r: 100, zh: '无旱', name: 'none' },
  { vwc: 19.2, fc: 32, r: 60, zh: '轻旱', name: 'light' },
  { vwc: 19.21, fc: 32, r: 60.03125, zh: '无旱', name: 'none' },
  { vwc: 14.4, fc: 32, r: 45, zh: '中旱', name: 'moderate' },
  { vwc: 12.8, fc: 32, r: 40, zh: '重旱', name: 'severe' },
  { vwc: 9.7, fc: 32, r: 30.3125, zh: '重旱', name: 'severe' },
  { vwc: 9.6, fc: 32, r: 30, zh: '特旱', name: 'extreme' }
]

t.test('every worked example of spec §2.2', async t => {
  for (const v of vectors) {
    const r = relativeMoisture(v.vwc, v.fc)
    t.equal(r, v.r, `θ ${v.vwc} / ${v.fc} → R ${v.r}`)
    t.match(droughtGrade(r), { name: v.name, zh: v.zh }, `θ ${v.vwc}: ${v.zh}`)
  }
})

t.test('each boundary belongs to the drier grade', async t => {
  const cases: Array<[number, number, DroughtGradeName]> = [
    [150, 0, 'none'], [60.000001, 0, 'none'], [60, 1, 'light'], [50.000001, 1, 'light'], [50, 2, 'moderate'],
    [40.000001, 2, 'moderate'], [40, 3, 'severe'], [30.000001, 3, 'severe'], [30, 4, 'extreme'], [0, 4, 'extreme']
  ]
  for (const [r, grade, name] of cases) t.match(droughtGrade(r), { grade, name }, `R ${r} → ${name}`)
  t.equal(droughtGrade(0.6 * 100).name, 'light', '60.00000000000001 from float arithmetic is still 60')
})

t.test('R is not clipped above field capacity', async t => {
  t.equal(relativeMoisture(40, 32), 125)
})

t.test('custom thresholds replace the [secondary] GB/T 32136 values', async t => {
  t.equal(droughtGrade(55, [55, 45, 35, 25]).name, 'light')
  t.equal(droughtGrade(56, [55, 45, 35, 25]).name, 'none')
  t.throws(() => droughtGrade(50, [60, 50, 50, 30]), RangeError)
  t.throws(() => droughtGrade(50, [60, 50]), RangeError)
})

t.test('bad input throws RangeError', async t => {
  for (const bad of [Number.NaN, -1, Infinity]) t.throws(() => droughtGrade(bad), RangeError, `droughtGrade(${bad})`)
  t.throws(() => relativeMoisture(20, 0), { name: 'RangeError', message: /Field capacity/ })
  t.throws(() => relativeMoisture(20, -5), RangeError)
  t.throws(() => relativeMoisture(Number.NaN, 30), RangeError)
  t.throws(() => relativeMoisture(-1, 30), RangeError)
})

t.test('severity mapping: severe → orange, extreme → red, lighter grades none; overridable', async t => {
  t.equal(droughtSeverity(droughtGrade(35)), 'orange')
  t.equal(droughtSeverity(droughtGrade(10)), 'red')
  for (const name of ['none', 'light', 'moderate'] as const) t.equal(droughtSeverity(name), null, name)
  t.equal(droughtSeverity('moderate', { ...DROUGHT_SEVERITY, light: 'blue', moderate: 'yellow' }), 'yellow')
  t.throws(() => droughtSeverity('dry' as DroughtGradeName), RangeError)
})
