// stale: no data from a device for a duration. Last-seen is rule state (persisted in rules.db), so
// a restart neither forgets a silent device nor fires for every device: after the engine starts,
// nothing fires until `grace` has passed, so the backlog in the ingest log can arrive first.
import Type, { type Static } from 'typebox'
import { KINDS } from '@shennong/core/catalog.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { unchanged, type RuleKind } from '../rule-kind.ts'
import { silenceAlert, silenceDue, silenceText, type SilenceConfig } from '../silence.ts'
import { Duration, SeveritySchema } from '../schema-parts.ts'

export const StaleSchema = Type.Object({
  after: Duration(undefined, 'Silence that counts as stale, e.g. "15m".'),
  grace: Duration('5m', 'After the engine starts, no stale alert until this long has passed.'),
  severity: Type.Optional(SeveritySchema)
}, { additionalProperties: false })

export type StaleRaw = Static<typeof StaleSchema>
export type StaleConfig = SilenceConfig
export interface StaleState { lastSeen: number, seq: number | null, firing: boolean }

export const stale: RuleKind<StaleRaw, StaleConfig, StaleState> = {
  kind: 'stale',
  summary: 'No data from a device for a duration (with a grace period after a restart).',
  schema: StaleSchema,
  readingKinds: KINDS,
  compile: raw => ({ config: { afterMs: parseDuration(raw.after), graceMs: parseDuration(raw.grace), severity: raw.severity ?? 'yellow' } }),
  subject: (_config, reading) => reading.device,
  initial: () => ({ lastSeen: 0, seq: null, firing: false }),
  evaluate (_config, state, reading) {
    const lastSeen = Math.max(state.lastSeen, reading.ts)
    const next = { lastSeen, seq: lastSeen === reading.ts ? reading.seq : state.seq, firing: false }
    if (!state.firing) return lastSeen === state.lastSeen && next.seq === state.seq ? unchanged(state) : { state: next, alerts: [] }
    return { state: next, alerts: [{ action: 'clear', value: null, message: `${reading.device} sends data again`, ts: reading.ts, seq: reading.seq }] }
  },
  tick (config, state, now, ctx) {
    const silent = state.firing ? null : silenceDue(config, state.lastSeen, now, ctx)
    if (silent === null) return unchanged(state)
    return {
      state: { ...state, firing: true },
      alerts: [silenceAlert(config, silent, now, state.seq, `no data for ${silenceText(silent)} (last reading ${new Date(state.lastSeen).toISOString()})`, { lastSeen: state.lastSeen, silentSeconds: Math.round(silent / 1000) })]
    }
  }
}
