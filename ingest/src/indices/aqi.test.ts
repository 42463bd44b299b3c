import t from 'tap'
import { AQI_TABLES, IAQI_LEVELS, aqiCategory, aqiEditionAt, computeAqi, computeIaqi } from './aqi.ts'
import type { AqiColumn, AqiConcentrations, AqiItem, AqiOptions } from './aqi.ts'

interface Vector {
  id: string
  conc: AqiConcentrations
  opts: AqiOptions
  iaqi: Partial<Record<AqiItem, number>>
  aqi: number
  level: number
  zh: string
  primary: AqiItem[]
}

const daily: AqiOptions = { report: 'daily', edition: '2012' }
const hourly: AqiOptions = { report: 'hourly', edition: '2012' }
const E2 = { so2_ug_m3: 8, no2_ug_m3: 30, pm10_ug_m3: 90, pm25_ug_m3: 75, co_mg_m3: 0.9, o3_1h_ug_m3: 80, o3_8h_ug_m3: 70 }
const E5 = { so2_ug_m3: 8, no2_ug_m3: 30, pm10_ug_m3: 60, pm25_ug_m3: 30, co_mg_m3: 0.9, o3_1h_ug_m3: 1000, o3_8h_ug_m3: 900 }
const E7 = { so2_ug_m3: 20, no2_ug_m3: 70, pm10_ug_m3: 220, pm25_ug_m3: 180, co_mg_m3: 1.8, o3_1h_ug_m3: 40, o3_8h_ug_m3: 30 }
const H = { so2_ug_m3: 20, no2_ug_m3: 60, co_mg_m3: 1.0, o3_1h_ug_m3: 90, pm10_ug_m3: 80, pm25_ug_m3: 50 }

// spec/aqi.md §7, every worked example.
const vectors: Vector[] = [
  {
    id: 'E1', opts: daily,
    conc: { so2_ug_m3: 10, no2_ug_m3: 20, pm10_ug_m3: 30, pm25_ug_m3: 20, co_mg_m3: 0.5, o3_1h_ug_m3: 60, o3_8h_ug_m3: 50 },
    iaqi: { SO2_24h: 10, NO2_24h: 25, PM10_24h: 30, PM25_24h: 29, CO_24h: 13, O3_1h: 19, O3_8h: 25 },
    aqi: 30, level: 1, zh: '优', primary: []
  },
  {
    id: 'E2', opts: daily, conc: E2,
    iaqi: { SO2_24h: 8, NO2_24h: 38, PM10_24h: 70, PM25_24h: 100, CO_24h: 23, O3_1h: 25, O3_8h: 35 },
    aqi: 100, level: 2, zh: '良', primary: ['PM25_24h']
  },
  { id: 'E3', opts: daily, conc: { ...E2, pm25_ug_m3: 80 }, iaqi: { PM25_24h: 107 }, aqi: 107, level: 3, zh: '轻度污染', primary: ['PM25_24h'] },
  { id: 'E4', opts: daily, conc: { ...E2, pm10_ug_m3: 150 }, iaqi: { PM10_24h: 100, PM25_24h: 100 }, aqi: 100, level: 2, zh: '良', primary: ['PM10_24h', 'PM25_24h'] },
  { id: 'E5', opts: daily, conc: E5, iaqi: { O3_1h: 400 }, aqi: 400, level: 6, zh: '严重污染', primary: ['O3_1h'] },
  { id: 'E6', opts: daily, conc: { ...E5, o3_1h_ug_m3: 700, o3_8h_ug_m3: 800 }, iaqi: { O3_1h: 275, O3_8h: 300 }, aqi: 300, level: 5, zh: '重度污染', primary: ['O3_8h'] },
  {
    id: 'E7', opts: daily, conc: E7,
    iaqi: { SO2_24h: 20, NO2_24h: 88, PM10_24h: 135, PM25_24h: 230, CO_24h: 45, O3_1h: 13, O3_8h: 15 },
    aqi: 230, level: 5, zh: '重度污染', primary: ['PM25_24h']
  },
  { id: 'E8', opts: daily, conc: { ...E7, pm10_ug_m3: 650, pm25_ug_m3: 160 }, iaqi: { PM10_24h: 500, PM25_24h: 210 }, aqi: 500, level: 6, zh: '严重污染', primary: ['PM10_24h'] },
  {
    id: 'E9', opts: daily,
    conc: { so2_ug_m3: 5, no2_ug_m3: 10, pm10_ug_m3: 40, pm25_ug_m3: 36, co_mg_m3: 0.4, o3_1h_ug_m3: 50, o3_8h_ug_m3: 40 },
    iaqi: { PM25_24h: 52 }, aqi: 52, level: 2, zh: '良', primary: ['PM25_24h']
  },
  {
    id: 'E10', opts: hourly, conc: { ...H, so2_ug_m3: 900, so2_24h_ug_m3: 500 },
    iaqi: { SO2_24h: 154, NO2_1h: 30, CO_1h: 10, O3_1h: 29, PM10_1h: 65, PM25_1h: 69 },
    aqi: 154, level: 4, zh: '中度污染', primary: ['SO2_24h']
  },
  { id: 'E11', opts: hourly, conc: { ...H, co_mg_m3: 12 }, iaqi: { CO_1h: 104 }, aqi: 104, level: 3, zh: '轻度污染', primary: ['CO_1h'] },
  { id: 'E12', opts: hourly, conc: { ...H, no2_ug_m3: 350, co_mg_m3: 1.2 }, iaqi: { NO2_1h: 115 }, aqi: 115, level: 3, zh: '轻度污染', primary: ['NO2_1h'] },
  {
    id: 'E13', opts: hourly, conc: { so2_ug_m3: 10, no2_ug_m3: 40, co_mg_m3: 0.6, o3_1h_ug_m3: 230, pm10_ug_m3: 70, pm25_ug_m3: 50 },
    iaqi: { O3_1h: 115, PM25_1h: 69 }, aqi: 115, level: 3, zh: '轻度污染', primary: ['O3_1h']
  },
  {
    id: 'E14', opts: hourly, conc: { so2_ug_m3: 10, no2_ug_m3: 40, co_mg_m3: 0.6, o3_1h_ug_m3: 100, pm10_ug_m3: 50, pm25_ug_m3: 20 },
    iaqi: { PM10_1h: 50 }, aqi: 50, level: 1, zh: '优', primary: []
  }
]

