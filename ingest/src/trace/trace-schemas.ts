// Request schemas of the trace API (TypeBox: validator, type and OpenAPI from one definition).
import Type from 'typebox'
import { CLIENT_EVENT_TYPES, CODE_PATTERN, ID_PATTERN, PLACE_KINDS } from './trace-model.ts'
import { QuantitySchema } from './event-data.ts'

const Id = Type.String({ pattern: ID_PATTERN })
const Code = Type.String({ pattern: CODE_PATTERN })
const Name = Type.String({ minLength: 1, maxLength: 200 })
const Time = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 40 })], { description: 'epoch ms or RFC 3339 with a zone' })
const Location = Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false })
const Who = { organisation: Id, actor: Id }

export const CodeParams = Type.Object({ code: Code })
export const IdParams = Type.Object({ id: Id })

export const OrganisationBody = Type.Object({ id: Id, name: Name, nameZh: Type.Optional(Name), members: Type.Optional(Type.Array(Id, { maxItems: 1000 })) }, { additionalProperties: false })
export const KeyBody = Type.Object({ publicKey: Type.String({ minLength: 40, maxLength: 2000, description: 'Ed25519: raw 32 bytes base64, or PEM (SPKI)' }) }, { additionalProperties: false })
export const ActorBody = Type.Object({ id: Id, organisation: Id, name: Name, role: Name }, { additionalProperties: false })
export const PlaceBody = Type.Object({
  id: Id, organisation: Id, kind: Type.Union(PLACE_KINDS.map(k => Type.Literal(k))), name: Name, nameZh: Type.Optional(Name),
  site: Type.Optional(Id), devices: Type.Optional(Type.Array(Id, { maxItems: 200 })), location: Type.Optional(Location)
}, { additionalProperties: false })

export const BatchBody = Type.Object({
  code: Code, product: Name, productZh: Type.Optional(Name), variety: Type.Optional(Name), originPlace: Id,
  quantity: Type.Optional(QuantitySchema), at: Type.Optional(Time), ...Who
}, { additionalProperties: false })

export const MergeBody = Type.Object({
  code: Code, parents: Type.Array(Code, { minItems: 2, maxItems: 100 }), product: Type.Optional(Name), productZh: Type.Optional(Name), variety: Type.Optional(Name),
  originPlace: Type.Optional(Id), quantity: Type.Optional(QuantitySchema), at: Type.Optional(Time), ...Who
}, { additionalProperties: false })

export const SplitBody = Type.Object({
  children: Type.Array(Type.Object({ code: Code, quantity: Type.Optional(QuantitySchema) }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  at: Type.Optional(Time), ...Who
}, { additionalProperties: false })

export const EventBody = Type.Object({
  type: Type.Union(CLIENT_EVENT_TYPES.map(t => Type.Literal(t))),
  at: Type.Optional(Time),
  place: Type.Optional(Id),
  location: Type.Optional(Location),
  data: Type.Record(Type.String(), Type.Unknown()),
  ...Who
}, { additionalProperties: false })

export const SignedEventBody = Type.Object({
  content: Type.Object({
    batch: Code, seq: Type.Integer({ minimum: 1 }), type: Type.Union(CLIENT_EVENT_TYPES.map(t => Type.Literal(t))), at: Type.Integer({ minimum: 0 }),
    organisation: Id, actor: Id, place: Type.Union([Id, Type.Null()]), location: Type.Union([Location, Type.Null()]),
    data: Type.Record(Type.String(), Type.Unknown()), prev: Type.String({ pattern: '^[0-9a-f]{64}$' })
  }, { additionalProperties: false }),
  signature: Type.String({ minLength: 80, maxLength: 100, description: 'Ed25519 over the 32 hash bytes, base64' }),
  keyId: Type.String({ pattern: '^[0-9a-f]{16}$' })
}, { additionalProperties: false })

export const SummaryBody = Type.Object({ from: Type.Optional(Time), to: Type.Optional(Time), organisation: Id }, { additionalProperties: false })

export const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false })
export const ExportQuery = Type.Object({ from: Time, to: Time, format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }, { additionalProperties: false })
export const PageQuery = Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')])) }, { additionalProperties: false })
