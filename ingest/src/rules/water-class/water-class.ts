// water-class: the GB 3838-2002 class of a station (spec/water-quality.md §2, single-factor: the
// worst class among the measured items) from its latest value of each item, compared with the
// target class of its site. Worse than the target raises an alert naming the limiting items; the
// severity grows with the number of classes between them. Every reading that classes the station is
// also reported as an index observation (measurement `water_class`, time = the reading's): the
// dashboards' class over time and limiting items.
import Type, { type Static } from 'typebox'
import { parseDuration } from '@shennong/core/duration.ts'
import { classifySurfaceWater, WATER_CLASSES, type SurfaceWaterValues, type WaterClass } from '../../indices/water-class.ts'
import { SEVERITIES, type Severity } from '../../alerts/severity.ts'
import { unchanged, type IndexObservation, type RuleKind } from '../rule-kind.ts'
import { Duration, SeveritySchema } from '../schema-parts.ts'

// Water metrics of the catalog that GB 3838 Table 1 classes.
const ITEMS = ['ph', 'do_mg_l', 'codmn_mg_l', 'cod_mg_l', 'bod5_mg_l', 'nh3n_mg_l', 'tp_mg_l', 'tn_mg_l'] as const
const TARGET = Type.Union(['I', 'II', 'III', 'IV', 'V'].map(c => Type.Literal(c)))

export const WaterClassSchema = Type.Object({
  targets: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), TARGET, { description: 'Site → target class (水质目标).' }),
  defaultTarget: Type.Optional(TARGET),
  waterBodies: Type.Record(Type.String(), Type.Union([Type.Literal('river'), Type.Literal('lake'), Type.Literal('reservoir')]), { default: {}, description: 'Site → water body (TP column); default river.' }),
  tn: Type.Union([Type.Literal('reference'), Type.Literal('evaluate')], { default: 'reference' }),
  maxAge: Duration('26h', 'A value older than this (behind the station\'s newest reading) no longer counts.'),
  severities: Type.Array(SeveritySchema, { minItems: 1, maxItems: 5, default: ['yellow', 'orange', 'red'], description: 'Severity for 1, 2, 3… classes worse than the target (the last repeats).' })
}, { additionalProperties: false })

export type WaterClassRaw = Static<typeof WaterClassSchema>
type Target = Exclude<WaterClass, 'worse-than-V'>
export interface WaterClassConfig {
  targets: Record<string, Target>
  defaultTarget: Target | undefined
  waterBodies: Record<string, 'river' | 'lake' | 'reservoir'>
  tn: 'reference' | 'evaluate'
  maxAgeMs: number
  severities: Severity[]
}
export interface WaterClassState { values: Record<string, [number, number]>, severity: Severity | null }

/** Measurement of the class observations. */
export const WATER_CLASS_INDEX = 'water_class'

/** The station's class at `ts`: class_number 1–6 (6 = worse than V), class, limiting items, target. */
export function waterClassObservation (ts: number, result: { class: string, classNumber: number, limiting: Array<{ metric: string }> }, target: Target): IndexObservation {
  return {
    index: WATER_CLASS_INDEX,
    ts,
    values: {
      class_number: { int: result.classNumber },
      class: result.class,
      limiting: result.limiting.map(l => l.metric).join(','),
      target_number: { int: WATER_CLASSES.indexOf(target) + 1 }
    }
  }
}

function targetOf (config: WaterClassConfig, site: string): Target | undefined {
  return config.targets[site] ?? config.defaultTarget
}

export const waterClass: RuleKind<WaterClassRaw, WaterClassConfig, WaterClassState> = {
  kind: 'water-class',
  summary: 'GB 3838-2002 class of a station worse than its site\'s target class, naming the limiting items.',
  schema: WaterClassSchema,
  readingKinds: ['water'],
  compile (raw) {
    const bad = raw.severities.filter(s => !(SEVERITIES as readonly string[]).includes(s))
    if (bad.length > 0) return { problems: [`severities: unknown ${bad.join(', ')}`] }
    return { config: { targets: raw.targets as Record<string, Target>, defaultTarget: raw.defaultTarget as Target | undefined, waterBodies: raw.waterBodies, tn: raw.tn, maxAgeMs: parseDuration(raw.maxAge), severities: raw.severities } }
  },
  subject: (config, reading) => targetOf(config, reading.site) === undefined ? null : reading.device,
  initial: () => ({ values: {}, severity: null }),
  evaluate (config, state, reading) {
    const target = targetOf(config, reading.site) as Target
    const fresh = ITEMS.filter(m => reading.metrics[m] !== undefined)
    if (fresh.length === 0) return unchanged(state)
    const values: Record<string, [number, number]> = {}
    for (const [m, [v, ts]] of Object.entries(state.values)) if (ts >= reading.ts - config.maxAgeMs) values[m] = [v, ts]
    for (const m of fresh) {
      const prev = values[m]
      if (prev === undefined || reading.ts >= prev[1]) values[m] = [reading.metrics[m], reading.ts]
    }
    const input: SurfaceWaterValues = Object.fromEntries(Object.entries(values).map(([m, [v]]) => [m, v]))
    const result = classifySurfaceWater(input, { waterBody: config.waterBodies[reading.site] ?? 'river', tn: config.tn, targetClass: target })
    const targetNumber = WATER_CLASSES.indexOf(target) + 1
    const gap = result.classNumber === null ? 0 : result.classNumber - targetNumber
    const severity = gap > 0 ? config.severities[Math.min(gap, config.severities.length) - 1] : null
    const next = { values, severity }
    const indices = result.class === null || result.classNumber === null ? [] : [waterClassObservation(reading.ts, { class: result.class, classNumber: result.classNumber, limiting: result.limiting }, target)]
    if (severity === state.severity) return { state: next, alerts: [], indices }
    const klass = result.class === 'worse-than-V' ? '劣V (worse than V)' : result.class ?? '?'
    if (severity === null) {
      return { state: next, alerts: [{ action: 'clear', value: result.classNumber, message: `class ${klass} meets target ${target}`, ts: reading.ts, seq: reading.seq }], indices }
    }
    const limiting = result.limiting.map(l => `${l.metric} ${l.value} (${l.class})`).join(', ')
    return {
      state: next,
      alerts: [{
        action: 'raise',
        severity,
        value: result.classNumber,
        message: `GB 3838 class ${klass} is worse than target ${target}; limiting: ${limiting}`,
        ts: reading.ts,
        seq: reading.seq,
        details: { class: result.class, target, limiting: result.limiting.map(l => l.metric), evaluated: result.evaluated }
      }],
      indices
    }
  }
}
