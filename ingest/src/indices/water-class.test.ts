import t from 'tap'
import { classifySurfaceWater } from './water-class.ts'
import type { SurfaceWaterMetric, SurfaceWaterOptions, SurfaceWaterValues, WaterClass } from './water-class.ts'
import { TP_LIMITS, UPPER_LIMITS, WATER_CLASSES } from './water-class-tables.ts'

interface Vector {
  id: string
  values: SurfaceWaterValues
  opts: SurfaceWaterOptions
  perMetric: Partial<Record<SurfaceWaterMetric, WaterClass | null>>
  overall: WaterClass
  limiting: SurfaceWaterMetric[]
}

const W1 = { ph: 7.6, do_mg_l: 6.8, codmn_mg_l: 3.2, nh3n_mg_l: 0.35, tp_mg_l: 0.08 }
const W6 = { ph: 7.5, do_mg_l: 8.0, cod_mg_l: 15, nh3n_mg_l: 0.1, tp_mg_l: 0.01 }

// spec/water-quality.md §3, every worked example.
const vectors: Vector[] = [
  { id: 'W1', values: W1, opts: {}, perMetric: { ph: null, do_mg_l: 'II', codmn_mg_l: 'II', nh3n_mg_l: 'II', tp_mg_l: 'II' }, overall: 'II', limiting: ['codmn_mg_l', 'do_mg_l', 'nh3n_mg_l', 'tp_mg_l'] },
  {
    id: 'W2', values: { ph: 7.2, do_mg_l: 4.2, codmn_mg_l: 5.1, nh3n_mg_l: 1.2, tp_mg_l: 0.15 }, opts: {},
    perMetric: { do_mg_l: 'IV', codmn_mg_l: 'III', nh3n_mg_l: 'IV', tp_mg_l: 'III' }, overall: 'IV', limiting: ['do_mg_l', 'nh3n_mg_l']
  },
  { id: 'W3', values: W1, opts: { waterBody: 'lake' }, perMetric: { tp_mg_l: 'IV' }, overall: 'IV', limiting: ['tp_mg_l'] },
  {
    id: 'W4', values: { ph: 7.0, do_mg_l: 5.5, codmn_mg_l: 4.5, nh3n_mg_l: 2.5, tp_mg_l: 0.12 }, opts: {},
    perMetric: { nh3n_mg_l: 'worse-than-V' }, overall: 'worse-than-V', limiting: ['nh3n_mg_l']
  },
  {
    id: 'W5', values: { ph: 9.4, do_mg_l: 8.0, codmn_mg_l: 1.8, nh3n_mg_l: 0.1, tp_mg_l: 0.01 }, opts: {},
    perMetric: { ph: 'worse-than-V' }, overall: 'worse-than-V', limiting: ['ph']
  },
  { id: 'W6', values: W6, opts: {}, perMetric: { do_mg_l: 'I', cod_mg_l: 'I', nh3n_mg_l: 'I', tp_mg_l: 'I' }, overall: 'I', limiting: [] },
  { id: 'W7', values: { ...W6, cod_mg_l: 15.1 }, opts: {}, perMetric: { cod_mg_l: 'III' }, overall: 'III', limiting: ['cod_mg_l'] },
  {
    id: 'W8', values: { ph: 7.5, do_mg_l: 7.5, hg_mg_l: 0.00008, nh3n_mg_l: 0.1, tp_mg_l: 0.02 }, opts: {},
    perMetric: { do_mg_l: 'I', hg_mg_l: 'III', tp_mg_l: 'I' }, overall: 'III', limiting: ['hg_mg_l']
  },
  { id: 'W9', values: { ph: 7.5, do_mg_l: 1.9, nh3n_mg_l: 0.5, tp_mg_l: 0.1 }, opts: {}, perMetric: { do_mg_l: 'worse-than-V' }, overall: 'worse-than-V', limiting: ['do_mg_l'] },
  {
    id: 'W10', values: { ph: 7.5, do_mg_l: 6.5, nh3n_mg_l: 0.4, tp_mg_l: 0.09, fecal_coliform_per_l: 25000 }, opts: {},
    perMetric: { fecal_coliform_per_l: 'V' }, overall: 'II', limiting: ['do_mg_l', 'nh3n_mg_l', 'tp_mg_l']
  }
]

