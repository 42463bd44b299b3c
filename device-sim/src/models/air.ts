// Urban air station (HJ 633 pollutants plus CO2 and weather): traffic peaks in NO2, CO and PM at
// 08:00 and 18:30, afternoon photochemical O3, and a pollution episode (a stagnant winter haze)
// from `airEpisodeAt`: PM2.5 and PM10 build up over 12 h to about 250 µg/m³ above background, hold
// 6 h, then a cold front clears them with a 2 h time constant. Later stations start 20 min later.
import type { Prng } from '../prng.ts'
import { clamp, episodeEnvelope, HOUR, MINUTE, round, type DeviceModel, type ModelContext } from './model.ts'
import { localHour } from './climate.ts'

const BUILD_UP = 12 * HOUR
const HOLD = 6 * HOUR
const CLEAR_TAU = 2 * HOUR

export interface AirState {
  ctx: ModelContext
  episodeAt: number | undefined
  background: number
  pressure: number
  lastTs: number
}

export function hazeShape (at: number | undefined, t: number): number {
  return episodeEnvelope(at, t, { rise: BUILD_UP, hold: HOLD, tau: CLEAR_TAU, ramp: x => x ** 1.5 })
}

function rush (t: number): number {
  const h = localHour(t)
  return Math.exp(-(((h - 8) / 1.5) ** 2)) + Math.exp(-(((h - 18.5) / 1.5) ** 2))
}

export const air: DeviceModel<AirState> = {
  kind: 'air',
  init (ctx: ModelContext, rng: Prng): AirState {
    const at = ctx.options.airEpisodeAt
    return {
      ctx,
      episodeAt: at === undefined ? undefined : at + ctx.index * 20 * MINUTE,
      background: rng.range(22, 38),
      pressure: rng.range(1008, 1020),
      lastTs: ctx.startTs
    }
  },
  step (s: AirState, t: number, rng: Prng): Record<string, number> {
    const { climate } = s.ctx
    const g = hazeShape(s.episodeAt, t)
    const r = rush(t)
    const night = Math.max(0, Math.cos(2 * Math.PI * (localHour(t) - 3) / 24))
    const light = climate.solar(t) / 900
    // Pressure: a slow random walk pulled back to 1013 hPa.
    const hours = Math.max(0, (t - s.lastTs) / HOUR)
    s.pressure += (1013 - s.pressure) * (1 - Math.exp(-hours / 48)) + rng.normal(0.15 * Math.sqrt(hours))
    s.lastTs = Math.max(s.lastTs, t)
    const pm25 = (s.background + 14 * r + 8 * night + 250 * g) * (1 + rng.normal(0.04))
    return {
      pm25_ug_m3: Math.round(Math.max(1, pm25)),
      pm10_ug_m3: Math.round(Math.max(2, pm25 * (1.55 + rng.normal(0.05)) + 8)),
      so2_ug_m3: Math.round(Math.max(1, 7 + 6 * g + rng.normal(1))),
      no2_ug_m3: Math.round(Math.max(1, 22 + 28 * r + 35 * g + rng.normal(2))),
      o3_ug_m3: Math.round(Math.max(2, 35 + 120 * light * (1 - 0.6 * g) + rng.normal(3))),
      co_mg_m3: round(Math.max(0.1, 0.55 + 0.35 * r + 1.3 * g + rng.normal(0.03)), 2),
      temperature_c: round(climate.temperature(t) + rng.normal(0.1), 1),
      humidity_pct: round(clamp(climate.humidity(t) + rng.normal(0.5), 0, 100), 1),
      pressure_hpa: round(clamp(s.pressure, 300, 1100), 1),
      co2_ppm: Math.round(418 + 30 * night + 25 * r + 15 * g + rng.normal(3))
    }
  }
}
