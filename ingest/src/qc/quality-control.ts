// Quality control (docs/quality-control.md): per metric flags, nothing dropped. Checks, in order:
// range (outside the catalog's physical range → bad), spike, stuck and gap (→ suspect). A device's
// own flag is kept unless a check finds something worse; it is never downgraded to ok.
// State per (device, kind, metric) lives in memory: one entry per (device, kind) in an LRU, with
// its metrics' states inside, so a reading costs one keyed lookup; bounded by the number of
// (device, kind, metric) states held.
import { metricSpec, type Kind } from '@shennong/core/catalog.ts'
import type { Flag, Reading } from '@shennong/core/reading.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import type { QcConfig } from '../config.ts'
import { LruMap } from './lru-map.ts'

export type QcCheck = 'range' | 'spike' | 'stuck' | 'gap'

// How much a flag says "do not use as is": the stronger flag wins; on a tie the device's stays.
const SEVERITY: Record<Flag, number> = { ok: 0, estimated: 1, suspect: 2, calibration: 3, maintenance: 3, bad: 4 }

interface MetricState {
  ts: number
  value: number
  /** Consecutive equal values ending with `value` (1 = just this one). */
  repeats: number
  /** Flag given to the reading at `ts`, for a redelivered copy of it. */
  flag: Flag
  checks: QcCheck[]
}

export interface QcResult {
  /** Every metric of the reading with its final flag. */
  flags: Record<string, Flag>
  /** The checks that fired, per metric (only metrics where one did). */
  findings: Record<string, QcCheck[]>
}

export interface QualityControl {
  check: (reading: Reading) => QcResult
  /** (device, kind, metric) states held. */
  size: () => number
}

/** What the checks need to know about one (kind, metric), worked out once. */
interface MetricRule {
  min: number
  max: number
  hasRange: boolean
  spikeLimit: number
  exempt: boolean
}

const NO_CHECKS: QcCheck[] = []
const NO_FINDINGS: Record<string, QcCheck[]> = Object.freeze({})

export function createQualityControl (config: QcConfig): QualityControl {
  const gapMs = parseDuration(config.gap.after)
  const exempt = new Set(config.stuck.exempt)
  let held = 0
  const series = new LruMap<string, Map<string, MetricState>>(config.stateSize, (_key, states) => { held -= states.size })
  // kind → metric → rule; kinds and metrics come from the catalog, so this stays small.
  const rules = new Map<Kind, Map<string, MetricRule>>()

  function spikeLimit (kind: string, metric: string, range: number): number {
    const own = config.spike.limits[`${kind}.${metric}`] ?? config.spike.limits[metric]
    if (own !== undefined) return own
    return config.spike.relative * range
  }

  function ruleFor (kind: Kind, metric: string): MetricRule {
    let byMetric = rules.get(kind)
    if (byMetric === undefined) { byMetric = new Map(); rules.set(kind, byMetric) }
    let rule = byMetric.get(metric)
    if (rule === undefined) {
      const spec = metricSpec(kind, metric)
      rule = {
        min: spec?.min ?? 0,
        max: spec?.max ?? 0,
        hasRange: spec !== undefined,
        spikeLimit: spikeLimit(kind, metric, spec === undefined ? 0 : spec.max - spec.min),
        exempt: exempt.has(metric) || exempt.has(`${kind}.${metric}`)
      }
      if (byMetric.size < 10_000) byMetric.set(metric, rule)
    }
    return rule
  }

  return {
    check (reading) {
      const flags: Record<string, Flag> = {}
      let findings: Record<string, QcCheck[]> | undefined
      const own = reading.flags
      const metrics = reading.metrics
      const key = reading.device + '\u0000' + reading.kind
      // Reading the states makes them the most recent; in-order readings update them in place.
      let states = series.get(key)
      for (const metric in metrics) {
        const value = metrics[metric]
        const incoming: Flag = own?.[metric] ?? 'ok'
        const rule = ruleFor(reading.kind, metric)
        const prev = states?.get(metric)
        let checks = NO_CHECKS
        let qc: Flag = 'ok'

        if (prev !== undefined && reading.ts === prev.ts && value === prev.value) {
          // A redelivered copy of the last reading: same verdict, state unchanged.
          flags[metric] = prev.flag
          if (prev.checks.length > 0) (findings ??= {})[metric] = prev.checks
          continue
        }
        if (rule.hasRange && (value < rule.min || value > rule.max)) { checks = ['range']; qc = 'bad' }

        // Sequence checks only look forward in time; an older reading arriving late is checked
        // for range only and leaves the state alone.
        const inOrder = prev === undefined || reading.ts > prev.ts
        let repeats = 1
        if (prev !== undefined && inOrder) {
          const delta = Math.abs(value - prev.value)
          if (rule.spikeLimit > 0 && delta > rule.spikeLimit) checks = checks === NO_CHECKS ? ['spike'] : [...checks, 'spike']
          if (delta <= config.stuck.tolerance) repeats = prev.repeats + 1
          if (config.stuck.count > 0 && repeats >= config.stuck.count && !rule.exempt) checks = checks === NO_CHECKS ? ['stuck'] : [...checks, 'stuck']
          if (gapMs > 0 && reading.ts - prev.ts > gapMs) checks = checks === NO_CHECKS ? ['gap'] : [...checks, 'gap']
          if (qc === 'ok' && checks.length > 0) qc = 'suspect'
        }
        const flag = SEVERITY[qc] > SEVERITY[incoming] ? qc : incoming
        flags[metric] = flag
        if (checks.length > 0) (findings ??= {})[metric] = checks
        if (inOrder) {
          if (prev === undefined) {
            if (states === undefined) { states = new Map(); series.set(key, states) }
            states.set(metric, { ts: reading.ts, value, repeats, flag, checks })
            held++
            // Over the bound: the least recently seen (device, kind) go, never this one.
            while (held > config.stateSize && series.size > 1) series.shift()
          } else { prev.ts = reading.ts; prev.value = value; prev.repeats = repeats; prev.flag = flag; prev.checks = checks }
        }
      }
      return { flags, findings: findings ?? NO_FINDINGS }
    },
    size: () => held
  }
}
