// What every device model is: a deterministic function of (device state, simulated time, seeded
// PRNG) that yields catalog metrics (core/src/catalog.ts names and units). `init` builds the state
// once; `step` advances it to time t (sub-stepping as it needs) and returns the metrics at t.
import type { Kind } from '../../../core/src/catalog.ts'
import type { Prng } from '../prng.ts'
import type { Climate } from './climate.ts'

export interface LatLon { lat: number, lon: number }

/** Scenario knobs shared by the models; times are absolute epoch ms. */
export interface ModelOptions {
  /** Soil devices whose plot dries steadily: no rain reaches it, no irrigation. */
  dry: ReadonlySet<string>
  /** How fast a dry plot loses water, in %VWC per day. */
  dryRatePctPerDay: number
  /** Start of a river pollution episode at the first water station (later ones downstream). */
  waterEpisodeAt?: number
  /** Start of an air pollution build-up at the first air station. */
  airEpisodeAt?: number
  /** Start of a refrigeration failure on the first cold chain truck. */
  coldChainExcursionAt?: number
  /** How long the refrigeration failure lasts, ms. */
  coldChainExcursionMs: number
  /** Home port of the fishing vessels. */
  port: LatLon
}

export interface ModelContext {
  device: string
  /** Index of the device among the devices of its kind (0-based). */
  index: number
  climate: Climate
  startTs: number
  intervalMs: number
  options: ModelOptions
}

export interface DeviceModel<S> {
  kind: Kind
  init (ctx: ModelContext, rng: Prng): S
  step (state: S, t: number, rng: Prng): Record<string, number>
}

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

export const PORT_ZHOUSHAN: LatLon = { lat: 29.94, lon: 122.30 }

export function round (value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

export function clamp (value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

export function smoothstep (x: number): number {
  const c = clamp(x, 0, 1)
  return c * c * (3 - 2 * c)
}

/**
 * A pollution episode's intensity 0…1 at `t` for one starting at `at` (none when undefined): it
 * builds up over `rise` along `ramp` (0…1 → 0…1), holds for `hold`, then decays with time constant `tau`.
 */
export function episodeEnvelope (at: number | undefined, t: number, shape: { rise: number, hold: number, tau: number, ramp: (x: number) => number }): number {
  if (at === undefined || t < at) return 0
  const dt = t - at
  if (dt < shape.rise) return shape.ramp(dt / shape.rise)
  if (dt < shape.rise + shape.hold) return 1
  return Math.exp(-(dt - shape.rise - shape.hold) / shape.tau)
}
