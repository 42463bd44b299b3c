// geofence: a vessel inside a closed zone, or at sea in a sea area during its moratorium window
// (a yearly calendar per sea area; "at sea" = not inside one of the ports). Entering and leaving
// count only after the new situation held for `dwell` (so GNSS jitter at a boundary does not
// flap). The timer re-checks the last position: a window that opens or closes while the vessel
// lies still starts or ends the alert.
import Type, { type Static } from 'typebox'
import { parseDuration, formatDuration } from '@shennong/core/duration.ts'
import type { Severity } from '../../alerts/severity.ts'
import type { ZoneVertexRecord } from '../../alerts/sinks/alert-sink.ts'
import { unchanged, type AlertSignal, type Outcome, type RuleKind } from '../rule-kind.ts'
import { AreaSchema, Duration, PolygonSchema, SeveritySchema } from '../schema-parts.ts'
import { insideAny, type Polygon } from '../polygon.ts'
import { activeWindow, parseMonthDay, parseUtcOffset, type YearlyWindow } from './moratorium-calendar.ts'

export const GeofenceSchema = Type.Object({
  zones: Type.Array(AreaSchema, { default: [], description: 'Closed zones: a vessel inside one raises the alert.' }),
  moratorium: Type.Optional(Type.Object({
    seaAreas: Type.Array(Type.Object({
      id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
      name: Type.String({ default: '' }),
      polygon: PolygonSchema,
      windows: Type.Array(Type.Object({
        from: Type.String({ description: 'MM-DD or MM-DDTHH:mm, local time at utcOffset.' }),
        until: Type.String({ description: 'MM-DD or MM-DDTHH:mm (exclusive).' })
      }, { additionalProperties: false }), { minItems: 1 })
    }, { additionalProperties: false }), { minItems: 1 }),
    ports: Type.Array(AreaSchema, { default: [], description: 'Inside a port is not at sea.' })
  }, { additionalProperties: false })),
  utcOffset: Type.String({ default: '+08:00', description: 'Offset the calendar is written in.' }),
  dwell: Duration('0s', 'How long a vessel must stay in (or out) before the alert opens (or clears).'),
  severity: Type.Optional(SeveritySchema)
}, { additionalProperties: false })

export type GeofenceRaw = Static<typeof GeofenceSchema>
interface Area { id: string, name: string, polygon: Polygon }
export interface GeofenceConfig {
  zones: Area[]
  seaAreas: Array<Area & { windows: YearlyWindow[] }>
  ports: Area[]
  offsetMs: number
  dwellMs: number
  severity: Severity
}
export interface GeofenceState {
  lat: number | null
  lon: number | null
  seq: number | null
  /** Key of the violation the alert is open for ("zone:x" / "moratorium:y"), or null. */
  firing: string | null
  /** A different situation seen since `pendingSince`, waiting out the dwell. */
  pending: string | null | false
  pendingSince: number | null
}

function violation (config: GeofenceConfig, lon: number, lat: number, t: number): { key: string, message: string, area: Area } | null {
  const zone = insideAny(lon, lat, config.zones)
  if (zone !== undefined) return { key: `zone:${zone.id}`, message: `inside closed zone ${zone.name || zone.id}`, area: zone }
  if (config.seaAreas.length === 0 || insideAny(lon, lat, config.ports) !== undefined) return null
  for (const area of config.seaAreas) {
    if (!insideAny(lon, lat, [area])) continue
    const window = activeWindow(t, area.windows, config.offsetMs)
    if (window !== null) return { key: `moratorium:${area.id}`, message: `at sea in ${area.name || area.id} during the fishing moratorium (until ${new Date(window[1]).toISOString()})`, area }
  }
  return null
}

