// A rule kind (STYLE "A rule kind"): a pure function with explicit state,
// `evaluate(config, state, reading) → { state, alerts, indices? }`, and for time-based kinds
// `tick(config, state, now) → { state, alerts, indices? }`. The engine owns I/O, persistence and the
// alert lifecycle; a kind only says "raise at this severity" or "clear" for one subject, and may
// report the national index it computed (AQI of an hour, GB 3838 class) as observations, which the
// engine hands to the sinks that store series (InfluxDB measurements `aqi`, `water_class`).
import type { TSchema } from 'typebox'
import type { Kind } from '@shennong/core/catalog.ts'
import type { Reading } from '@shennong/core/reading.ts'
import type { Severity } from '../alerts/severity.ts'

/** A reading with its site (from the topic). Its metrics are only the usable ones (reading-filter.ts). */
export interface SiteReading extends Reading {
  site: string
}

/** What a kind asks of the alert lifecycle for the subject it evaluated. */
export type AlertSignal =
  | { action: 'raise', severity: Severity, value: number | null, message: string, ts: number, seq: number | null, details?: Record<string, unknown> }
  | { action: 'clear', value: number | null, message: string, ts: number, seq: number | null }

/** A value of an index observation: a plain number is a float, `{ int }` an integer, a string text. */
export type IndexValue = number | string | { int: number }

/**
 * An index a kind computed for the subject it evaluated, whether or not it raised anything. Written
 * as a point of measurement `index` with tags site and device (from the subject's reading) at `ts`:
 * the same evaluation again (after a restart) gives the same point identity and overwrites it.
 */
export interface IndexObservation {
  /** Measurement name: `aqi`, `water_class`. */
  index: string
  /** Epoch ms: the point's time (AQI: the hour's start; water class: the reading's time). */
  ts: number
  values: Record<string, IndexValue>
}

export interface Outcome<S> {
  state: S
  alerts: AlertSignal[]
  /** Index observations (kinds that compute a national index); absent means none. */
  indices?: IndexObservation[]
}

export interface TickContext {
  /** When the engine (re)started: time-based kinds hold their fire for a grace period after it. */
  startedAt: number
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface RuleKind<Raw = any, C = any, S = any> {
  /** Folder name, `kind` string and config key: one word. */
  kind: string
  /** One line for docs and errors. */
  summary: string
  /** TypeBox schema of the rule's `<kind>:` section (defaults applied, additionalProperties false). */
  schema: TSchema
  /** Reading kinds the rule looks at unless its scope names others. */
  readingKinds: readonly Kind[]
  /** Validates what a schema cannot and precomputes; returns problems as `path: message`. No I/O. */
  compile: (raw: Raw) => { config: C } | { problems: string[] }
  /** Which subject a reading belongs to (its state bucket); null: this rule ignores the reading. */
  subject: (config: C, reading: SiteReading) => string | null
  initial: (config: C) => S
  evaluate: (config: C, state: S, reading: SiteReading) => Outcome<S>
  tick?: (config: C, state: S, now: number, ctx: TickContext) => Outcome<S>
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export function unchanged<S> (state: S): Outcome<S> {
  return { state, alerts: [] }
}
