// rate: how much a metric changed within a sliding window (by reading time), e.g. a dissolved-
// oxygen crash in a fish pond: `direction: drop` measures from the window's highest value down to
// the newest, `rise` from the lowest up. Levels escalate like threshold; a level clears when the
// change in the window falls below its amount minus `hysteresis`.
import Type, { type Static } from 'typebox'
import { CATALOG as CATALOG_OF, KINDS } from '@shennong/core/catalog.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { severityRank, type Severity } from '../../alerts/severity.ts'
import { unchanged, type AlertSignal, type RuleKind } from '../rule-kind.ts'
import { Duration, SeveritySchema } from '../schema-parts.ts'

export const RateSchema = Type.Object({
  metric: Type.String({ minLength: 1 }),
  window: Duration(undefined, 'Sliding window, e.g. "30m".'),
  direction: Type.Union([Type.Literal('drop'), Type.Literal('rise')]),
  levels: Type.Array(Type.Object({
    severity: SeveritySchema,
    change: Type.Number({ exclusiveMinimum: 0, description: 'Change within the window (metric units) that raises this level.' })
  }, { additionalProperties: false }), { minItems: 1, maxItems: 4 }),
  hysteresis: Type.Number({ minimum: 0, default: 0 }),
  maxSamples: Type.Integer({ minimum: 2, maximum: 10_000, default: 720, description: 'Samples kept per subject (oldest go first).' })
}, { additionalProperties: false })

export type RateRaw = Static<typeof RateSchema>
export interface RateConfig { metric: string, windowMs: number, direction: 'drop' | 'rise', levels: Array<{ severity: Severity, change: number }>, hysteresis: number, maxSamples: number }
export interface RateState { samples: Array<[number, number]>, active: boolean[], severity: Severity | null }

export const rate: RuleKind<RateRaw, RateConfig, RateState> = {
  kind: 'rate',
  summary: 'Change of a metric within a sliding window (a DO crash, a sudden EC rise).',
  schema: RateSchema,
  readingKinds: KINDS,
  compile (raw) {
    const problems: string[] = []
    if (!KINDS.some(k => raw.metric in CATALOG_NAMES[k])) problems.push(`metric: "${raw.metric}" is not in the metric catalog`)
    const severities = raw.levels.map(l => l.severity)
    if (new Set(severities).size !== severities.length) problems.push('levels: a severity appears twice')
    if (problems.length > 0) return { problems }
    const levels = [...raw.levels].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))
    return { config: { metric: raw.metric, windowMs: parseDuration(raw.window), direction: raw.direction, levels, hysteresis: raw.hysteresis, maxSamples: raw.maxSamples } }
  },
  subject: (_config, reading) => reading.device,
  initial: config => ({ samples: [], active: config.levels.map(() => false), severity: null }),
  evaluate (config, state, reading) {
    const v = reading.metrics[config.metric]
    const last = state.samples[state.samples.length - 1]
    if (v === undefined || (last !== undefined && reading.ts <= last[0])) return unchanged(state)
    const samples = state.samples.filter(([ts]) => ts >= reading.ts - config.windowMs)
    samples.push([reading.ts, v])
    while (samples.length > config.maxSamples) samples.shift()
    const values = samples.map(s => s[1])
    const change = config.direction === 'drop' ? Math.max(...values) - v : v - Math.min(...values)
    const active = config.levels.map((level, i) => state.active[i] === true ? change > level.change - config.hysteresis : change >= level.change)
    let top = -1
    active.forEach((a, i) => { if (a) top = i })
    const severity = top < 0 ? null : config.levels[top].severity
    const alerts: AlertSignal[] = []
    const amount = Math.round(change * 1000) / 1000
    if (severity !== state.severity) {
      alerts.push(severity === null
        ? { action: 'clear', value: amount, message: `${config.metric} ${config.direction} within ${config.windowMs / 60_000} min is back to ${amount}`, ts: reading.ts, seq: reading.seq }
        : { action: 'raise', severity, value: amount, message: `${config.metric} ${config.direction === 'drop' ? 'dropped' : 'rose'} by ${amount} within ${config.windowMs / 60_000} min (now ${v})`, ts: reading.ts, seq: reading.seq, details: { metric: config.metric, change: amount, current: v } })
    }
    return { state: { samples, active, severity }, alerts }
  }
}

const CATALOG_NAMES = Object.fromEntries(KINDS.map(k => [k, Object.fromEntries(Object.keys(CATALOG_OF[k]).map(m => [m, true]))]))