function step (config: GeofenceConfig, state: GeofenceState, t: number, seq: number | null): Outcome<GeofenceState> {
  if (state.lat === null || state.lon === null) return unchanged(state)
  const v = violation(config, state.lon, state.lat, t)
  const key = v?.key ?? null
  if (key === state.firing) return state.pending === false ? unchanged(state) : { state: { ...state, pending: false, pendingSince: null }, alerts: [] }
  const since = state.pending === key && state.pendingSince !== null ? state.pendingSince : t
  if (t - since < config.dwellMs) {
    return state.pending === key && state.pendingSince === since ? unchanged(state) : { state: { ...state, pending: key, pendingSince: since }, alerts: [] }
  }
  const dwell = config.dwellMs > 0 ? ` for ${formatDuration(t - since)}` : ''
  const alert: AlertSignal = v === null
    ? { action: 'clear', value: null, message: `left the ${state.firing?.startsWith('zone:') === true ? 'closed zone' : 'moratorium area'}${dwell}`, ts: t, seq }
    : { action: 'raise', severity: config.severity, value: null, message: `${v.message}${dwell}`, ts: t, seq, details: { area: v.area.id, reason: v.key.split(':')[0], lat: state.lat, lon: state.lon } }
  // Moving straight from one violation to another: close the first, open the second.
  const alerts: AlertSignal[] = state.firing !== null && v !== null ? [{ action: 'clear', value: null, message: `left ${state.firing}`, ts: t, seq }, alert] : [alert]
  return { state: { ...state, firing: key, pending: false, pendingSince: null }, alerts }
}

export const geofence: RuleKind<GeofenceRaw, GeofenceConfig, GeofenceState> = {
  kind: 'geofence',
  summary: 'A vessel inside a closed zone, or at sea during a moratorium window, with a minimum dwell.',
  schema: GeofenceSchema,
  readingKinds: ['vessel'],
  compile (raw) {
    const problems: string[] = []
    const offsetMs = parseUtcOffset(raw.utcOffset)
    if (offsetMs === null) problems.push(`utcOffset: "${raw.utcOffset}" is not ±HH:MM`)
    const seaAreas = (raw.moratorium?.seaAreas ?? []).map((a, i) => ({
      id: a.id,
      name: a.name,
      polygon: a.polygon,
      windows: a.windows.map((w, j) => {
        const from = parseMonthDay(w.from)
        const until = parseMonthDay(w.until)
        if (from === null) problems.push(`moratorium.seaAreas[${i}].windows[${j}].from: "${w.from}" is not MM-DD or MM-DDTHH:mm`)
        if (until === null) problems.push(`moratorium.seaAreas[${i}].windows[${j}].until: "${w.until}" is not MM-DD or MM-DDTHH:mm`)
        return { from: from ?? [1, 1, 0, 0], until: until ?? [1, 1, 0, 0] } as YearlyWindow
      })
    }))
    if (raw.zones.length === 0 && seaAreas.length === 0) problems.push('give zones, a moratorium, or both')
    if (problems.length > 0) return { problems }
    return { config: { zones: raw.zones, seaAreas, ports: raw.moratorium?.ports ?? [], offsetMs: offsetMs ?? 0, dwellMs: parseDuration(raw.dwell), severity: raw.severity ?? 'orange' } }
  },
  subject: (_config, reading) => reading.device,
  initial: () => ({ lat: null, lon: null, seq: null, firing: null, pending: false, pendingSince: null }),
  evaluate (config, state, reading) {
    const lat = reading.metrics.lat_deg
    const lon = reading.metrics.lon_deg
    if (lat === undefined || lon === undefined) return unchanged(state)
    return step(config, { ...state, lat, lon, seq: reading.seq }, reading.ts, reading.seq)
  },
  tick: (config, state, now) => step(config, state, now, state.seq)
}

/**
 * The closed zones and moratorium sea areas of a compiled geofence rule as vertices for a map
 * (Fleet dashboard): one record per corner, and the first corner again to close the ring.
 */
export function zoneVertices (rule: string, config: GeofenceConfig): ZoneVertexRecord[] {
  const out: ZoneVertexRecord[] = []
  const areas = [
    ...config.zones.map(a => ({ area: a, kind: 'zone' as const })),
    ...config.seaAreas.map(a => ({ area: a, kind: 'moratorium' as const }))
  ]
  for (const { area, kind } of areas) {
    const ring = [...area.polygon, area.polygon[0]]
    ring.forEach(([lon, lat], vertex) => out.push({ rule, zone: area.id, kind, name: area.name || area.id, vertex, lat, lon }))
  }
  return out
}
