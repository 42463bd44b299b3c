// Error codes of the traceability area. They belong in ingest/src/errors.ts and docs/errors.md
// (the wiring note in docs/traceability.md lists them); until then `traceError` carries the code.
import { HttpError, type IngestErrorCode } from '../errors.ts'

export const traceErrors = {
  ERR_TRACE_NOT_FOUND: 'No batch, organisation, place or actor has this id or code, or the caller may not see it (HTTP 404).',
  ERR_TRACE_EXISTS: 'A batch, organisation, place, actor or key with this id or code exists already (HTTP 409).',
  ERR_TRACE_INVALID: 'The request is not a valid traceability record: the message names the field (HTTP 400).',
  ERR_TRACE_FORBIDDEN: 'The principal does not act for the organisation that holds the batch or place (HTTP 403).',
  ERR_TRACE_CONFLICT: 'A signed event was prepared on a chain head that has moved on; prepare it again (HTTP 409).',
  ERR_TRACE_SIGNATURE: 'The event signature does not verify with the named key of the organisation (HTTP 400).',
  ERR_TRACE_SENSORS: 'The sensor history could not be read from InfluxDB; retry later (HTTP 503).'
} as const

export type TraceErrorCode = keyof typeof traceErrors

export function traceError (status: number, code: TraceErrorCode, message: string, details?: Record<string, unknown>): HttpError {
  return new HttpError(status, code as string as IngestErrorCode, message, details === undefined ? undefined : { details })
}
