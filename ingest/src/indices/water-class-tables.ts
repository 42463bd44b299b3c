// GB 3838-2002 Table 1 (地表水环境质量标准基本项目标准限值), spec/water-quality.md §1 [verified].
// Limits in mg/L unless stated; index 0…4 = class I…V. Data only; water-class.ts classifies.

export type WaterClass = 'I' | 'II' | 'III' | 'IV' | 'V' | 'worse-than-V'

export const WATER_CLASSES: readonly WaterClass[] = Object.freeze(['I', 'II', 'III', 'IV', 'V', 'worse-than-V'])

/** "≤" items: the best class whose upper limit the value does not exceed (inclusive). */
export type UpperLimitMetric =
  'codmn_mg_l' | 'cod_mg_l' | 'bod5_mg_l' | 'nh3n_mg_l' | 'tp_mg_l' | 'tn_mg_l' |
  'cu_mg_l' | 'zn_mg_l' | 'fluoride_mg_l' | 'se_mg_l' | 'as_mg_l' | 'hg_mg_l' | 'cd_mg_l' | 'cr6_mg_l' |
  'pb_mg_l' | 'cyanide_mg_l' | 'phenol_mg_l' | 'petroleum_mg_l' | 'las_mg_l' | 'sulfide_mg_l' |
  'fecal_coliform_per_l'

export type SurfaceWaterMetric = 'ph' | 'do_mg_l' | UpperLimitMetric

type Limits = readonly [number, number, number, number, number]

// GB 3838-2002 Table 1, items 4–24 (item numbers in comments).
export const UPPER_LIMITS: Readonly<Record<Exclude<UpperLimitMetric, 'tp_mg_l'>, Limits>> = Object.freeze({
  codmn_mg_l: [2, 4, 6, 10, 15], // 4 permanganate index
  cod_mg_l: [15, 15, 20, 30, 40], // 5 COD: class I and II share 15, so 15.1 is class III
  bod5_mg_l: [3, 3, 4, 6, 10], // 6
  nh3n_mg_l: [0.15, 0.5, 1.0, 1.5, 2.0], // 7 NH3-N, class III ≤ 1.0
  tn_mg_l: [0.2, 0.5, 1.0, 1.5, 2.0], // 9 TN (lakes and reservoirs, as N)
  cu_mg_l: [0.01, 1.0, 1.0, 1.0, 1.0], // 10
  zn_mg_l: [0.05, 1.0, 1.0, 2.0, 2.0], // 11
  fluoride_mg_l: [1.0, 1.0, 1.0, 1.5, 1.5], // 12 (as F-)
  se_mg_l: [0.01, 0.01, 0.01, 0.02, 0.02], // 13
  as_mg_l: [0.05, 0.05, 0.05, 0.1, 0.1], // 14
  hg_mg_l: [0.00005, 0.00005, 0.0001, 0.001, 0.001], // 15
  cd_mg_l: [0.001, 0.005, 0.005, 0.005, 0.01], // 16
  cr6_mg_l: [0.01, 0.05, 0.05, 0.05, 0.1], // 17 chromium (VI)
  pb_mg_l: [0.01, 0.01, 0.05, 0.05, 0.1], // 18
  cyanide_mg_l: [0.005, 0.05, 0.2, 0.2, 0.2], // 19
  phenol_mg_l: [0.002, 0.002, 0.005, 0.01, 0.1], // 20 volatile phenol
  petroleum_mg_l: [0.05, 0.05, 0.05, 0.5, 1.0], // 21
  las_mg_l: [0.2, 0.2, 0.2, 0.3, 0.3], // 22 anionic surfactant
  sulfide_mg_l: [0.05, 0.1, 0.2, 0.5, 1.0], // 23
  fecal_coliform_per_l: [200, 2000, 10000, 20000, 40000] // 24 (count/L)
})

// GB 3838-2002 Table 1 item 8, total phosphorus (as P): rivers vs lakes and reservoirs.
export const TP_LIMITS: Readonly<{ river: Limits, lake: Limits }> = Object.freeze({
  river: [0.02, 0.1, 0.2, 0.3, 0.4],
  lake: [0.01, 0.025, 0.05, 0.1, 0.2]
})

// GB 3838-2002 Table 1 item 3, dissolved oxygen "≥": class I is 90 % saturation or 7.5 mg/L.
export const DO_LOWER_LIMITS: Limits = Object.freeze([7.5, 6, 5, 3, 2]) as Limits
export const DO_CLASS_I_SATURATION_PCT = 90

// GB 3838-2002 Table 1 item 2: pH 6–9 for all classes.
export const PH_RANGE: readonly [number, number] = Object.freeze([6, 9]) as readonly [number, number]

/**
 * Items that count for the overall class (环办〔2011〕22号 as quoted publicly [practice]): Table 1
 * without water temperature, total nitrogen and fecal coliform, which are reference items.
 */
export const REFERENCE_ONLY: ReadonlySet<SurfaceWaterMetric> = new Set<SurfaceWaterMetric>(['tn_mg_l', 'fecal_coliform_per_l'])

/** Qualitative wording commonly attached to the classes (spec §2 [practice]). */
export const WATER_QUALITY_WORDS: Readonly<Record<WaterClass, { zh: string, en: string }>> = Object.freeze({
  I: { zh: '优', en: 'excellent' },
  II: { zh: '优', en: 'excellent' },
  III: { zh: '良好', en: 'good' },
  IV: { zh: '轻度污染', en: 'lightly polluted' },
  V: { zh: '中度污染', en: 'moderately polluted' },
  'worse-than-V': { zh: '重度污染', en: 'heavily polluted' }
})

/** 劣Ⅴ类 and friends, for display. */
export const WATER_CLASS_ZH: Readonly<Record<WaterClass, string>> = Object.freeze({
  I: 'Ⅰ类', II: 'Ⅱ类', III: 'Ⅲ类', IV: 'Ⅳ类', V: 'Ⅴ类', 'worse-than-V': '劣Ⅴ类'
})
