// Quality control (docs/quality-control.md): per metric flags, nothing dropped. Checks, in order:
// range (outside the catalog's physical range → bad), spike, stuck and gap (→ suspect). A device's
// own flag is kept unless a check finds something worse; it is never downgraded to ok.
// State per (device, kind, metric) lives in memory, bounded by an LRU.
import { metricSpec } from '@shennong/core/catalog.ts'
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

export function createQualityControl (config: QcConfig): QualityControl {
  const gapMs = parseDuration(config.gap.after)
  const exempt = new Set(config.stuck.exempt)
  const state = new LruMap<string, MetricState>(config.stateSize)

  function spikeLimit (kind: string, metric: string, range: number): number {
    const own = config.spike.limits[`${kind}.${metric}`] ?? config.spike.limits[metric]
    if (own !== undefined) return own
    return config.spike.relative * range
  }

  return {
    check (reading) {
      const flags: Record<string, Flag> = {}
      const findings: Record<string, QcCheck[]> = {}
      for (const [metric, value] of Object.entries(reading.metrics)) {
        const incoming: Flag = reading.flags?.[metric] ?? 'ok'
        const spec = metricSpec(reading.kind, metric)
        const key = `${reading.device}\u0000${reading.kind}\u0000${metric}`
        const prev = state.get(key)
        const checks: QcCheck[] = []
        let qc: Flag = 'ok'

        if (prev !== undefined && reading.ts === prev.ts && value === prev.value) {
          // A redelivered copy of the last reading: same verdict, state unchanged.
          flags[metric] = prev.flag
          if (prev.checks.length > 0) findings[metric] = prev.checks
          continue
        }
        if (spec !== undefined && (value < spec.min || value > spec.max)) { checks.push('range'); qc = 'bad' }

        // Sequence checks only look forward in time; an older reading arriving late is checked
        // for range only and leaves the state alone.
        const inOrder = prev === undefined || reading.ts > prev.ts
        let repeats = 1
        if (prev !== undefined && inOrder) {
          const delta = Math.abs(value - prev.value)
          const limit = spikeLimit(reading.kind, metric, spec === undefined ? 0 : spec.max - spec.min)
          if (limit > 0 && delta > limit) checks.push('spike')
          if (delta <= config.stuck.tolerance) repeats = prev.repeats + 1
          if (config.stuck.count > 0 && repeats >= config.stuck.count && !exempt.has(metric) && !exempt.has(`${reading.kind}.${metric}`)) checks.push('stuck')
          if (gapMs > 0 && reading.ts - prev.ts > gapMs) checks.push('gap')
          if (qc === 'ok' && checks.length > 0) qc = 'suspect'
        }
        const flag = SEVERITY[qc] > SEVERITY[incoming] ? qc : incoming
        flags[metric] = flag
        if (checks.length > 0) findings[metric] = checks
        if (inOrder) state.set(key, { ts: reading.ts, value, repeats, flag, checks })
      }
      return { flags, findings }
    },
    size: () => state.size
  }
}
