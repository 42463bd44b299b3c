import Type from 'typebox'
import { ErrorSchema } from '../error-schema.ts'

export const QuarantineEntrySchema = Type.Object({
  id: Type.Integer(),
  receivedAt: Type.String({ description: 'RFC 3339: when the receiver got the payload.' }),
  quarantinedAt: Type.String(),
  topic: Type.String({ description: 'The topic the payload came on (for HTTP, the topic it stands for).' }),
  site: Type.Union([Type.String(), Type.Null()]),
  sender: Type.String(),
  transport: Type.String({ description: 'mqtt, http, hj212 or replay.' }),
  stage: Type.Union([Type.Literal('decode'), Type.Literal('validate'), Type.Literal('storage')]),
  payload: Type.String({ description: 'The raw payload as received, or, for one element of an array, that element as JSON.' }),
  itemIndex: Type.Union([Type.Integer(), Type.Null()], { description: 'Element index in an array payload.' }),
  reasons: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
  logId: Type.Union([Type.Integer(), Type.Null()]),
  replayOf: Type.Union([Type.Integer(), Type.Null()]),
  replayedAt: Type.Union([Type.String(), Type.Null()])
})

export const ListQuerystring = Type.Object({
  reason: Type.Optional(Type.String({ description: 'Substring of a reason\'s field or message, case-insensitive (e.g. "ts", "unknown metric", "field type conflict").' })),
  sender: Type.Optional(Type.String()),
  stage: Type.Optional(Type.Union([Type.Literal('decode'), Type.Literal('validate'), Type.Literal('storage')])),
  from: Type.Optional(Type.String({ description: 'quarantined at or after: RFC 3339 with a zone, or epoch ms.' })),
  to: Type.Optional(Type.String({ description: 'quarantined at or before.' })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'Paging: only ids below this (the list is newest first).' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }))
}, { additionalProperties: false })

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const ReplayBody = Type.Union([
  Type.Object({
    payload: Type.Optional(Type.Unknown({ description: 'A corrected reading (or array of readings) to replay instead of the stored payload.' }))
  }, { additionalProperties: false }),
  Type.Null()
])

export const ReplayResponse = Type.Object({
  id: Type.Integer({ description: 'The quarantine entry replayed.' }),
  logId: Type.Integer({ description: 'The new ingest log entry.' }),
  replayedAt: Type.String()
})

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema }

export const ListSchema = {
  summary: 'Quarantined input, newest first',
  description: 'Roles admin and inspector (every site), farmer (entries of own sites).',
  tags: ['quarantine'],
  querystring: ListQuerystring,
  response: { 200: Type.Object({ entries: Type.Array(QuarantineEntrySchema) }), ...errors }
}

export const GetSchema = {
  summary: 'One quarantine entry',
  tags: ['quarantine'],
  params: IdParams,
  response: { 200: QuarantineEntrySchema, ...errors }
}

export const ReplaySchema = {
  summary: 'Replay a quarantine entry through the ingest log (admin)',
  description: 'Appends the stored payload, or the corrected `payload` of the body, to the ingest log with transport replay and replayOf = id, and marks the entry replayed. A payload that still fails validation is answered 400 and nothing is appended.',
  tags: ['quarantine'],
  params: IdParams,
  body: Type.Optional(ReplayBody),
  response: { 202: ReplayResponse, ...errors }
}
