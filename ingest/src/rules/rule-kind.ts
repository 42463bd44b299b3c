// A rule kind (STYLE "A rule kind"): a pure function with explicit state,
// `evaluate(config, state, reading) → { state, alerts }`, and for time-based kinds
// `tick(config, state, now) → { state, alerts }`. The engine owns I/O, persistence and the alert
// lifecycle; a kind only says "raise at this severity" or "clear" for one subject.
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

export interface Outcome<S> {
  state: S
  alerts: AlertSignal[]
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
