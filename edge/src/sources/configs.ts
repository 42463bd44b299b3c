// The config half of every source kind (schema, prepare), for checking edge.yaml. Only config.ts
// imports this list; the running agent loads the definitions through `index.ts`.
import type { SourceConfigDefinition } from './source.ts'
import { modbusConfig } from './modbus/modbus-config.ts'
import { nmea0183Config } from './nmea0183/nmea0183-config.ts'
import { serialLineConfig } from './serial-line/serial-line-config.ts'
import { mqttLocalConfig } from './mqtt-local/mqtt-local-config.ts'

export const SOURCE_CONFIGS: Record<string, SourceConfigDefinition> = {
  modbus: modbusConfig as unknown as SourceConfigDefinition,
  nmea0183: nmea0183Config as unknown as SourceConfigDefinition,
  'serial-line': serialLineConfig as unknown as SourceConfigDefinition,
  'mqtt-local': mqttLocalConfig as unknown as SourceConfigDefinition
}
