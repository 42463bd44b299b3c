// The config of one `nmea0183` instance: its schema with defaults. Used only while the config is
// checked (config.ts); `nmea0183.ts` never imports TypeBox.
import Type, { type Static } from 'typebox'
import type { SourceConfigDefinition } from '../source.ts'

const Duration = (def: string, description: string) => Type.String({ default: def, pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description })

export const Nmea0183ConfigSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
  port: Type.String({ description: 'Serial device of the receiver, e.g. /dev/gnss.' }),
  baudRate: Type.Integer({ default: 9600 }),
  device: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Device id of the vessel terminal in readings.' }),
  interval: Duration('0s', 'At most one reading per interval (0s: every fix the receiver sends).'),
  maxDateSkew: Duration('1d', 'Fixes whose UTC date differs from the gateway clock by more are rejected and counted (spec §3.2).'),
  reopen: Duration('5s', 'Wait before reopening a port that failed or disappeared.')
}, { additionalProperties: false })

export type Nmea0183Config = Static<typeof Nmea0183ConfigSchema>

export const nmea0183Config: SourceConfigDefinition<typeof Nmea0183ConfigSchema> = {
  kind: 'nmea0183',
  schema: Nmea0183ConfigSchema
}
