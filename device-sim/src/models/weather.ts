// Automatic weather station: the site's climate as sensors see it. Rainfall is the amount that fell
// in the reporting interval (mm); wind direction wanders about the monsoon's prevailing direction
// (south-east in summer, north-west in winter).
import type { Prng } from '../prng.ts'
import { clamp, round, type DeviceModel, type ModelContext } from './model.ts'
import { dayOfYear } from './climate.ts'

export interface WeatherState {
  ctx: ModelContext
  lastTs: number
  windDir: number
}

function prevailing (t: number): number {
  const summer = Math.cos(2 * Math.PI * (dayOfYear(t) - 200) / 365) // 1 in July, -1 in January
  return summer >= 0 ? 135 : 315
}

export const weather: DeviceModel<WeatherState> = {
  kind: 'weather',
  init (ctx: ModelContext, rng: Prng): WeatherState {
    return { ctx, lastTs: ctx.startTs - ctx.intervalMs, windDir: prevailing(ctx.startTs) + rng.normal(30) }
  },
  step (s: WeatherState, t: number, rng: Prng): Record<string, number> {
    const { climate } = s.ctx
    const rain = climate.rainBetween(Math.min(s.lastTs, t), t)
    s.lastTs = Math.max(s.lastTs, t)
    let delta = prevailing(t) - s.windDir
    delta = ((delta + 540) % 360) - 180
    s.windDir = (((s.windDir + 0.05 * delta + rng.normal(12)) % 360) + 360) % 360
    const solar = Math.max(0, climate.solar(t) * (1 + rng.normal(0.03)))
    return {
      temperature_c: round(climate.temperature(t) + rng.normal(0.1), 1),
      humidity_pct: round(clamp(climate.humidity(t) + rng.normal(0.5), 0, 100), 1),
      rainfall_mm: round(rain, 1),
      wind_speed_m_s: round(clamp(climate.wind(t) * (1 + rng.normal(0.25)), 0, 90), 1),
      wind_dir_deg: Math.round(s.windDir) % 360,
      solar_w_m2: Math.round(solar),
      illuminance_lux: Math.round(solar * 110)
    }
  }
}