t.test('every worked example of spec §7', async t => {
  for (const v of vectors) {
    const r = computeAqi(v.conc, v.opts)
    t.equal(r.aqi, v.aqi, `${v.id}: AQI ${v.aqi}`)
    t.match(r.iaqi, v.iaqi, `${v.id}: IAQIs`)
    t.same(r.primary, v.primary, `${v.id}: primary ${v.primary.join('+') || '—'}`)
    t.match(r.category, { level: v.level, zh: v.zh }, `${v.id}: category ${v.level} ${v.zh}`)
    t.equal(r.edition, '2012', `${v.id}: edition`)
  }
})

t.test('E5: O3_8h above 800 is not computed and is replaced by O3_1h; the report stays complete', async t => {
  const r = computeAqi(E5, daily)
  t.notOk('O3_8h' in r.iaqi)
  t.same(r.excluded, [{ item: 'O3_8h', reason: 'above-table', replacedBy: 'O3_1h' }])
  t.equal(r.complete, true)
})

t.test('E10: SO2_1h above 800 uses the 24 h IAQI, labelled SO2_24h', async t => {
  const r = computeAqi({ ...H, so2_ug_m3: 900, so2_24h_ug_m3: 500 }, hourly)
  t.notOk('SO2_1h' in r.iaqi)
  t.same(r.excluded, [{ item: 'SO2_1h', reason: 'above-table', replacedBy: 'SO2_24h' }])
  t.same(r.exceeding, ['SO2_24h'])
  t.equal(r.complete, true)
})

t.test('SO2_1h above 800 without a 24 h mean: SO2 has no IAQI and the report is incomplete', async t => {
  const r = computeAqi({ ...H, so2_ug_m3: 801 }, hourly)
  t.notOk('SO2_1h' in r.iaqi)
  t.notOk('SO2_24h' in r.iaqi)
  t.same(r.excluded, [{ item: 'SO2_1h', reason: 'above-table', replacedBy: null }])
  t.equal(r.complete, false)
})

t.test('category, colour and English name of each level, with inclusive upper bounds', async t => {
  const expected: Array<[number, number, string, string, string]> = [
    [0, 1, 'Excellent', 'green', '#00E400'], [50, 1, 'Excellent', 'green', '#00E400'],
    [51, 2, 'Good', 'yellow', '#FFFF00'], [100, 2, 'Good', 'yellow', '#FFFF00'],
    [101, 3, 'Lightly polluted', 'orange', '#FF7E00'], [150, 3, 'Lightly polluted', 'orange', '#FF7E00'],
    [151, 4, 'Moderately polluted', 'red', '#FF0000'], [200, 4, 'Moderately polluted', 'red', '#FF0000'],
    [201, 5, 'Heavily polluted', 'purple', '#99004C'], [300, 5, 'Heavily polluted', 'purple', '#99004C'],
    [301, 6, 'Severely polluted', 'maroon', '#7E0023'], [500, 6, 'Severely polluted', 'maroon', '#7E0023']
  ]
  for (const [aqi, level, en, colour, rgb] of expected) {
    t.match(aqiCategory(aqi), { level, en, colour, rgb }, `AQI ${aqi} → level ${level}`)
  }
  t.throws(() => aqiCategory(-1), RangeError)
})