t.test('every worked example of spec §3', async t => {
  for (const v of vectors) {
    const r = classifySurfaceWater(v.values, v.opts)
    t.equal(r.class, v.overall, `${v.id}: overall ${v.overall}`)
    t.same(r.limiting.map(l => l.metric).sort(), [...v.limiting].sort(), `${v.id}: limiting ${v.limiting.join(', ') || '—'}`)
    for (const [metric, cls] of Object.entries(v.perMetric)) {
      t.equal(r.perMetric[metric as SurfaceWaterMetric]?.class, cls, `${v.id}: ${metric} ${cls ?? '–'}`)
    }
  }
})

t.test('W10: fecal coliform is reported with its class but does not count', async t => {
  const r = classifySurfaceWater(vectors[9].values)
  t.match(r.perMetric.fecal_coliform_per_l, { value: 25000, class: 'V', counts: false })
  t.notOk(r.evaluated.includes('fecal_coliform_per_l'))
})

t.test('exceedance multiples against class III: W4 NH3-N 1.5, W3 TP (lake) 0.6', async t => {
  t.equal(classifySurfaceWater(vectors[3].values).perMetric.nh3n_mg_l?.exceedance, 1.5)
  t.equal(classifySurfaceWater(W1, { waterBody: 'lake' }).perMetric.tp_mg_l?.exceedance, 0.6)
  t.equal(classifySurfaceWater(W1).perMetric.tp_mg_l?.exceedance, null, 'not above the limit')
  t.equal(classifySurfaceWater(vectors[3].values, { targetClass: 'II' }).perMetric.nh3n_mg_l?.exceedance, 4, 'against II: (2.5 − 0.5)/0.5')
  t.equal(classifySurfaceWater({ do_mg_l: 1 }).perMetric.do_mg_l?.exceedance, null, 'never for DO')
})

t.test('limits are inclusive at every class boundary of every "≤" item, rivers and lakes', async t => {
  for (const [metric, limits] of Object.entries(UPPER_LIMITS)) {
    limits.forEach((limit, i) => {
      const expected = WATER_CLASSES[limits.indexOf(limit)]
      t.equal(classifySurfaceWater({ [metric]: limit }).perMetric[metric as SurfaceWaterMetric]?.class, expected, `${metric} ${limit} → ${expected}`)
      if (i === 4) t.equal(classifySurfaceWater({ [metric]: limit * 1.001 }).perMetric[metric as SurfaceWaterMetric]?.class, 'worse-than-V', `${metric} above V`)
    })
  }
  for (const body of ['river', 'lake'] as const) {
    TP_LIMITS[body].forEach((limit, i) => {
      const opts: SurfaceWaterOptions = { waterBody: body }
      t.equal(classifySurfaceWater({ tp_mg_l: limit }, opts).class, WATER_CLASSES[i], `TP ${body} ${limit}`)
    })
  }
  t.equal(classifySurfaceWater({ tp_mg_l: 0.05 }, { waterBody: 'reservoir' }).class, 'III', 'reservoir uses the lake column')
})

t.test('floating-point sums that land on a limit stay on it', async t => {
  t.equal(classifySurfaceWater({ nh3n_mg_l: 0.1 + 0.4 }).class, 'II')
  t.equal(classifySurfaceWater({ tp_mg_l: 0.1 + 0.2 }).class, 'IV')
})

t.test('DO: lower limits are inclusive and reversed; 7.5 → I, 7.49 → II, 2 → V, 1.99 → worse than V', async t => {
  const cases: Array<[number, WaterClass]> = [[9, 'I'], [7.5, 'I'], [7.49, 'II'], [6, 'II'], [5.99, 'III'], [5, 'III'], [3, 'IV'], [2, 'V'], [1.99, 'worse-than-V'], [0, 'worse-than-V']]
  for (const [v, cls] of cases) t.equal(classifySurfaceWater({ do_mg_l: v }).class, cls, `DO ${v} → ${cls}`)
})

