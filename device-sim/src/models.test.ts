import t from 'tap'
import { CATALOG, KINDS, type Kind } from '../../core/src/catalog.ts'
import { createClimate, localHour } from './models/climate.ts'
import { MODELS } from './models/index.ts'
import { DAY, HOUR, MINUTE, PORT_ZHOUSHAN, type ModelOptions } from './models/model.ts'
import { distanceNm } from './models/vessel.ts'
import { FIELD_CAPACITY } from './models/soil.ts'
import { createPrng, hashSeed } from './prng.ts'

const START = Date.parse('2025-07-01T00:00:00+08:00')

interface Sample { t: number, m: Record<string, number> }

function series (kind: Kind, opts: Partial<ModelOptions> & { seed?: number, index?: number, device?: string, days?: number, stepMs?: number } = {}): Sample[] {
  const seed = opts.seed ?? 1
  const device = opts.device ?? `${kind}-0001`
  const stepMs = opts.stepMs ?? 10 * MINUTE
  const options: ModelOptions = { dry: new Set(), dryRatePctPerDay: 4, coldChainExcursionMs: 2 * HOUR, port: PORT_ZHOUSHAN, ...opts }
  const rng = createPrng(hashSeed(seed, device))
  const model = MODELS[kind]
  const state = model.init({ device, index: opts.index ?? 0, climate: createClimate(hashSeed(seed, 'site')), startTs: START, intervalMs: stepMs, options }, rng)
  const out: Sample[] = []
  for (let ts = START; ts < START + (opts.days ?? 3) * DAY; ts += stepMs) out.push({ t: ts, m: model.step(state, ts, rng) })
  return out
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

// ARCHITECTURE §4: what each kind's field device measures (the catalog also holds lab items).
const FIELD_METRICS: Record<Kind, string[]> = {
  soil: ['moisture_vwc_pct', 'temperature_c', 'ec_us_cm', 'ph', 'nitrogen_mg_kg', 'phosphorus_mg_kg', 'potassium_mg_kg'],
  water: ['temperature_c', 'ph', 'do_mg_l', 'conductivity_us_cm', 'turbidity_ntu', 'codmn_mg_l', 'cod_mg_l', 'bod5_mg_l', 'nh3n_mg_l', 'tp_mg_l', 'tn_mg_l', 'chlorophyll_ug_l', 'salinity_psu'],
  air: ['pm25_ug_m3', 'pm10_ug_m3', 'so2_ug_m3', 'no2_ug_m3', 'o3_ug_m3', 'co_mg_m3', 'temperature_c', 'humidity_pct', 'pressure_hpa', 'co2_ppm'],
  weather: ['temperature_c', 'humidity_pct', 'rainfall_mm', 'wind_speed_m_s', 'wind_dir_deg', 'solar_w_m2', 'illuminance_lux'],
  vessel: ['lat_deg', 'lon_deg', 'sog_kn', 'cog_deg', 'fix_quality', 'satellites', 'hdop'],
  cold_chain: ['temperature_c', 'humidity_pct']
}

t.test('every model emits its field metrics under catalog names, finite and inside the physical range', async t => {
  for (const kind of KINDS) {
    for (const seed of [1, 2, 3]) {
      const samples = series(kind, { seed, days: 4, waterEpisodeAt: START + DAY, airEpisodeAt: START + DAY, coldChainExcursionAt: START + DAY })
      const bad: string[] = []
      for (const { m } of samples) {
        for (const name of FIELD_METRICS[kind]) if (!(name in m)) bad.push(`missing ${name}`)
        for (const [name, v] of Object.entries(m)) {
          const spec = CATALOG[kind][name]
          if (spec === undefined || !Number.isFinite(v) || v < spec.min || v > spec.max) bad.push(`${name}=${v}`)
        }
      }
      t.same(bad.slice(0, 5), [], `${kind} seed ${seed}`)
    }
  }
})

t.test('a seed reproduces a series exactly; another seed gives another series', async t => {
  for (const kind of KINDS) {
    t.same(series(kind, { seed: 42, days: 1 }), series(kind, { seed: 42, days: 1 }), `${kind} reproducible`)
    t.not(JSON.stringify(series(kind, { seed: 42, days: 1 })), JSON.stringify(series(kind, { seed: 43, days: 1 })), `${kind} seed matters`)
  }
})

t.test('air temperature peaks in the afternoon and humidity at night (diurnal cycle)', async t => {
  const samples = series('weather', { days: 6 })
  const at = (from: number, to: number, metric: string): number =>
    mean(samples.filter(s => localHour(s.t) >= from && localHour(s.t) < to).map(s => s.m[metric]))
  t.ok(at(13, 16, 'temperature_c') > at(3, 6, 'temperature_c') + 2, 'afternoon warmer than before dawn by > 2 °C')
  t.ok(at(3, 6, 'humidity_pct') > at(13, 16, 'humidity_pct') + 5, 'humidity higher before dawn')
  t.equal(Math.max(...samples.filter(s => localHour(s.t) < 4).map(s => s.m.solar_w_m2)), 0, 'no sun at night')
  t.ok(at(11, 13, 'solar_w_m2') > 200, 'sun at noon')
})

t.test('soil dries with evapotranspiration and is wetted by rain or irrigation', async t => {
  const samples = series('soil', { days: 12, stepMs: HOUR })
  const m = samples.map(s => s.m.moisture_vwc_pct)
  let drying = false
  let wetting = false
  for (let i = 24; i < m.length; i++) {
    if (m[i - 24] - m[i] >= 1 && m.slice(i - 24, i + 1).every((v, k, a) => k === 0 || v <= a[k - 1] + 0.6)) drying = true
    if (m[i] - m[i - 6 < 0 ? 0 : i - 6] >= 3) wetting = true
  }
  t.ok(drying, 'a day of steady drying')
  t.ok(wetting, 'a rise of ≥ 3 %VWC within 6 h')
  t.ok(Math.min(...m) > 12, 'a managed plot stays above the wilting point')
})

t.test('a dry plot loses water steadily: no rain, no irrigation', async t => {
  const samples = series('soil', { days: 6, stepMs: HOUR, dry: new Set(['soil-0001']), dryRatePctPerDay: 4 })
  const daily = Array.from({ length: 6 }, (_, d) => mean(samples.slice(d * 24, d * 24 + 24).map(s => s.m.moisture_vwc_pct)))
  for (let d = 1; d < 6; d++) t.ok(daily[d - 1] - daily[d] > 3.3 && daily[d - 1] - daily[d] < 4.7, `day ${d}: lost ${(daily[d - 1] - daily[d]).toFixed(2)} %VWC`)
  const last = samples[samples.length - 1].m.moisture_vwc_pct
  t.ok(last / FIELD_CAPACITY * 100 < 40, `ends in drought (${last} %VWC, below 40 % of field capacity)`)
  const m = samples.map(s => s.m.moisture_vwc_pct)
  t.ok(m.every((v, i) => i === 0 || v <= m[i - 1] + 0.6), 'never wetted')
})

t.test('a river pollution episode raises NH3-N, CODMn and TP, lowers DO, then recovers', async t => {
  const at = START + DAY
  const samples = series('water', { days: 4, waterEpisodeAt: at })
  const window = (from: number, to: number) => samples.filter(s => s.t >= at + from && s.t < at + to)
  const before = window(-12 * HOUR, 0)
  const peak = window(4 * HOUR, 9 * HOUR)
  const after = window(36 * HOUR, 48 * HOUR)
  const avg = (xs: Sample[], k: string): number => mean(xs.map(s => s.m[k]))
  t.ok(avg(before, 'nh3n_mg_l') < 1.0, 'NH3-N within class III before (GB 3838-2002: ≤ 1.0 mg/L)')
  t.ok(avg(peak, 'nh3n_mg_l') > 2.0, 'NH3-N worse than class V at the peak (> 2.0 mg/L)')
  t.ok(avg(peak, 'codmn_mg_l') > 2 * avg(before, 'codmn_mg_l'), 'CODMn rises')
  t.ok(avg(peak, 'tp_mg_l') > 3 * avg(before, 'tp_mg_l'), 'TP rises')
  t.ok(avg(peak, 'do_mg_l') < 0.6 * avg(before, 'do_mg_l'), 'DO falls')
  t.ok(avg(after, 'nh3n_mg_l') < 1.0, 'NH3-N recovers')
  t.ok(avg(after, 'do_mg_l') > 0.8 * avg(before, 'do_mg_l'), 'DO recovers')
  const downstream = series('water', { days: 4, waterEpisodeAt: at, index: 2, device: 'water-0003' })
  const firstHigh = (xs: Sample[]): number => (xs.find(s => s.m.nh3n_mg_l > 2) as Sample).t
  t.ok(firstHigh(downstream) > firstHigh(samples), 'the plume reaches a downstream station later')
})

t.test('an air pollution episode builds PM2.5 and PM10 up over hours, then clears', async t => {
  const at = START + DAY
  const samples = series('air', { days: 4, airEpisodeAt: at })
  const avg = (from: number, to: number, k: string): number => mean(samples.filter(s => s.t >= at + from && s.t < at + to).map(s => s.m[k]))
  t.ok(avg(-12 * HOUR, 0, 'pm25_ug_m3') < 75, 'PM2.5 below the 24 h grade II limit before')
  t.ok(avg(2 * HOUR, 4 * HOUR, 'pm25_ug_m3') < avg(8 * HOUR, 10 * HOUR, 'pm25_ug_m3'), 'still building after 8 h')
  t.ok(avg(12 * HOUR, 18 * HOUR, 'pm25_ug_m3') > 200, 'heavy haze at the peak')
  t.ok(avg(12 * HOUR, 18 * HOUR, 'pm10_ug_m3') > avg(12 * HOUR, 18 * HOUR, 'pm25_ug_m3'), 'PM10 above PM2.5')
  t.ok(avg(30 * HOUR, 40 * HOUR, 'pm25_ug_m3') < 75, 'cleared')
})

t.test('a vessel steams out of Zhoushan, fishes slowly, and returns to port', async t => {
  const samples = series('vessel', { days: 2, stepMs: 5 * MINUTE })
  const port = PORT_ZHOUSHAN
  const d = samples.map(s => distanceNm({ lat: s.m.lat_deg, lon: s.m.lon_deg }, port))
  t.ok(d[0] < 0.5, 'starts in port')
  const far = d.findIndex(x => x > 30)
  t.ok(far > 0, 'reaches > 30 nm offshore')
  const back = d.findIndex((x, i) => i > far && x < 0.5)
  t.ok(back > far, 'comes back to port')
  const steaming = samples.filter((s, i) => d[i] > 5 && d[i] < 25).map(s => s.m.sog_kn)
  t.ok(mean(steaming) > 8, `steams at ${mean(steaming).toFixed(1)} kn`)
  const fishing = samples.slice(far, back).filter((s, i) => d[far + i] > 35 && s.m.sog_kn < 5)
  t.ok(fishing.length > 50 && mean(fishing.map(s => s.m.sog_kn)) < 4, 'fishes slowly on the ground')
  t.ok(samples.every(s => s.m.fix_quality >= 1 && s.m.satellites >= 4 && s.m.hdop < 2), 'a good fix throughout')
  t.ok(samples.every(s => s.m.lat_deg > 29 && s.m.lat_deg < 31 && s.m.lon_deg > 122 && s.m.lon_deg < 124.5), 'stays in the East China Sea off Zhoushan')
})

t.test('cold chain trucks hold 0–4 °C; an excursion warms the first truck and it recovers', async t => {
  const at = START + DAY
  for (const index of [0, 1]) {
    const normal = series('cold_chain', { days: 3, index, device: `cold-chain-000${index + 1}` })
    t.ok(normal.every(s => s.m.temperature_c >= 0 && s.m.temperature_c <= 4), `truck ${index + 1} stays in 0–4 °C`)
  }
  const failing = series('cold_chain', { days: 3, coldChainExcursionAt: at })
  const other = series('cold_chain', { days: 3, coldChainExcursionAt: at, index: 1, device: 'cold-chain-0002' })
  const max = (xs: Sample[], from: number, to: number): number => Math.max(...xs.filter(s => s.t >= at + from && s.t < at + to).map(s => s.m.temperature_c))
  t.ok(max(failing, 0, 2 * HOUR) > 8, 'the first truck warms above 8 °C during the failure')
  t.ok(max(failing, 5 * HOUR, 24 * HOUR) <= 4, 'and is back in range 3 h after it')
  t.ok(max(other, 0, 2 * HOUR) <= 4, 'other trucks are unaffected')
})
