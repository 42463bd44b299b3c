// The JSON an alert event is published as (MQTT `…/{device}/alert`, webhooks): the alert itself
// (ARCHITECTURE §7) plus which event it is.
import type { Alert, AlertEvent, AlertEventType } from '../alert.ts'

export interface AlertPayload extends Alert {
  event: AlertEventType
  eventId: number
  /** Epoch ms of the event. */
  at: number
  by: string
}

export function formatAlertPayload (event: AlertEvent): AlertPayload {
  return { ...event.alert, event: event.type, eventId: event.id, at: event.at, by: event.by }
}
