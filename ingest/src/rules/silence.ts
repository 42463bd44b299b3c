// What the kinds that alarm on silence (stale: no data; signal-loss: no position at sea) share:
// when the alarm is due, and the alert it raises. Nothing fires until `grace` after the engine
// started, so a backlog in the ingest log can arrive first.
import { formatDuration } from '@shennong/core/duration.ts'
import type { Severity } from '../alerts/severity.ts'
import type { AlertSignal, TickContext } from './rule-kind.ts'

export interface SilenceConfig { afterMs: number, graceMs: number, severity: Severity }

/** How long it has been silent since `last` when the alarm is due at `now`; null when it is not (or nothing was ever heard). */
export function silenceDue (config: SilenceConfig, last: number, now: number, ctx: TickContext): number | null {
  if (last === 0) return null
  const silent = now - last
  return silent < config.afterMs || now - ctx.startedAt < config.graceMs ? null : silent
}

/** A silence for messages, in whole minutes (as it is when under a minute). */
export function silenceText (ms: number): string {
  return formatDuration(Math.floor(ms / 60_000) * 60_000 || ms)
}

/** The raise for a silence of `silent` ms noticed at `now`; the value is the silence in seconds. */
export function silenceAlert (config: SilenceConfig, silent: number, now: number, seq: number | null, message: string, details: Record<string, unknown>): AlertSignal {
  return { action: 'raise', severity: config.severity, value: Math.round(silent / 1000), message, ts: now, seq, details }
}
