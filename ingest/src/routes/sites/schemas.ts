import Type from 'typebox'
import { KINDS } from '@shennong/core/catalog.ts'
import { FLAGS } from '@shennong/core/reading.ts'
import { ErrorSchema } from '../error-schema.ts'

const Segment = (what: string) => Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: what })

export const SiteParams = Type.Object({ site: Segment('site id') })
export const DeviceParams = Type.Object({ site: Segment('site id'), device: Segment('device id') })

export const ReadingsQuerystring = Type.Object({
  kind: Type.Optional(Type.String({ pattern: `^(${KINDS.join('|')})$`, description: `Only this kind (${KINDS.join(', ')}); default every kind.` })),
  from: Type.Optional(Type.String({ description: 'RFC 3339 with a zone, or epoch ms. Default: 24 h before `to`.' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339 with a zone, or epoch ms. Default: now.' })),
  metrics: Type.Optional(Type.String({ description: 'Comma-separated metric names from the catalog; default every metric.' })),
  every: Type.Optional(Type.String({ description: 'Downsample: mean() per bucket of this width, e.g. 1m, 15m, 1h, 1d.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'Most rows per kind.' }))
}, { additionalProperties: false })

const Flag = Type.String({ description: `one of ${FLAGS.join(', ')}` })

export const ReadingRow = Type.Object({
  kind: Type.String(),
  device: Type.String(),
  ts: Type.String({ description: 'RFC 3339, UTC.' }),
  seq: Type.Optional(Type.Integer()),
  metrics: Type.Record(Type.String(), Type.Number()),
  flags: Type.Optional(Type.Record(Type.String(), Flag))
})

export const ReadingsResponse = Type.Object({
  site: Type.String(),
  device: Type.String(),
  from: Type.String(),
  to: Type.String(),
  every: Type.Optional(Type.String()),
  readings: Type.Array(ReadingRow)
})

export const LatestResponse = Type.Object({
  site: Type.String(),
  readings: Type.Array(ReadingRow, { description: 'The latest reading per device and kind.' })
})

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 502: ErrorSchema }

export const GetReadingsSchema = {
  summary: 'Readings of one device',
  description: 'Roles admin, inspector (every site), farmer (own sites). Raw points, or mean() per `every` bucket.',
  tags: ['sites'],
  params: DeviceParams,
  querystring: ReadingsQuerystring,
  response: { 200: ReadingsResponse, ...errors }
}

export const GetLatestSchema = {
  summary: 'Latest reading per device and kind of a site',
  description: 'Roles admin, inspector (every site), farmer (own sites).',
  tags: ['sites'],
  params: SiteParams,
  response: { 200: LatestResponse, ...errors }
}
