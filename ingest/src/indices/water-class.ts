// Surface-water class per GB 3838-2002 (single-factor evaluation), spec/water-quality.md §2.
// Pure. Bad options throw TypeError; bad values never throw: a negative, non-finite or (pH) out-of-0–14
// value is listed in `rejected` and takes no part in the class.

import {
  DO_CLASS_I_SATURATION_PCT, DO_LOWER_LIMITS, PH_RANGE, REFERENCE_ONLY, TP_LIMITS, UPPER_LIMITS,
  WATER_CLASSES, WATER_CLASS_ZH, WATER_QUALITY_WORDS
} from './water-class-tables.ts'
import type { SurfaceWaterMetric, UpperLimitMetric, WaterClass } from './water-class-tables.ts'

export { WATER_CLASSES, WATER_CLASS_ZH, WATER_QUALITY_WORDS }
export type { SurfaceWaterMetric, WaterClass }

/**
 * Values by catalog metric name (mg/L; pH dimensionless; fecal coliform count/L). Convert µg/L device
 * units before calling. Keys this function does not know (temperature_c, turbidity_ntu, …) are ignored.
 */
export type SurfaceWaterValues = Partial<Record<SurfaceWaterMetric | 'do_saturation_pct', number | null>>

export interface SurfaceWaterOptions {
  /** TP column: 'lake' and 'reservoir' use the lake/reservoir limits; default 'river'. */
  waterBody?: 'river' | 'lake' | 'reservoir'
  /** TN is a reference item by default (spec §2); 'evaluate' lets it set the overall class. */
  tn?: 'reference' | 'evaluate'
  /** pH outside 6–9: 'worse-than-V' (default, spec §2 [interpretation]) or 'reference' (reported, not counted). */
  phOutOfRange?: 'worse-than-V' | 'reference'
  /** Class whose limit the exceedance multiple is computed against; default 'III'. */
  targetClass?: Exclude<WaterClass, 'worse-than-V'>
}

export interface MetricClass {
  value: number
  /** Class of this item; null for pH inside 6–9 (it does not restrict the class). */
  class: WaterClass | null
  /** Whether this item takes part in the overall class. */
  counts: boolean
  /** (C − limit) / limit against the target class when C > limit; null otherwise and for pH and DO. */
  exceedance: number | null
}

export interface SurfaceWaterResult {
  /** Worst class among the counting items; null when no counting item could be classed. */
  class: WaterClass | null
  /** 1…6 (6 = worse than V), or null. */
  classNumber: number | null
  /** Items that have the overall class, when it is worse than I; Table 1 order. */
  limiting: Array<{ metric: SurfaceWaterMetric, value: number, class: WaterClass }>
  perMetric: Partial<Record<SurfaceWaterMetric, MetricClass>>
  /** Items that counted, Table 1 order: the overall class is "based on the measured items". */
  evaluated: SurfaceWaterMetric[]
  rejected: Array<{ metric: string, value: unknown, reason: 'negative' | 'not-finite' | 'out-of-range' }>
  quality: { zh: string, en: string } | null
  waterBody: 'river' | 'lake' | 'reservoir'
}

// GB 3838-2002 Table 1 order.
const ORDER: readonly SurfaceWaterMetric[] = [
  'ph', 'do_mg_l', 'codmn_mg_l', 'cod_mg_l', 'bod5_mg_l', 'nh3n_mg_l', 'tp_mg_l', 'tn_mg_l', 'cu_mg_l', 'zn_mg_l',
  'fluoride_mg_l', 'se_mg_l', 'as_mg_l', 'hg_mg_l', 'cd_mg_l', 'cr6_mg_l', 'pb_mg_l', 'cyanide_mg_l',
  'phenol_mg_l', 'petroleum_mg_l', 'las_mg_l', 'sulfide_mg_l', 'fecal_coliform_per_l'
]

/** Values and limits are compared as integers at 1e-9 of the unit, so a value on a limit is exactly on it. */
const SCALE = 1e9
const scaled = (v: number): number => Math.round(v * SCALE)

