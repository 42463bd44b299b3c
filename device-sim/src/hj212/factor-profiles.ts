// Realistic factor values for simulated HJ 212 stations (spec/hj212.md §7 codes and units as
// ambient stations send them). A value is a pure function of (seed, code, DataTime), so a station
// answering a backfill request re-sends exactly what it would have sent live.
import { hashSeed, createPrng } from '../prng.ts'

export interface FactorProfile {
  readonly code: string
  /** Daily mean, daily swing (peak at `peakHour`), noise sd, decimals, physical floor. */
  readonly mean: number
  readonly swing: number
  readonly peakHour: number
  readonly noise: number
  readonly decimals: number
  readonly min: number
}

const p = (code: string, mean: number, swing: number, peakHour: number, noise: number, decimals: number, min = 0): FactorProfile =>
  Object.freeze({ code, mean, swing, peakHour, noise, decimals, min })

export const AIR_FACTORS: readonly FactorProfile[] = Object.freeze([
  p('a34004', 38, 12, 8, 4, 0), // PM2.5 µg/m³
  p('a34002', 66, 18, 8, 6, 0), // PM10 µg/m³
  p('a21026', 9, 3, 10, 1, 0), // SO2 µg/m³
  p('a21004', 28, 10, 19, 3, 0), // NO2 µg/m³
  p('a05024', 85, 45, 15, 6, 0), // O3 µg/m³
  p('a21005', 0.7, 0.2, 8, 0.05, 2), // CO mg/m³
  p('a01001', 18, 6, 15, 0.4, 1, -40), // temperature °C
  p('a01002', 62, 15, 5, 2, 1), // humidity %
  p('a01006', 101.3, 0.3, 10, 0.05, 2, 80) // pressure kPa
])

export const WATER_FACTORS: readonly FactorProfile[] = Object.freeze([
  p('w01001', 7.6, 0.15, 15, 0.03, 2), // pH
  p('w01009', 7.2, 1.4, 15, 0.15, 2), // DO mg/L
  p('w01010', 19, 1.5, 16, 0.1, 1, -2), // water temperature °C
  p('w01014', 420, 15, 6, 4, 1), // conductivity µS/cm
  p('w01003', 9, 2, 12, 0.8, 1), // turbidity NTU
  p('w01019', 3.1, 0.4, 12, 0.1, 1), // CODMn mg/L
  p('w21003', 0.35, 0.08, 9, 0.02, 3), // NH3-N mg/L
  p('w21011', 0.08, 0.015, 9, 0.004, 3), // TP mg/L
  p('w21001', 1.2, 0.2, 9, 0.04, 2) // TN mg/L
])

function round (x: number, decimals: number): string {
  return x.toFixed(decimals)
}

/** The value of a factor at `ts` (epoch ms) in the station's local hour, and its Min/Max over `spanMs`. */
export function factorValue (seed: number, f: FactorProfile, ts: number, tzOffsetMinutes: number): { avg: string, min: string, max: string, rtd: string } {
  const prng = createPrng(hashSeed(seed, f.code, ts))
  const hour = ((ts / 3_600_000 + tzOffsetMinutes / 60) % 24 + 24) % 24
  const diurnal = Math.cos(((hour - f.peakHour) / 24) * 2 * Math.PI)
  const avg = Math.max(f.min, f.mean + f.swing * diurnal + prng.normal(f.noise))
  const spread = Math.abs(prng.normal(f.noise)) + f.noise
  const min = Math.max(f.min, avg - spread)
  const max = avg + spread
  return { avg: round(avg, f.decimals), min: round(min, f.decimals), max: round(max, f.decimals), rtd: round(Math.max(f.min, avg + prng.normal(f.noise / 2)), f.decimals) }
}