t.test('DO with a saturation value: class I by ≥ 90 % saturation, lower classes by mg/L', async t => {
  t.equal(classifySurfaceWater({ do_mg_l: 7.0, do_saturation_pct: 92 }).class, 'I', 'warm water: 7.0 mg/L is 92 %')
  t.equal(classifySurfaceWater({ do_mg_l: 7.0, do_saturation_pct: 90 }).class, 'I', '90 % inclusive')
  t.equal(classifySurfaceWater({ do_mg_l: 7.6, do_saturation_pct: 85 }).class, 'II', 'cold water: 7.6 mg/L is only 85 %')
  t.equal(classifySurfaceWater({ do_mg_l: 7.6, do_saturation_pct: null }).class, 'I', 'null saturation: 7.5 mg/L rule')
})

t.test('pH: 6 and 9 are inside and do not restrict; 5.99 and 9.01 are worse than V', async t => {
  for (const ph of [6, 7, 9]) {
    const r = classifySurfaceWater({ ph, nh3n_mg_l: 0.1 })
    t.equal(r.perMetric.ph?.class, null, `pH ${ph} no class`)
    t.equal(r.class, 'I', `pH ${ph} overall from NH3-N`)
  }
  for (const ph of [5.99, 9.01]) t.equal(classifySurfaceWater({ ph, nh3n_mg_l: 0.1 }).class, 'worse-than-V', `pH ${ph}`)
})

t.test('pH out of range as a reference item (phOutOfRange: reference)', async t => {
  const r = classifySurfaceWater({ ph: 9.4, nh3n_mg_l: 0.1 }, { phOutOfRange: 'reference' })
  t.equal(r.class, 'I')
  t.match(r.perMetric.ph, { class: 'worse-than-V', counts: false })
})

t.test('TN is a reference item by default and counts with tn: evaluate', async t => {
  const values = { nh3n_mg_l: 0.1, tn_mg_l: 1.2 }
  const ref = classifySurfaceWater(values, { waterBody: 'lake' })
  t.equal(ref.class, 'I')
  t.match(ref.perMetric.tn_mg_l, { class: 'IV', counts: false })
  const evaluated = classifySurfaceWater(values, { waterBody: 'lake', tn: 'evaluate' })
  t.equal(evaluated.class, 'IV')
  t.same(evaluated.limiting, [{ metric: 'tn_mg_l', value: 1.2, class: 'IV' }])
})

t.test('result carries class number, wording, evaluated items and the water body', async t => {
  const r = classifySurfaceWater({ ...W1, temperature_c: 18, turbidity_ntu: 4 } as SurfaceWaterValues)
  t.equal(r.classNumber, 2)
  t.same(r.quality, { zh: '优', en: 'excellent' })
  t.same(r.evaluated, ['ph', 'do_mg_l', 'codmn_mg_l', 'nh3n_mg_l', 'tp_mg_l'])
  t.equal(r.waterBody, 'river')
  t.equal(classifySurfaceWater({ nh3n_mg_l: 2.5 }).classNumber, 6)
  t.same(classifySurfaceWater({ nh3n_mg_l: 2.5 }).quality, { zh: '重度污染', en: 'heavily polluted' })
})

t.test('bad values are rejected with a reason and take no part; nothing measured gives class null', async t => {
  const r = classifySurfaceWater({ ph: 15, do_mg_l: Number.NaN, nh3n_mg_l: -0.1, tp_mg_l: 0.02, cod_mg_l: null })
  t.equal(r.class, 'I')
  t.same(r.rejected, [
    { metric: 'ph', value: 15, reason: 'out-of-range' },
    { metric: 'do_mg_l', value: Number.NaN, reason: 'not-finite' },
    { metric: 'nh3n_mg_l', value: -0.1, reason: 'negative' }
  ])
  const empty = classifySurfaceWater({})
  t.equal(empty.class, null)
  t.equal(empty.classNumber, null)
  t.equal(empty.quality, null)
  t.equal(classifySurfaceWater({ ph: 7 }).class, null, 'pH alone in range restricts nothing')
})

t.test('bad options throw TypeError', async t => {
  t.throws(() => classifySurfaceWater({}, { waterBody: 'sea' } as unknown as SurfaceWaterOptions), TypeError)
  t.throws(() => classifySurfaceWater({}, { tn: 'yes' } as unknown as SurfaceWaterOptions), TypeError)
  t.throws(() => classifySurfaceWater({}, { targetClass: 'worse-than-V' } as unknown as SurfaceWaterOptions), TypeError)
  t.throws(() => classifySurfaceWater(null as unknown as SurfaceWaterValues), TypeError)
})
