// The shape of every error answer: `{ statusCode, code, error, message }`, plus per-field `errors`
// where there are some. Shared by every area's schemas (one definition for the OpenAPI document).
import Type from 'typebox'

export const FieldErrorSchema = Type.Object({
  field: Type.String({ description: 'JSON path of the offending field, e.g. `metrics.ph` or `[3].ts`.' }),
  message: Type.String()
})

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'ERR_… code, documented in docs/errors.md.' }),
  error: Type.String(),
  message: Type.String(),
  errors: Type.Optional(Type.Array(Type.Unknown()))
}, { additionalProperties: true })
