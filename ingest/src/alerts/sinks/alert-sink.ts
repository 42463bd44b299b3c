// Where alert events go after the store recorded them (ARCHITECTURE §7: MQTT, InfluxDB, API,
// Node-RED). A sink never blocks the engine and never throws: it buffers, retries and counts.
import type { AlertEvent } from '../alert.ts'

export interface AlertSink {
  /** Short bounded name for logs and metrics labels: mqtt, influx, events. */
  name: string
  /** Hands the event over; returns at once. */
  deliver: (event: AlertEvent) => void
  /** Events accepted and not yet delivered. */
  pending: () => number
  close: () => Promise<void>
}
