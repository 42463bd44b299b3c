// The traceability area's errors: an HttpError with one of the ERR_TRACE_* codes (ingest/src/errors.ts,
// docs/errors.md) and, when there is more to say, details.
import { HttpError, type IngestErrorCode } from '../errors.ts'

export type TraceErrorCode = Extract<IngestErrorCode, `ERR_TRACE_${string}`>

export function traceError (status: number, code: TraceErrorCode, message: string, details?: Record<string, unknown>): HttpError {
  return new HttpError(status, code, message, details === undefined ? undefined : { details })
}
