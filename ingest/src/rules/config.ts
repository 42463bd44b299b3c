// The `rules` section of the ingest config (the ingest config embeds RulesConfigSchema).
import Type, { type Static } from 'typebox'

const DURATION = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$'
const Duration = (value: string, description: string) => Type.String({ pattern: DURATION, default: value, description })

export const RulesConfigSchema = Type.Object({
  dir: Type.String({ default: 'rules', description: 'Directory of rule files (*.yaml), relative to the working directory.' }),
  consumer: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$', default: 'rules', description: 'The engine\'s ingest-log consumer name; it must be in ingestLog.consumers.' }),
  batchEntries: Type.Integer({ minimum: 1, default: 500, description: 'Log entries evaluated per batch (state is persisted once per batch).' }),
  batchBytes: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Payload bytes read per batch at most (at least one entry).' }),
  pollInterval: Duration('20ms', 'How often an idle engine looks for entries appended by another process.'),
  tick: Duration('1s', 'Timer for time-based kinds (stale, signal-loss, geofence moratorium windows, aqi hour close).'),
  watch: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on', description: 'on: reload rule files when they change (state kept).' }),
  reloadDebounce: Duration('250ms', 'Quiet time after the last file change before a reload.'),
  maxFuture: Duration('5m', 'Readings further in the future are not evaluated (ingest quarantines them).')
}, { additionalProperties: false, default: {} })

export type RulesConfig = Static<typeof RulesConfigSchema>

export interface RuleEngineConfig extends RulesConfig {
  /** Holds rules.db (rule state) next to alerts.db. */
  dataDir: string
}
