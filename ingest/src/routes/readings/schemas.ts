import Type from 'typebox'
import { ErrorSchema } from '../error-schema.ts'

export const PostReadingsQuery = Type.Object({
  site: Type.Optional(Type.String({ description: 'For an admin only: the site the readings belong to. A gateway always posts for its own site.' }))
}, { additionalProperties: false })

export const ReadingBody = Type.Unknown({
  description: 'One reading (ARCHITECTURE §3) or a JSON array of readings. The body is kept as received; it is validated by the reading validator, not by this schema, so every per-field reason can be given.'
})

export const AcceptedSchema = Type.Object({
  accepted: Type.Integer({ description: 'Readings appended to the ingest log.' }),
  logId: Type.Integer({ description: 'Ingest log entry id.' })
})

export const RejectedSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  accepted: Type.Optional(Type.Integer({ description: 'Valid readings of the same array that were appended anyway.' })),
  rejected: Type.Optional(Type.Array(Type.Object({
    index: Type.Union([Type.Integer(), Type.Null()], { description: 'Element index in an array body; null for a single reading or an unreadable body.' }),
    quarantineId: Type.Integer(),
    errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))
  })))
})

export const PostReadingsSchema = {
  summary: 'Post one reading or an array of readings',
  description: 'Gateway token (its site) or admin (?site=). 202 only after the readings are appended to the durable ingest log. Invalid readings are quarantined and answered 400 with every reason; valid readings of the same array are accepted.',
  tags: ['readings'],
  querystring: PostReadingsQuery,
  body: ReadingBody,
  response: { 202: AcceptedSchema, 400: RejectedSchema, 401: ErrorSchema, 403: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema, 503: ErrorSchema }
}
