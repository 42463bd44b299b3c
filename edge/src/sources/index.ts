// Every source kind the edge agent knows, listed explicitly (no registration by import side effect).
// The key, the folder name and the `kind` string are the same word. Loaders, not modules: the agent
// imports only the kinds its config uses (a gateway without serial sensors never loads serialport).
// The config halves (schemas) are listed in `configs.ts`.
import type { SourceDefinition } from './source.ts'

export const SOURCES: Record<string, () => Promise<SourceDefinition>> = {
  modbus: async () => (await import('./modbus/modbus.ts')).modbus as SourceDefinition,
  nmea0183: async () => (await import('./nmea0183/nmea0183.ts')).nmea0183 as SourceDefinition,
  'serial-line': async () => (await import('./serial-line/serial-line.ts')).serialLine as SourceDefinition,
  'mqtt-local': async () => (await import('./mqtt-local/mqtt-local.ts')).mqttLocal as SourceDefinition
}

/** Loads the definitions of the kinds a config uses (those with at least one instance). */
export async function loadSources (sources: Readonly<Record<string, unknown>>): Promise<Record<string, SourceDefinition>> {
  const out: Record<string, SourceDefinition> = {}
  for (const [kind, list] of Object.entries(sources)) {
    const load = SOURCES[kind]
    if (load !== undefined && Array.isArray(list) && list.length > 0) out[kind] = await load()
  }
  return out
}
