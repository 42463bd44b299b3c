// JSON schemas of the alerts API (TypeBox: one definition gives the validator, the type and the
// OpenAPI document).
import Type from 'typebox'
import { ErrorSchema } from '../routes/error-schema.ts'
import { ALERT_STATES } from './alert.ts'
import { SEVERITIES } from './severity.ts'

const Segment = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' })

export const AlertSchema = Type.Object({
  id: Type.Integer(),
  rule: Type.String(),
  kind: Type.String(),
  subject: Type.String(),
  site: Type.String(),
  device: Type.String(),
  severity: Type.Union(SEVERITIES.map(s => Type.Literal(s))),
  state: Type.Union(ALERT_STATES.map(s => Type.Literal(s))),
  openedAt: Type.String({ description: 'RFC 3339, UTC.' }),
  updatedAt: Type.String(),
  value: Type.Union([Type.Number(), Type.Null()]),
  message: Type.String(),
  seq: Type.Union([Type.Integer(), Type.Null()]),
  ts: Type.String({ description: 'Time of the reading (or timer tick) that raised or last changed it.' }),
  acknowledgedAt: Type.Union([Type.String(), Type.Null()]),
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  resolvedBy: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown())
})

export const AlertEventSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  at: Type.String(),
  by: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  severity: Type.String(),
  state: Type.String(),
  value: Type.Union([Type.Number(), Type.Null()])
})

const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema }

export const ListAlertsSchema = {
  summary: 'List alerts, newest first',
  tags: ['alerts'],
  querystring: Type.Object({
    site: Type.Optional(Segment),
    device: Type.Optional(Segment),
    rule: Type.Optional(Type.String({ maxLength: 128 })),
    severity: Type.Optional(Type.Union(SEVERITIES.map(s => Type.Literal(s)))),
    state: Type.Optional(Type.Union(ALERT_STATES.map(s => Type.Literal(s)))),
    from: Type.Optional(Type.String({ description: 'Opened at or after: RFC 3339 with a zone, or epoch ms.' })),
    to: Type.Optional(Type.String({ description: 'Opened at or before: RFC 3339 with a zone, or epoch ms.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 100.' })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'Paging: only alerts with a smaller id.' }))
  }, { additionalProperties: false }),
  response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }), ...Errors }
}

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })

export const GetAlertSchema = {
  summary: 'One alert with its history',
  tags: ['alerts'],
  params: IdParams,
  response: { 200: Type.Object({ alert: AlertSchema, history: Type.Array(AlertEventSchema) }), ...Errors }
}

export const ChangeAlertSchema = {
  tags: ['alerts'],
  params: IdParams,
  response: { 200: Type.Object({ alert: AlertSchema }), ...Errors }
}
