// Schema pieces several rule kinds share: durations ("5m"), severities, polygons.
import Type from 'typebox'
import { SEVERITIES } from '../alerts/severity.ts'

export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$'

export function Duration (value: string | undefined, description: string) {
  return value === undefined ? Type.String({ pattern: DURATION_PATTERN, description }) : Type.String({ pattern: DURATION_PATTERN, default: value, description })
}

export const SeveritySchema = Type.Union(SEVERITIES.map(s => Type.Literal(s)))
export const SeverityOrNone = Type.Union([...SEVERITIES.map(s => Type.Literal(s)), Type.Literal('none')])

/** A closed polygon of [longitude, latitude] pairs (WGS-84 / CGCS2000 degrees); the last edge closes it. */
export const PolygonSchema = Type.Array(Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })]), { minItems: 3, description: '[[lon, lat], …], at least three corners' })

export const AreaSchema = Type.Object({
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
  name: Type.String({ default: '' }),
  polygon: PolygonSchema
}, { additionalProperties: false })