t.test('every breakpoint maps exactly to its IAQI level, on both editions', async t => {
  for (const edition of ['2012', '2026'] as const) {
    const table = AQI_TABLES[edition]
    for (const [column, bps] of Object.entries(table.columns) as Array<[AqiColumn, readonly number[]]>) {
      bps.forEach((bp, i) => t.equal(computeIaqi(column, bp, table), IAQI_LEVELS[i], `${edition} ${column} ${bp} → ${IAQI_LEVELS[i]}`))
    }
  }
})

t.test('decimal concentrations on a breakpoint are exact (CO 0.1 steps, floats like 0.1 + 0.2)', async t => {
  t.equal(computeIaqi('CO_24h', 2), 50)
  t.equal(computeIaqi('CO_1h', 0.1 + 0.2), 3, '0.3 mg/m³ → 50/5 × 0.3 = 3 exactly')
  t.equal(computeIaqi('CO_24h', 4.0000000000000001), 100)
  t.equal(computeIaqi('PM25_24h', 75), 100, '75 → 100, not 101')
})

t.test('IAQI is monotone non-decreasing in the concentration', async t => {
  const columns = Object.keys(AQI_TABLES['2012'].columns) as AqiColumn[]
  for (const column of columns) {
    let last = -1
    let ok = true
    for (let c = 0; c <= 4000; c += column.startsWith('CO') ? 0.1 : 1) {
      const v = computeIaqi(column, Math.round(c * 10) / 10)
      if (v === null) break
      if (v < last) ok = false
      last = v
    }
    t.ok(ok, `${column} monotone`)
  }
})

t.test('truncated and open-ended columns at their tops', async t => {
  t.equal(computeIaqi('SO2_1h', 800), 200)
  t.equal(computeIaqi('SO2_1h', 801), null, 'SO2_1h 801 not computed')
  t.equal(computeIaqi('O3_8h', 801), null, 'O3_8h 801 not computed')
  t.equal(computeIaqi('PM25_24h', 501), 500, 'PM2.5 501 → 500')
  t.equal(computeIaqi('PM10_24h', 650), 500)
  t.throws(() => computeIaqi('PM25_24h', -1), RangeError)
  t.throws(() => computeIaqi('PM25_24h', Number.NaN), RangeError)
})

t.test('ceiling rounding: E3 106.25 → 107, E9 51.25 → 52', async t => {
  t.equal(computeIaqi('PM25_24h', 80), 107)
  t.equal(computeIaqi('PM25_24h', 36), 52)
  t.equal(computeIaqi('PM25_24h', 35.001), 51)
})

t.test('exceeding pollutants are those with IAQI > 100', async t => {
  t.same(computeAqi(E7, daily).exceeding, ['PM10_24h', 'PM25_24h'])
  t.same(computeAqi(E2, daily).exceeding, [])
})

t.test('hourly O3_8h is ignored unless includeO3_8hInHourly', async t => {
  const conc = { ...H, o3_8h_ug_m3: 300 }
  const off = computeAqi(conc, hourly)
  t.notOk('O3_8h' in off.iaqi)
  t.equal(off.aqi, 69)
  const on = computeAqi(conc, { ...hourly, includeO3_8hInHourly: true })
  t.equal(on.iaqi.O3_8h, 207, '300 → 200 + 100/535 × 35 = 206.5 → 207')
  t.same(on.primary, ['O3_8h'])
})

t.test('missing, negative and non-finite concentrations are excluded and mark the report incomplete', async t => {
  const r = computeAqi({ so2_ug_m3: 10, no2_ug_m3: -5, pm10_ug_m3: Number.NaN, pm25_ug_m3: null, co_mg_m3: Infinity, o3_1h_ug_m3: 60 }, daily)
  t.same(r.iaqi, { SO2_24h: 10, O3_1h: 19 })
  t.equal(r.aqi, 19)
  t.equal(r.complete, false)
  t.same(r.excluded, [
    { item: 'NO2_24h', reason: 'negative', replacedBy: null },
    { item: 'PM10_24h', reason: 'not-finite', replacedBy: null },
    { item: 'PM25_24h', reason: 'absent', replacedBy: null },
    { item: 'CO_24h', reason: 'not-finite', replacedBy: null },
    { item: 'O3_8h', reason: 'absent', replacedBy: null }
  ])
})

