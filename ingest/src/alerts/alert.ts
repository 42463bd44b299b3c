// ARCHITECTURE §7: an alert and the events of its life. One alert per (rule, subject) at a time;
// `state` goes open → acknowledged → resolved, and every step is kept as an event (history).
import type { Severity } from './severity.ts'

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const
export type AlertState = typeof ALERT_STATES[number]

export interface Alert {
  id: number
  /** Rule id. */
  rule: string
  /** The rule's kind (threshold, stale, …). */
  kind: string
  /** What the rule watches: usually the device; a plot for drought, a station for water-class. */
  subject: string
  site: string
  device: string
  severity: Severity
  state: AlertState
  /** Epoch ms at which the alert opened. */
  openedAt: number
  /** Epoch ms of the last change (severity, value, state). */
  updatedAt: number
  /** The value that raised it (or the latest one while it stays open); null when none applies. */
  value: number | null
  message: string
  /** `seq` of the reading that raised or last changed it; null for time-based alerts. */
  seq: number | null
  /** `ts` of that reading (epoch ms), or the tick time for time-based alerts. */
  ts: number
  acknowledgedAt: number | null
  acknowledgedBy: string | null
  resolvedAt: number | null
  resolvedBy: string | null
  /** Kind-specific facts (limiting items, zone, AQI category, …). */
  details: Record<string, unknown>
}

export const ALERT_EVENT_TYPES = ['opened', 'escalated', 'de-escalated', 'updated', 'acknowledged', 'resolved'] as const
export type AlertEventType = typeof ALERT_EVENT_TYPES[number]

/** One step in an alert's life, as the store recorded it; sinks publish these. */
export interface AlertEvent {
  /** Increasing id of the event in the store. */
  id: number
  type: AlertEventType
  /** Epoch ms. */
  at: number
  /** Who made the change: `rule:<id>` for the engine, a principal id for a person. */
  by: string
  note: string | null
  /** The alert after the change. */
  alert: Alert
}
