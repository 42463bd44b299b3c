// Agricultural drought by relative soil moisture, GB/T 32136-2015 (农业干旱等级), spec/air-soil-agri.md §2.
// Pure. Bad input (NaN, negative, field capacity ≤ 0) throws RangeError: it is a wiring or
// configuration mistake, not a reading to classify.

export type DroughtGradeName = 'none' | 'light' | 'moderate' | 'severe' | 'extreme'

export interface DroughtGrade {
  /** 0 无旱 … 4 特旱. */
  grade: 0 | 1 | 2 | 3 | 4
  name: DroughtGradeName
  zh: '无旱' | '轻旱' | '中旱' | '重旱' | '特旱'
}

/**
 * Upper bounds of R (%) for grades 1…4, each bound belonging to the drier grade:
 * light 50 < R ≤ 60, moderate 40 < R ≤ 50, severe 30 < R ≤ 40, extreme R ≤ 30; no drought R > 60.
 * GB/T 32136-2015 as quoted by a public encyclopaedia entry [secondary]; pass your own to droughtGrade.
 */
export const DROUGHT_THRESHOLDS_PCT: readonly [number, number, number, number] = Object.freeze([60, 50, 40, 30]) as readonly [number, number, number, number]

const GRADES: readonly DroughtGrade[] = Object.freeze([
  { grade: 0, name: 'none', zh: '无旱' },
  { grade: 1, name: 'light', zh: '轻旱' },
  { grade: 2, name: 'moderate', zh: '中旱' },
  { grade: 3, name: 'severe', zh: '重旱' },
  { grade: 4, name: 'extreme', zh: '特旱' }
].map(g => Object.freeze(g as DroughtGrade)))

/** R is compared at 1e-9 % so that 19.2 / 32 × 100 lands on 60, not 60.00000000000001. */
const SCALE = 1e9

/** Drought grade for a relative soil moisture R in %; R above 100 (after rain or irrigation) is "none". */
export function droughtGrade (relativeMoisturePct: number, thresholdsPct: readonly number[] = DROUGHT_THRESHOLDS_PCT): DroughtGrade {
  if (typeof relativeMoisturePct !== 'number' || !Number.isFinite(relativeMoisturePct) || relativeMoisturePct < 0) {
    throw new RangeError(`Relative soil moisture must be a finite number ≥ 0 %; got ${String(relativeMoisturePct)}.`)
  }
  if (thresholdsPct.length !== 4 || thresholdsPct.some((v, i) => !Number.isFinite(v) || (i > 0 && v >= thresholdsPct[i - 1]))) {
    throw new RangeError('Drought thresholds must be four decreasing percentages (light, moderate, severe, extreme upper bounds).')
  }
  const r = Math.round(relativeMoisturePct * SCALE)
  let grade = 0
  // GB/T 32136-2015: each grade's upper bound is inclusive (R = 60 % is light drought)
  for (let i = 0; i < thresholdsPct.length; i++) if (r <= Math.round(thresholdsPct[i] * SCALE)) grade = i + 1
  return GRADES[grade]
}

/**
 * R = θ / θ_fc × 100 % (GB/T 32136-2015), both on the same basis (volumetric probes: convert a
 * gravimetric field capacity with θ_v = θ_g × ρ_b / ρ_w first). Not clipped at 100. Rounded to 1e-9 %.
 */
export function relativeMoisture (vwcPct: number, fieldCapacityPct: number): number {
  if (typeof vwcPct !== 'number' || !Number.isFinite(vwcPct) || vwcPct < 0) {
    throw new RangeError(`Soil water content must be a finite number ≥ 0 %; got ${String(vwcPct)}.`)
  }
  if (typeof fieldCapacityPct !== 'number' || !Number.isFinite(fieldCapacityPct) || fieldCapacityPct <= 0) {
    throw new RangeError(`Field capacity must be a finite number > 0 %; got ${String(fieldCapacityPct)}; configure it per site and layer.`)
  }
  return Math.round((vwcPct / fieldCapacityPct) * 100 * SCALE) / SCALE
}

export type AlertSeverity = 'blue' | 'yellow' | 'orange' | 'red'

/**
 * Drought grade → alert severity for derived (sensor-based, `source: 'derived'`) alerts. The CMA drought
 * warning signal has orange and red only (orange "severe", red "extreme" — spec §4.2 [unverified]);
 * lighter grades raise nothing by default. A rule may pass its own mapping to droughtSeverity.
 */
export const DROUGHT_SEVERITY: Readonly<Record<DroughtGradeName, AlertSeverity | null>> = Object.freeze({
  none: null,
  light: null,
  moderate: null,
  severe: 'orange',
  extreme: 'red'
})

export function droughtSeverity (grade: DroughtGrade | DroughtGradeName, mapping: Readonly<Record<DroughtGradeName, AlertSeverity | null>> = DROUGHT_SEVERITY): AlertSeverity | null {
  const name = typeof grade === 'string' ? grade : grade.name
  if (!(name in mapping)) throw new RangeError(`Unknown drought grade ${String(name)}.`)
  return mapping[name]
}
