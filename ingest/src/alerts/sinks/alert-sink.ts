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

export interface AlertSink {
  /** Short bounded name for logs and metrics labels: mqtt, influx, events. */
  name: string
  /** Hands the event over; returns at once. */
  deliver: (event: AlertEvent) => void
  /** Hands an index observation over; returns at once. Sinks without series leave it out. */
  observe?: (record: IndexRecord) => void
  /** Events accepted and not yet delivered. */
  pending: () => number
  close: () => Promise<void>
}
