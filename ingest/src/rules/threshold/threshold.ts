// threshold: a metric above, below or outside limits, per severity level; `for` (the breach must
// last that long, by reading time) and `hysteresis` (a level clears only once the value is back
// inside by that margin, so a value hovering at a limit does not flap). Several levels escalate
// blue → yellow → orange → red and de-escalate as each clears.
import Type, { type Static } from 'typebox'
import { CATALOG, KINDS } from '@shennong/core/catalog.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { SEVERITIES, severityRank, type Severity } from '../../alerts/severity.ts'
import { unchanged, type AlertSignal, type RuleKind } from '../rule-kind.ts'

const DURATION = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$'

export const ThresholdSchema = Type.Object({
  metric: Type.String({ minLength: 1, description: 'Catalog metric name, e.g. do_mg_l.' }),
  levels: Type.Array(Type.Object({
    severity: Type.Union(SEVERITIES.map(s => Type.Literal(s))),
    above: Type.Optional(Type.Number({ description: 'Breached when the value is greater than this.' })),
    below: Type.Optional(Type.Number({ description: 'Breached when the value is less than this.' }))
  }, { additionalProperties: false }), { minItems: 1, maxItems: 4 }),
  hysteresis: Type.Number({ minimum: 0, default: 0, description: 'A level clears only when the value is back inside its limit by this much.' }),
  for: Type.String({ pattern: DURATION, default: '0s', description: 'How long a breach must last (by reading time) before the level counts.' })
}, { additionalProperties: false })

export type ThresholdRaw = Static<typeof ThresholdSchema>

interface Level { severity: Severity, above?: number, below?: number }

export interface ThresholdConfig {
  metric: string
  unit: string
  /** Ordered blue → red. */
  levels: Level[]
  hysteresis: number
  forMs: number
}

export interface ThresholdState {
  /** Per level (same order as config.levels): breached since (reading ts) and whether it counts. */
  levels: Array<{ active: boolean, since: number | null }>
  severity: Severity | null
  lastTs: number
}

function unitOf (metric: string): string | undefined {
  for (const k of KINDS) if (Object.hasOwn(CATALOG[k], metric)) return CATALOG[k][metric].unit
  return undefined
}

function describe (level: Level, value: number, metric: string, unit: string): string {
  const u = unit === '' ? '' : ` ${unit}`
  if (level.above !== undefined && value > level.above) return `${metric} ${value}${u} is above ${level.above}${u}`
  if (level.below !== undefined && value < level.below) return `${metric} ${value}${u} is below ${level.below}${u}`
  const range = [level.below !== undefined ? `≥ ${level.below}` : '', level.above !== undefined ? `≤ ${level.above}` : ''].filter(s => s !== '').join(' and ')
  return `${metric} ${value}${u} is not yet back to ${range}${u}`
}

export const threshold: RuleKind<ThresholdRaw, ThresholdConfig, ThresholdState> = {
  kind: 'threshold',
  summary: 'A metric above, below or outside limits, sustained for a duration, with hysteresis and escalation.',
  schema: ThresholdSchema,
  readingKinds: KINDS,
  compile (raw) {
    const problems: string[] = []
    const unit = unitOf(raw.metric)
    if (unit === undefined) problems.push(`metric: "${raw.metric}" is not in the metric catalog`)
    const seen = new Set<string>()
    raw.levels.forEach((l, i) => {
      if (l.above === undefined && l.below === undefined) problems.push(`levels[${i}]: give above, below or both`)
      if (l.above !== undefined && l.below !== undefined && l.below >= l.above) problems.push(`levels[${i}]: below (${l.below}) must be less than above (${l.above})`)
      if (seen.has(l.severity)) problems.push(`levels[${i}].severity: ${l.severity} appears twice`)
      seen.add(l.severity)
    })
    if (problems.length > 0) return { problems }
    const levels = [...raw.levels].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))
    return { config: { metric: raw.metric, unit: unit ?? '', levels, hysteresis: raw.hysteresis, forMs: parseDuration(raw.for) } }
  },
  subject: (_config, reading) => reading.device,
  initial: config => ({ levels: config.levels.map(() => ({ active: false, since: null })), severity: null, lastTs: 0 }),
  evaluate (config, state, reading) {
    const v = reading.metrics[config.metric]
    if (v === undefined || reading.ts < state.lastTs) return unchanged(state)
    const h = config.hysteresis
    const levels = config.levels.map((level, i) => {
      const prev = state.levels[i] ?? { active: false, since: null }
      const breached = (level.above !== undefined && v > level.above) || (level.below !== undefined && v < level.below)
      const cleared = (level.above === undefined || v <= level.above - h) && (level.below === undefined || v >= level.below + h)
      if (prev.active) return cleared ? { active: false, since: null } : prev
      if (!breached) return { active: false, since: null }
      const since = prev.since ?? reading.ts
      return { active: reading.ts - since >= config.forMs, since }
    })
    let top = -1
    levels.forEach((l, i) => { if (l.active) top = i })
    const severity = top < 0 ? null : config.levels[top].severity
    const alerts: AlertSignal[] = []
    if (severity !== state.severity) {
      if (severity === null) {
        alerts.push({ action: 'clear', value: v, message: `${config.metric} ${v} is back within limits`, ts: reading.ts, seq: reading.seq })
      } else {
        const level = config.levels[top]
        alerts.push({
          action: 'raise',
          severity,
          value: v,
          message: describe(level, v, config.metric, config.unit),
          ts: reading.ts,
          seq: reading.seq,
          details: { metric: config.metric, ...(level.above !== undefined ? { above: level.above } : {}), ...(level.below !== undefined ? { below: level.below } : {}) }
        })
      }
    }
    return { state: { levels, severity, lastTs: reading.ts }, alerts }
  }
}
