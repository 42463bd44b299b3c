// Soil probe at 10–20 cm in a managed field: moisture (%VWC) falls with evapotranspiration (an
// hourly Hargreaves-style estimate from temperature and solar radiation, slowed as the soil dries),
// rises with rain and with irrigation (the farm irrigates 25 mm when a plot falls below its
// threshold), and drains back towards field capacity. A `dry` plot gets neither rain nor irrigation
// and loses a fixed %VWC per day: the drought-warning scenario.
import type { Prng } from '../prng.ts'
import { clamp, DAY, HOUR, MINUTE, round, type DeviceModel, type ModelContext } from './model.ts'

export const FIELD_CAPACITY = 35
export const WILTING_POINT = 12
const SATURATION = 46
const ROOT_ZONE_MM = 300
const IRRIGATION_MM = 25
const IRRIGATION_MM_H = 12.5

export interface SoilState {
  ctx: ModelContext
  lastTs: number
  moisture: number
  irrigationLeftMm: number
  irrigateBelow: number
  ph: number
  nitrogen: number
  phosphorus: number
  potassium: number
}

export const soil: DeviceModel<SoilState> = {
  kind: 'soil',
  init (ctx: ModelContext, rng: Prng): SoilState {
    return {
      ctx,
      lastTs: ctx.startTs,
      moisture: rng.range(26, 32),
      irrigationLeftMm: 0,
      irrigateBelow: rng.range(18, 21),
      ph: rng.range(5.8, 7.2),
      nitrogen: rng.range(90, 160),
      phosphorus: rng.range(18, 45),
      potassium: rng.range(100, 220)
    }
  },
  step (s: SoilState, t: number, rng: Prng): Record<string, number> {
    const { climate, options, device } = s.ctx
    const dry = options.dry.has(device)
    while (s.lastTs < t) {
      const t1 = Math.min(t, s.lastTs + 15 * MINUTE)
      const hours = (t1 - s.lastTs) / HOUR
      if (dry) {
        s.moisture = Math.max(4, s.moisture - options.dryRatePctPerDay * (t1 - s.lastTs) / DAY)
      } else {
        const temp = climate.temperature(s.lastTs)
        const rs = climate.solar(s.lastTs) * 0.0036 // MJ/m²/h
        const et = (0.0135 * Math.max(0, temp + 17.8) * rs * 0.408 + 0.02) * hours
        const stress = clamp((s.moisture - WILTING_POINT) / (FIELD_CAPACITY - WILTING_POINT), 0.1, 1)
        let waterMm = climate.rainBetween(s.lastTs, t1) * 0.9 - et * stress
        if (s.irrigationLeftMm <= 0 && s.moisture < s.irrigateBelow) s.irrigationLeftMm = IRRIGATION_MM
        if (s.irrigationLeftMm > 0) {
          const applied = Math.min(s.irrigationLeftMm, IRRIGATION_MM_H * hours)
          s.irrigationLeftMm -= applied
          waterMm += applied
        }
        s.moisture += waterMm / ROOT_ZONE_MM * 100
        if (s.moisture > FIELD_CAPACITY) s.moisture -= (s.moisture - FIELD_CAPACITY) * (1 - Math.exp(-hours / 10))
        s.moisture = clamp(s.moisture, 3, SATURATION)
      }
      const uptake = 1 - 0.004 * (t1 - s.lastTs) / DAY
      s.nitrogen *= uptake
      s.phosphorus *= uptake
      s.potassium *= uptake
      s.lastTs = t1
    }
    // Soil at 10 cm follows the air two hours late, at less than half the amplitude.
    const lagged = climate.temperature(t - 2 * HOUR) - climate.dailyMean(t - 2 * HOUR)
    const temperature = climate.dailyMean(t) + 0.45 * lagged + rng.normal(0.08)
    const moisture = clamp(s.moisture + rng.normal(0.15), 0, 100)
    return {
      moisture_vwc_pct: round(moisture, 1),
      temperature_c: round(temperature, 1),
      ec_us_cm: Math.round(Math.max(0, 120 + 18 * moisture + rng.normal(8))),
      ph: round(clamp(s.ph + rng.normal(0.03), 0, 14), 2),
      nitrogen_mg_kg: round(Math.max(0, s.nitrogen + rng.normal(1.5)), 1),
      phosphorus_mg_kg: round(Math.max(0, s.phosphorus + rng.normal(0.6)), 1),
      potassium_mg_kg: round(Math.max(0, s.potassium + rng.normal(2)), 1)
    }
  }
}
