// The config of one `modbus` bus: its schema (with defaults) and the step that reads and validates
// the device profiles it names. Both run while the config is checked (main.ts, first stage), so the
// running agent never loads TypeBox or the YAML parser; `modbus.ts` receives the prepared config.
import Type, { type Static } from 'typebox'
import type { SourceConfigDefinition } from '../source.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import { loadProfile } from './profile-loader.ts'
import type { Profile } from './profile.ts'

const Duration = (def: string, description: string) => Type.String({ default: def, pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description })

const CommandSchema = Type.Object({
  function: Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(16)], { description: '5 write coil, 6 write register, 16 write registers' }),
  register: Type.Integer({ minimum: 0, maximum: 0xffff, description: 'Wire address (0-based).' }),
  allowed: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 0xffff }), { description: 'Values the command may write; anything else is refused.' })),
  min: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff })),
  max: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff }))
}, { additionalProperties: false })

export const ModbusConfigSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Name of this bus (counters, logs).' }),
  port: Type.String({ description: 'Serial device, preferably a stable udev name such as /dev/rs485-field.' }),
  baudRate: Type.Integer({ default: 9600 }),
  dataBits: Type.Union([Type.Literal(7), Type.Literal(8)], { default: 8 }),
  parity: Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')], { default: 'none' }),
  stopBits: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 1 }),
  timeout: Duration('500ms', 'Response timeout of one request (spec §1: 200–1000 ms).'),
  retries: Type.Integer({ minimum: 0, maximum: 5, default: 2, description: 'Extra attempts after a timeout or CRC failure.' }),
  profileDirs: Type.Array(Type.String(), { default: [], description: 'Extra folders searched for profiles before the shipped ones.' }),
  devices: Type.Array(Type.Object({
    device: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Device id in readings.' }),
    address: Type.Integer({ minimum: 1, maximum: 247 }),
    profile: Type.Optional(Type.String({ description: 'Shipped profile name or a path to a profile YAML. Omit for a pure actuator.' })),
    kind: Type.Optional(Type.String({ description: 'Override the profile kind.' })),
    interval: Duration('60s', 'Polling interval.'),
    commands: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), CommandSchema, { default: {}, description: 'Commands this device accepts, by name.' })
  }, { additionalProperties: false }), { minItems: 1 })
}, { additionalProperties: false })

export type ModbusConfig = Static<typeof ModbusConfigSchema>

export type PreparedModbusConfig = Omit<ModbusConfig, 'devices'> & {
  devices: Array<ModbusConfig['devices'][number] & { profileData?: Profile }>
}

/** Loads and compiles every profile the bus names (all problems at once); plain data, JSON-safe. */
export function prepareModbusConfig (config: ModbusConfig): PreparedModbusConfig {
  const problems: string[] = []
  const devices = config.devices.map(d => {
    if (d.profile === undefined) return d
    try { return { ...d, profileData: loadProfile(d.profile, config.profileDirs) } } catch (err) { problems.push((err as Error).message); return d }
  })
  if (problems.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `modbus bus ${config.name}: ${problems.join('; ')}`)
  return { ...config, devices }
}

export const modbusConfig: SourceConfigDefinition<typeof ModbusConfigSchema> = {
  kind: 'modbus',
  schema: ModbusConfigSchema,
  prepare: prepareModbusConfig
}
