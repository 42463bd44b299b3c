// Refrigerated truck (cold chain, 0–4 °C produce): a thermostat switches the compressor on above
// 3.0 °C and off below 1.0 °C, so the cargo air saws between about 1 and 3 °C while heat leaks in
// from the outside air (5 h time constant); below 0.3 °C a heater holds it up in winter. An
// excursion (compressor failure) on the first truck from `coldChainExcursionAt` for
// `coldChainExcursionMs` lets the cargo warm towards ambient; afterwards it cools back.
import type { Prng } from '../prng.ts'
import { clamp, MINUTE, round, type DeviceModel, type ModelContext } from './model.ts'

const LEAK_TAU_MIN = 300
const COOLING_C_PER_MIN = 0.2
const HEATING_C_PER_MIN = 0.1

export interface ColdChainState {
  ctx: ModelContext
  lastTs: number
  temperature: number
  compressor: boolean
  excursion: { from: number, to: number } | undefined
}

export const coldChain: DeviceModel<ColdChainState> = {
  kind: 'cold_chain',
  init (ctx: ModelContext, rng: Prng): ColdChainState {
    const at = ctx.options.coldChainExcursionAt
    return {
      ctx,
      lastTs: ctx.startTs,
      temperature: rng.range(1.2, 2.8),
      compressor: rng.next() < 0.5,
      excursion: at !== undefined && ctx.index === 0 ? { from: at, to: at + ctx.options.coldChainExcursionMs } : undefined
    }
  },
  step (s: ColdChainState, t: number, rng: Prng): Record<string, number> {
    const { climate } = s.ctx
    while (s.lastTs < t) {
      const t1 = Math.min(t, s.lastTs + 10_000)
      const minutes = (t1 - s.lastTs) / MINUTE
      const failed = s.excursion !== undefined && s.lastTs >= s.excursion.from && s.lastTs < s.excursion.to
      if (s.temperature > 3.0) s.compressor = true
      else if (s.temperature < 1.0) s.compressor = false
      let rate = (climate.temperature(s.lastTs) - s.temperature) / LEAK_TAU_MIN
      if (s.compressor && !failed) rate -= COOLING_C_PER_MIN
      if (s.temperature < 0.3) rate += HEATING_C_PER_MIN
      s.temperature += rate * minutes
      s.lastTs = t1
    }
    const warm = clamp((s.temperature - 4) / 10, 0, 1)
    return {
      temperature_c: round(s.temperature + rng.normal(0.04), 2),
      humidity_pct: round(clamp(90 - 15 * warm + (s.compressor ? -2 : 1) + rng.normal(0.8), 0, 100), 1)
    }
  }
}
