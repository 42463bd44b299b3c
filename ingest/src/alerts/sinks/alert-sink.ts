// Where alert events go after the store recorded them (ARCHITECTURE §7: MQTT, InfluxDB, API,
// Node-RED). A sink never blocks the engine and never throws: it buffers, retries and counts.
// A sink that stores series (InfluxDB) also takes the rules' index observations (`aqi`,
// `water_class`): `observe` is optional, the other sinks have none.
import type { AlertEvent } from '../alert.ts'
import type { IndexObservation } from '../../rules/rule-kind.ts'

/** An index observation of a rule for one station (site and device of the subject's reading). */
export interface IndexRecord {
  rule: string
  site: string
  device: string
  observation: IndexObservation
}

/**
 * One vertex of a rule's polygon (geofence zones and moratorium sea areas), for maps: the engine
 * publishes them at start and after each reload. `vertex` counts from 0; the last record of a
 * polygon repeats its first vertex (a closed ring).
 */
export interface ZoneVertexRecord {
  rule: string
  zone: string
  kind: 'zone' | 'moratorium'
  name: string
  vertex: number
  lat: number
  lon: number
}

export interface AlertSink {
  /** Short bounded name for logs and metrics labels: mqtt, influx, events. */
  name: string
  /** Hands the event over; returns at once. */
  deliver: (event: AlertEvent) => void
  /** Hands an index observation over; returns at once. Sinks without series leave it out. */
  observe?: (record: IndexRecord) => void
  /** Hands the polygons of the rules in force over; returns at once. Sinks without series leave it out. */
  geometry?: (records: ZoneVertexRecord[]) => void
  /** Events accepted and not yet delivered. */
  pending: () => number
  close: () => Promise<void>
}
