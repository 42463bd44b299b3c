// The config of one `mqtt-local` instance: its schema with defaults. Used only while the config is
// checked (config.ts); `mqtt-local.ts` never imports TypeBox.
import Type, { type Static } from 'typebox'
import type { SourceConfigDefinition } from '../source.ts'

const Subscription = Type.Object({
  filter: Type.String({ description: 'MQTT topic filter on the LAN broker (+ and # allowed).' }),
  device: Type.String({ description: 'Device id, or a template with {1}, {2}… for the wildcard segments.' }),
  kind: Type.String(),
  fields: Type.Record(Type.String(), Type.String(), { description: 'JSON path (dots for nesting) → catalog metric.' }),
  ts: Type.Optional(Type.String({ description: 'JSON path of the device timestamp (epoch ms or RFC 3339 with zone); default: time of arrival.' }))
}, { additionalProperties: false })

export const MqttLocalConfigSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
  url: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'The LAN broker.' }),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  subscriptions: Type.Array(Subscription, { minItems: 1 }),
  devices: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), { default: [], description: 'Devices expected here (listed in status before they first publish).' })
}, { additionalProperties: false })

export type MqttLocalConfig = Static<typeof MqttLocalConfigSchema>

export const mqttLocalConfig: SourceConfigDefinition<typeof MqttLocalConfigSchema> = {
  kind: 'mqtt-local',
  schema: MqttLocalConfigSchema
}
