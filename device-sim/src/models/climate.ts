// A site's weather as pure functions of (site seed, time): every device at a site (soil probes, the
// weather station, the air station) sees the same sky, and any device can ask at any time without
// shared mutable state. Shaped for the Yangtze delta (about 30° N, UTC+8): January mean about 6 °C,
// July about 28 °C, a diurnal cycle peaking mid-afternoon, and rain in spells of a few hours.
import { hashUnit } from '../prng.ts'

const HOUR = 3_600_000
const DAY = 86_400_000
const RAIN_BLOCK = 6 * HOUR
const LOCAL_OFFSET = 8 * HOUR

export interface Climate {
  /** Air temperature, °C. */
  temperature: (t: number) => number
  /** Relative humidity, %. */
  humidity: (t: number) => number
  /** Rain rate now, mm/h. */
  rainRate: (t: number) => number
  /** Rain that fell in [t0, t1), mm. */
  rainBetween: (t0: number, t1: number) => number
  /** Global solar radiation, W/m². */
  solar: (t: number) => number
  /** Cloud cover 0…1. */
  cloud: (t: number) => number
  /** Mean wind speed, m/s. */
  wind: (t: number) => number
  /** Daily mean temperature (season plus day-to-day weather), °C. */
  dailyMean: (t: number) => number
}

export function localHour (t: number): number {
  return (((t + LOCAL_OFFSET) % DAY) + DAY) % DAY / HOUR
}

export function dayOfYear (t: number): number {
  const d = new Date(t + LOCAL_OFFSET)
  return (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY + 1
}

/** Smooth day-to-day noise in [-1, 1): cosine interpolation between one random value per day. */
function dailyNoise (seed: number, t: number): number {
  const x = (t + LOCAL_OFFSET) / DAY
  const i = Math.floor(x)
  const f = (1 - Math.cos(Math.PI * (x - i))) / 2
  const a = hashUnit(seed, i) * 2 - 1
  const b = hashUnit(seed, i + 1) * 2 - 1
  return a + (b - a) * f
}

interface RainSpell { from: number, to: number, rate: number }

/** The rain spell of the 6-hour block holding t, if that block has one (about one in six does). */
function rainSpell (seed: number, block: number): RainSpell | undefined {
  if (hashUnit(seed ^ 0x5a17, block) >= 0.17) return undefined
  const start = block * RAIN_BLOCK
  const from = start + hashUnit(seed ^ 0x2b, block) * 2 * HOUR
  const to = Math.min(start + RAIN_BLOCK, from + HOUR + hashUnit(seed ^ 0x3c, block) * 3 * HOUR)
  const u = hashUnit(seed ^ 0x4d, block)
  return { from, to, rate: 0.4 + 9 * u * u }
}

export function createClimate (seed: number): Climate {
  const seasonal = (t: number): number => 17 - 11 * Math.cos(2 * Math.PI * (dayOfYear(t) - 20) / 365)
  const dailyMean = (t: number): number => seasonal(t) + 3 * dailyNoise(seed, t)
  const rainRate = (t: number): number => {
    const spell = rainSpell(seed, Math.floor(t / RAIN_BLOCK))
    return spell !== undefined && t >= spell.from && t < spell.to ? spell.rate : 0
  }
  const rainBetween = (t0: number, t1: number): number => {
    let total = 0
    for (let b = Math.floor(t0 / RAIN_BLOCK); b * RAIN_BLOCK < t1; b++) {
      const spell = rainSpell(seed, b)
      if (spell === undefined) continue
      const overlap = Math.min(t1, spell.to) - Math.max(t0, spell.from)
      if (overlap > 0) total += spell.rate * overlap / HOUR
    }
    return total
  }
  const raining = (t: number): number => {
    // 1 while it rains, easing off over the two hours after.
    if (rainRate(t) > 0) return 1
    if (rainRate(t - HOUR) > 0) return 0.6
    if (rainRate(t - 2 * HOUR) > 0) return 0.3
    return 0
  }
  const cloud = (t: number): number => Math.min(1, Math.max(raining(t) * 0.9, 0.3 + 0.3 * dailyNoise(seed ^ 0x77, t)))
  const diurnal = (t: number): number => Math.cos(2 * Math.PI * (localHour(t) - 14.5) / 24)
  const temperature = (t: number): number => {
    const amplitude = 4.5 * (1 - 0.6 * cloud(t))
    return dailyMean(t) + amplitude * diurnal(t) - 2 * raining(t)
  }
  const humidity = (t: number): number => {
    const rh = 70 - 3.2 * (temperature(t) - dailyMean(t)) + 25 * raining(t) + 8 * dailyNoise(seed ^ 0x99, t)
    return Math.min(100, Math.max(20, rh))
  }
  const solar = (t: number): number => {
    const doy = dayOfYear(t)
    const dayLength = 12 + 2 * Math.sin(2 * Math.PI * (doy - 80) / 365)
    const sunrise = 12 - dayLength / 2
    const h = localHour(t)
    if (h <= sunrise || h >= sunrise + dayLength) return 0
    const peak = 800 + 200 * Math.sin(2 * Math.PI * (doy - 80) / 365)
    return peak * Math.sin(Math.PI * (h - sunrise) / dayLength) * (1 - 0.75 * cloud(t))
  }
  const wind = (t: number): number =>
    Math.max(0.2, 2.8 + 1.3 * diurnal(t) + 1.5 * dailyNoise(seed ^ 0x11, t) + 3 * raining(t))
  return { temperature, humidity, rainRate, rainBetween, solar, cloud, wind, dailyMean }
}
