// The `fleetStatus` section of the ingest config: the subscriber that stores what gateways say about
// themselves (retained `status`) and the commands sent to them (`cmd`, `cmd-result`) in InfluxDB.
// Its broker connection defaults to the service principal of `alerts.mqtt`.
import Type, { type Static } from 'typebox'

export const FleetStatusConfigSchema = Type.Object({
  enabled: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'on',
    description: 'on: subscribe whenever a broker URL is known (fleetStatus.mqtt.url, else alerts.mqtt.url); off: never.'
  }),
  mqtt: Type.Object({
    url: Type.String({ default: '', description: 'Broker to subscribe to; empty = alerts.mqtt.url (empty too: the subscriber is off).' }),
    username: Type.String({ default: '', description: 'A service principal of the broker; empty = alerts.mqtt.username.' }),
    password: Type.String({ default: '', description: 'Its secret, from SHENNONG_FLEET_STATUS_MQTT_PASSWORD; empty = alerts.mqtt.password.' })
  }, { additionalProperties: false, default: {} }),
  maxPending: Type.Integer({ minimum: 1, default: 10_000, description: 'Points kept while InfluxDB is slow or down; beyond it the oldest are dropped and counted.' }),
  batchPoints: Type.Integer({ minimum: 1, default: 500, description: 'Points per InfluxDB write at most.' })
}, { additionalProperties: false, default: {} })

export type FleetStatusConfig = Static<typeof FleetStatusConfigSchema>

export interface FleetStatusMqtt { url: string, username: string, password: string }

/**
 * The broker connection the subscriber uses: `fleetStatus.mqtt`, each empty part taken from
 * `alerts.mqtt`; undefined when the subscriber is off (enabled: off, or no URL anywhere).
 */
export function resolveFleetStatusMqtt (fleetStatus: FleetStatusConfig, alertsMqtt: FleetStatusMqtt): FleetStatusMqtt | undefined {
  if (fleetStatus.enabled === 'off') return undefined
  const own = fleetStatus.mqtt
  const url = own.url !== '' ? own.url : alertsMqtt.url
  if (url === '') return undefined
  return {
    url,
    username: own.username !== '' ? own.username : alertsMqtt.username,
    password: own.password !== '' ? own.password : alertsMqtt.password
  }
}
