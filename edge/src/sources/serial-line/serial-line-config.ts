// The config of one `serial-line` instance: its schema with defaults. Used only while the config is
// checked (config.ts); `serial-line.ts` never imports TypeBox.
import Type, { type Static } from 'typebox'
import type { SourceConfigDefinition } from '../source.ts'

const Mapping = Type.Object({
  metric: Type.String({ description: 'Catalog metric of the reading kind.' }),
  scale: Type.Number({ default: 1 }),
  offset: Type.Number({ default: 0 })
}, { additionalProperties: false })

export const SerialLineConfigSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
  port: Type.String(),
  baudRate: Type.Integer({ default: 9600 }),
  device: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
  kind: Type.String({ description: 'Catalog kind of the readings.' }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('key-value')], { default: 'csv' }),
  separator: Type.String({ default: ',', minLength: 1, description: 'csv: between columns; key-value: between pairs (whitespace always separates pairs too).' }),
  columns: Type.Array(Type.Union([Mapping, Type.Null()]), { default: [], description: 'csv: one entry per column, null to skip a column.' }),
  keys: Type.Record(Type.String(), Mapping, { default: {}, description: 'key-value: key as printed → metric.' }),
  reopen: Type.String({ default: '5s', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' })
}, { additionalProperties: false })

export type SerialLineConfig = Static<typeof SerialLineConfigSchema>

export const serialLineConfig: SourceConfigDefinition<typeof SerialLineConfigSchema> = {
  kind: 'serial-line',
  schema: SerialLineConfigSchema
}
