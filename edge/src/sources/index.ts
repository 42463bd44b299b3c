// Every source kind the edge agent knows, listed explicitly (no registration by import side effect).
// The key, the folder name and the `kind` string are the same word.
import type { SourceDefinition } from './source.ts'
import { modbus } from './modbus/modbus.ts'
import { nmea0183 } from './nmea0183/nmea0183.ts'
import { serialLine } from './serial-line/serial-line.ts'
import { mqttLocal } from './mqtt-local/mqtt-local.ts'

export const SOURCES: Record<string, SourceDefinition> = {
  modbus: modbus as unknown as SourceDefinition,
  nmea0183: nmea0183 as unknown as SourceDefinition,
  'serial-line': serialLine as unknown as SourceDefinition,
  'mqtt-local': mqttLocal as unknown as SourceDefinition
}
