// River water-quality station (GB 3838-2002 items): a clean class II–III river with a diurnal
// oxygen and pH swing from photosynthesis. A pollution episode (an untreated discharge) starts at
// `waterEpisodeAt` at the first station and reaches each further station 30 min later: NH3-N,
// CODMn, TP, TN, COD, BOD5 and turbidity rise over 3 h, hold 6 h, then recover with a 4 h time
// constant while dissolved oxygen sags and comes back.
import type { Prng } from '../prng.ts'
import { clamp, episodeEnvelope, HOUR, MINUTE, round, smoothstep, type DeviceModel, type ModelContext } from './model.ts'

const RISE = 3 * HOUR
const HOLD = 6 * HOUR
const RECOVERY_TAU = 4 * HOUR

export interface WaterState {
  ctx: ModelContext
  episodeAt: number | undefined
  /** Per-station baseline multiplier (some reaches are cleaner than others). */
  load: number
  ph: number
}

/** Episode intensity 0…1 at time t for an episode starting at `at`. */
export function episodeShape (at: number | undefined, t: number): number {
  return episodeEnvelope(at, t, { rise: RISE, hold: HOLD, tau: RECOVERY_TAU, ramp: smoothstep })
}

/** Oxygen solubility in fresh water at 1 atm, mg/L (Benson & Krause fit, as in APHA 4500-O). */
export function oxygenSaturation (tempC: number): number {
  return 14.62 - 0.3898 * tempC + 0.006969 * tempC ** 2 - 0.00005897 * tempC ** 3
}

export const water: DeviceModel<WaterState> = {
  kind: 'water',
  init (ctx: ModelContext, rng: Prng): WaterState {
    const at = ctx.options.waterEpisodeAt
    return {
      ctx,
      episodeAt: at === undefined ? undefined : at + ctx.index * 30 * MINUTE,
      load: rng.range(0.8, 1.2),
      ph: rng.range(7.3, 7.9)
    }
  },
  step (s: WaterState, t: number, rng: Prng): Record<string, number> {
    const { climate } = s.ctx
    const f = episodeShape(s.episodeAt, t)
    const light = climate.solar(t) / 900
    const n = (sd: number): number => 1 + rng.normal(sd)
    const temperature = Math.max(0.5, climate.dailyMean(t) - 1 + 0.8 * Math.cos(2 * Math.PI * ((t / HOUR + 8) % 24 - 16) / 24))
    const conductivity = (360 * s.load + 260 * f) * n(0.01)
    const doMgL = oxygenSaturation(temperature) * (0.9 - 0.62 * f) + 0.6 * light
    return {
      temperature_c: round(temperature + rng.normal(0.05), 1),
      ph: round(clamp(s.ph + 0.25 * light - 0.45 * f + rng.normal(0.02), 0, 14), 2),
      do_mg_l: round(clamp(doMgL * n(0.02), 0, 25), 2),
      do_saturation_pct: round(clamp(100 * doMgL / oxygenSaturation(temperature), 0, 300), 1),
      conductivity_us_cm: Math.round(conductivity),
      turbidity_ntu: round(Math.max(0, (11 * s.load + 55 * f) * n(0.05)), 1),
      codmn_mg_l: round(Math.max(0, (3.6 * s.load + 11 * f) * n(0.03)), 2),
      cod_mg_l: round(Math.max(0, (13 * s.load + 42 * f) * n(0.03)), 1),
      bod5_mg_l: round(Math.max(0, (2.5 * s.load + 9 * f) * n(0.04)), 2),
      nh3n_mg_l: round(Math.max(0, (0.35 * s.load + 3.6 * f) * n(0.03)), 3),
      tp_mg_l: round(Math.max(0, (0.09 * s.load + 0.45 * f) * n(0.03)), 3),
      tn_mg_l: round(Math.max(0, (1.1 * s.load + 5 * f) * n(0.03)), 2),
      chlorophyll_ug_l: round(Math.max(0, (6 + 4 * light) * n(0.05)), 1),
      salinity_psu: round(conductivity * 0.00055, 2)
    }
  }
}
