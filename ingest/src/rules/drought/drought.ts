// drought: relative soil moisture R = θ / θ_fc × 100 % per plot (spec/air-soil-agri.md §2.1; θ the
// volumetric water content of the plot's probes, θ_fc its field capacity on the same basis, from
// the rule config), graded per GB/T 32136-2015 with droughtGrade (§2.2); the grade maps to a
// severity. R is the mean over the plot's probes' latest values. A grade improves only once R is
// better by `hysteresis` points, so a plot hovering at a boundary does not flap.
import Type, { type Static } from 'typebox'
import { parseDuration } from '@shennong/core/duration.ts'
import { droughtGrade, relativeMoisture, type DroughtGradeName } from '../../indices/drought.ts'
import type { Severity } from '../../alerts/severity.ts'
import { unchanged, type RuleKind } from '../rule-kind.ts'
import { compileGlobs, type Matcher } from '../scope.ts'
import { Duration, SeverityOrNone } from '../schema-parts.ts'

export const DroughtSchema = Type.Object({
  plots: Type.Array(Type.Object({
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    site: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    devices: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['*'], description: 'Probes of the plot (globs), in the configured layer (e.g. 0–20 cm).' }),
    fieldCapacityPct: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Field capacity, volumetric % (same basis as the probes).' })
  }, { additionalProperties: false }), { minItems: 1 }),
  severities: Type.Object({
    light: SeverityOrNone, moderate: SeverityOrNone, severe: SeverityOrNone, extreme: SeverityOrNone
  }, { additionalProperties: false, default: { light: 'blue', moderate: 'yellow', severe: 'orange', extreme: 'red' } }),
  hysteresis: Type.Number({ minimum: 0, maximum: 20, default: 2, description: 'Relative-moisture points R must recover beyond a boundary before the grade improves.' }),
  maxAge: Duration('6h', 'A probe whose latest value is older than this (behind the plot\'s newest) no longer counts.')
}, { additionalProperties: false })

export type DroughtRaw = Static<typeof DroughtSchema>
export interface DroughtConfig {
  plots: Array<{ id: string, site: string, device: Matcher, fieldCapacityPct: number }>
  severities: Record<Exclude<DroughtGradeName, 'none'>, Severity | null>
  hysteresis: number
  maxAgeMs: number
}
export interface DroughtState { probes: Record<string, [number, number]>, grade: number, severity: Severity | null }

function plotOf (config: DroughtConfig, site: string, device: string): DroughtConfig['plots'][number] | undefined {
  return config.plots.find(p => p.site === site && p.device(device))
}

export const drought: RuleKind<DroughtRaw, DroughtConfig, DroughtState> = {
  kind: 'drought',
  summary: 'Relative soil moisture per plot graded per GB/T 32136-2015.',
  schema: DroughtSchema,
  readingKinds: ['soil'],
  compile (raw) {
    const ids = raw.plots.map(p => p.id)
    if (new Set(ids).size !== ids.length) return { problems: ['plots: a plot id appears twice'] }
    const sev = (v: string): Severity | null => v === 'none' ? null : v as Severity
    return {
      config: {
        plots: raw.plots.map(p => ({ id: p.id, site: p.site, device: compileGlobs(p.devices), fieldCapacityPct: p.fieldCapacityPct })),
        severities: { light: sev(raw.severities.light), moderate: sev(raw.severities.moderate), severe: sev(raw.severities.severe), extreme: sev(raw.severities.extreme) },
        hysteresis: raw.hysteresis,
        maxAgeMs: parseDuration(raw.maxAge)
      }
    }
  },
  subject: (config, reading) => plotOf(config, reading.site, reading.device)?.id ?? null,
  initial: () => ({ probes: {}, grade: 0, severity: null }),
  evaluate (config, state, reading) {
    const vwc = reading.metrics.moisture_vwc_pct
    const plot = plotOf(config, reading.site, reading.device)
    if (vwc === undefined || plot === undefined) return unchanged(state)
    const probes: Record<string, [number, number]> = {}
    for (const [d, [v, ts]] of Object.entries(state.probes)) if (ts >= reading.ts - config.maxAgeMs) probes[d] = [v, ts]
    const prev = probes[reading.device]
    if (prev !== undefined && reading.ts < prev[1]) return unchanged(state)
    probes[reading.device] = [vwc, reading.ts]
    const rs = Object.values(probes).map(([v]) => relativeMoisture(v, plot.fieldCapacityPct))
    const r = rs.reduce((a, b) => a + b, 0) / rs.length
    let grade: number = droughtGrade(r).grade
    if (grade < state.grade) grade = Math.min(state.grade, droughtGrade(r - config.hysteresis).grade)
    const g = droughtGrade(r)
    const name = (['none', 'light', 'moderate', 'severe', 'extreme'] as const)[grade]
    const severity = name === 'none' ? null : config.severities[name]
    const next = { probes, grade, severity }
    const rText = Math.round(r * 100) / 100
    if (severity === state.severity) return { state: next, alerts: [] }
    if (severity === null) {
      return { state: next, alerts: [{ action: 'clear', value: rText, message: `relative soil moisture ${rText} % (${g.zh} ${g.name})`, ts: reading.ts, seq: reading.seq }] }
    }
    return {
      state: next,
      alerts: [{
        action: 'raise',
        severity,
        value: rText,
        message: `plot ${plot.id}: relative soil moisture ${rText} % → ${name} drought (GB/T 32136-2015)`,
        ts: reading.ts,
        seq: reading.seq,
        details: { plot: plot.id, grade, gradeName: name, relativeMoisturePct: rText, fieldCapacityPct: plot.fieldCapacityPct, probes: Object.keys(probes).length }
      }]
    }
  }
}
