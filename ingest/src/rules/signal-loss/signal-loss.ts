// signal-loss: a vessel away from port with no position for a duration. A vessel last seen inside
// a port is not missing. Like stale, nothing fires until `grace` after the engine starts.
import Type, { type Static } from 'typebox'
import { parseDuration } from '@shennong/core/duration.ts'
import { unchanged, type RuleKind } from '../rule-kind.ts'
import { silenceAlert, silenceDue, silenceText, type SilenceConfig } from '../silence.ts'
import { AreaSchema, Duration, SeveritySchema } from '../schema-parts.ts'
import { insideAny, type Polygon } from '../polygon.ts'

export const SignalLossSchema = Type.Object({
  after: Duration(undefined, 'Time without a position (away from port) that raises the alert, e.g. "30m".'),
  grace: Duration('5m', 'After the engine starts, no alert until this long has passed.'),
  ports: Type.Array(AreaSchema, { minItems: 1 }),
  severity: Type.Optional(SeveritySchema)
}, { additionalProperties: false })

export type SignalLossRaw = Static<typeof SignalLossSchema>
export interface SignalLossConfig extends SilenceConfig { ports: Array<{ id: string, polygon: Polygon }> }
export interface SignalLossState { lastFix: number, lat: number | null, lon: number | null, inPort: boolean, seq: number | null, firing: boolean }

export const signalLoss: RuleKind<SignalLossRaw, SignalLossConfig, SignalLossState> = {
  kind: 'signal-loss',
  summary: 'A vessel away from port with no position for a duration.',
  schema: SignalLossSchema,
  readingKinds: ['vessel'],
  compile: raw => ({ config: { afterMs: parseDuration(raw.after), graceMs: parseDuration(raw.grace), ports: raw.ports, severity: raw.severity ?? 'red' } }),
  subject: (_config, reading) => reading.device,
  initial: () => ({ lastFix: 0, lat: null, lon: null, inPort: false, seq: null, firing: false }),
  evaluate (config, state, reading) {
    const lat = reading.metrics.lat_deg
    const lon = reading.metrics.lon_deg
    if (lat === undefined || lon === undefined || reading.ts < state.lastFix) return unchanged(state)
    const next = { lastFix: reading.ts, lat, lon, inPort: insideAny(lon, lat, config.ports) !== undefined, seq: reading.seq, firing: false }
    if (!state.firing) return { state: next, alerts: [] }
    return { state: next, alerts: [{ action: 'clear', value: null, message: `position received again (${lat}, ${lon})`, ts: reading.ts, seq: reading.seq }] }
  },
  tick (config, state, now, ctx) {
    const silent = state.firing || state.inPort ? null : silenceDue(config, state.lastFix, now, ctx)
    if (silent === null) return unchanged(state)
    return {
      state: { ...state, firing: true },
      alerts: [silenceAlert(config, silent, now, state.seq, `no position for ${silenceText(silent)} while at sea; last fix ${state.lat}, ${state.lon} at ${new Date(state.lastFix).toISOString()}`, { lat: state.lat, lon: state.lon, lastFix: state.lastFix })]
    }
  }
}