export function classifySurfaceWater (values: SurfaceWaterValues, opts: SurfaceWaterOptions = {}): SurfaceWaterResult {
  if (values === null || typeof values !== 'object') throw new TypeError('classifySurfaceWater needs an object of values by metric name.')
  const waterBody = opts.waterBody ?? 'river'
  const tn = opts.tn ?? 'reference'
  const phRule = opts.phOutOfRange ?? 'worse-than-V'
  const target = opts.targetClass ?? 'III'
  if (!['river', 'lake', 'reservoir'].includes(waterBody)) throw new TypeError(`opts.waterBody must be river, lake or reservoir; got ${String(waterBody)}.`)
  if (tn !== 'reference' && tn !== 'evaluate') throw new TypeError(`opts.tn must be 'reference' or 'evaluate'; got ${String(tn)}.`)
  if (phRule !== 'worse-than-V' && phRule !== 'reference') throw new TypeError(`opts.phOutOfRange must be 'worse-than-V' or 'reference'; got ${String(phRule)}.`)
  const targetIndex = WATER_CLASSES.indexOf(target)
  if (targetIndex < 0 || targetIndex > 4) throw new TypeError(`opts.targetClass must be I…V; got ${String(target)}.`)

  const perMetric: Partial<Record<SurfaceWaterMetric, MetricClass>> = {}
  const rejected: SurfaceWaterResult['rejected'] = []

  for (const metric of ORDER) {
    const raw = values[metric]
    if (raw === undefined || raw === null) continue
    if (typeof raw !== 'number' || !Number.isFinite(raw)) { rejected.push({ metric, value: raw, reason: 'not-finite' }); continue }
    if (raw < 0) { rejected.push({ metric, value: raw, reason: 'negative' }); continue }

    if (metric === 'ph') {
      if (raw > 14) { rejected.push({ metric, value: raw, reason: 'out-of-range' }); continue }
      // GB 3838-2002 Table 1 item 2: 6–9 for every class; outside → 劣Ⅴ [interpretation, spec §2]
      const inside = raw >= PH_RANGE[0] && raw <= PH_RANGE[1]
      perMetric.ph = { value: raw, class: inside ? null : 'worse-than-V', counts: inside || phRule === 'worse-than-V', exceedance: null }
    } else if (metric === 'do_mg_l') {
      perMetric.do_mg_l = { value: raw, class: classifyDo(raw, values.do_saturation_pct), counts: true, exceedance: null }
    } else {
      const limits = metric === 'tp_mg_l' ? TP_LIMITS[waterBody === 'river' ? 'river' : 'lake'] : UPPER_LIMITS[metric as Exclude<UpperLimitMetric, 'tp_mg_l'>]
      const v = scaled(raw)
      const index = limits.findIndex(limit => v <= scaled(limit)) // inclusive upper limits
      const limit = scaled(limits[targetIndex])
      perMetric[metric] = {
        value: raw,
        class: WATER_CLASSES[index === -1 ? 5 : index],
        counts: !REFERENCE_ONLY.has(metric) || (metric === 'tn_mg_l' && tn === 'evaluate'),
        exceedance: v > limit ? (v - limit) / limit : null
      }
    }
  }

  let worst = -1
  for (const entry of Object.values(perMetric)) {
    if (entry.counts && entry.class !== null) worst = Math.max(worst, WATER_CLASSES.indexOf(entry.class))
  }
  const overall = worst === -1 ? null : WATER_CLASSES[worst]
  const limiting: SurfaceWaterResult['limiting'] = []
  if (overall !== null && overall !== 'I') {
    for (const metric of ORDER) {
      const entry = perMetric[metric]
      if (entry?.counts === true && entry.class === overall) limiting.push({ metric, value: entry.value, class: overall })
    }
  }
  return {
    class: overall,
    classNumber: worst === -1 ? null : worst + 1,
    limiting,
    perMetric,
    evaluated: ORDER.filter(m => perMetric[m]?.counts === true),
    rejected,
    quality: overall === null ? null : WATER_QUALITY_WORDS[overall],
    waterBody
  }
}

// GB 3838-2002 Table 1 item 3: DO "≥" 90 % saturation (or 7.5), 6, 5, 3, 2 mg/L. With a usable
// saturation value, class I is decided by saturation; otherwise by 7.5 mg/L (spec §2).
function classifyDo (mgL: number, saturationPct: number | null | undefined): WaterClass {
  const v = scaled(mgL)
  const useSaturation = typeof saturationPct === 'number' && Number.isFinite(saturationPct) && saturationPct >= 0
  if (useSaturation && saturationPct >= DO_CLASS_I_SATURATION_PCT) return 'I'
  for (let i = useSaturation ? 1 : 0; i < DO_LOWER_LIMITS.length; i++) {
    if (v >= scaled(DO_LOWER_LIMITS[i])) return WATER_CLASSES[i]
  }
  return 'worse-than-V'
}