t.test('no usable concentration gives aqi null and category null', async t => {
  const r = computeAqi({}, hourly)
  t.equal(r.aqi, null)
  t.equal(r.category, null)
  t.same(r.primary, [])
  t.equal(r.excluded.length, 6)
})

t.test('other reading metrics are ignored; o3_ug_m3 is refused as ambiguous', async t => {
  const metrics: Record<string, number> = { ...H, temperature_c: 21, humidity_pct: 60 }
  t.equal(computeAqi(metrics, hourly).aqi, 69)
  t.throws(() => computeAqi({ o3_ug_m3: 50 } as AqiConcentrations, hourly), TypeError)
})

t.test('edition by date: 2012 before 2026-03-01 Beijing time, 2026 from then', async t => {
  t.equal(aqiEditionAt('2026-02-28T15:59:59Z'), '2012')
  t.equal(aqiEditionAt('2026-02-28T16:00:00Z'), '2026', 'midnight 1 March in UTC+8')
  t.equal(aqiEditionAt(new Date('2025-06-01T00:00:00Z')), '2012')
  t.equal(aqiEditionAt(Date.parse('2026-06-01T00:00:00Z')), '2026')
  t.equal(computeAqi(E2, { report: 'daily', date: '2026-02-28T12:00:00+08:00' }).edition, '2012')
  const r = computeAqi(E2, { report: 'daily', date: '2026-03-01T12:00:00+08:00' })
  t.equal(r.edition, '2026')
  t.equal(r.iaqi.PM25_24h, 114, '2026 [unverified]: PM2.5 75 → 114')
  t.equal(computeAqi(E2, { report: 'daily', edition: '2012', date: '2026-06-01T00:00:00Z' }).edition, '2012', 'explicit edition wins')
})

t.test('2026 [unverified] PM10 breakpoint 120 at IAQI 100', async t => {
  t.equal(computeIaqi('PM10_24h', 120, AQI_TABLES['2026']), 100)
  t.equal(computeIaqi('PM10_24h', 150, AQI_TABLES['2026']), 112, '100 + 50/130 × 30 = 111.5 → 112')
})

t.test('opts.table replaces the edition table; the above-top rules can cap', async t => {
  const capped = { ...AQI_TABLES['2026'], so2_1hAboveTop: 'cap' as const, o3_8hAboveTop: 'cap' as const }
  const h = computeAqi({ ...H, so2_ug_m3: 900, so2_24h_ug_m3: 500 }, { report: 'hourly', edition: '2026', table: capped })
  t.equal(h.iaqi.SO2_1h, 200)
  t.notOk('SO2_24h' in h.iaqi)
  t.equal(h.excluded.length, 0)
  const d = computeAqi(E5, { report: 'daily', edition: '2026', table: capped })
  t.equal(d.iaqi.O3_8h, 300)
  const custom = { ...AQI_TABLES['2012'], columns: { ...AQI_TABLES['2012'].columns, PM25_24h: [0, 35, 60, 115, 150, 250, 350, 500] } }
  t.equal(computeAqi(E2, { report: 'daily', edition: '2012', table: custom }).iaqi.PM25_24h, 114)
})

t.test('bad options throw clear TypeError/RangeError', async t => {
  t.throws(() => computeAqi(E2, { report: 'weekly' } as unknown as AqiOptions), TypeError)
  t.throws(() => computeAqi(E2, { report: 'daily' }), { name: 'TypeError', message: /edition or opts\.date/ })
  t.throws(() => computeAqi(E2, { report: 'daily', edition: '2020' } as unknown as AqiOptions), TypeError)
  t.throws(() => computeAqi(E2, { report: 'daily', date: 'yesterday' }), RangeError)
  const broken = { ...AQI_TABLES['2012'], columns: { ...AQI_TABLES['2012'].columns, PM25_24h: [0, 35, 30, 115, 150, 250, 350, 500] } }
  t.throws(() => computeAqi(E2, { report: 'daily', edition: '2012', table: broken }), { name: 'RangeError', message: /PM25_24h/ })
  t.throws(() => computeAqi(null as unknown as AqiConcentrations, daily), TypeError)
})
