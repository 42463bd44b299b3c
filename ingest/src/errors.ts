// Error codes raised by the ingest service. Documented in docs/errors.md (test/conventions.test.ts
// keeps the two in step). The message says what the caller should do.
import { ShennongError } from '@shennong/core/errors.ts'

export const ingestErrors = {
  ERR_INFLUX_UNAVAILABLE: 'InfluxDB cannot be reached or answers 5xx; the write is retried with backoff.',
  ERR_INFLUX_TIMEOUT: 'InfluxDB did not answer within the configured timeout; the write is retried.',
  ERR_INFLUX_REJECTED: 'InfluxDB refused points (e.g. a field type conflict); they are quarantined with its message.',
  ERR_INFLUX_AUTH: 'InfluxDB refused the credentials (401/403); fix influx.username/password or influx.token.',
  ERR_INFLUX_ABORTED: 'A write was abandoned because the service is shutting down; the log entry stays unreleased.',
  ERR_INFLUX_QUERY: 'An InfluxQL query failed; the message is InfluxDB\'s.',

  ERR_AUTH_MISSING: 'The request carries no `Authorization: Bearer <id>.<secret>` header (HTTP 401).',
  ERR_AUTH_INVALID: 'The bearer token is malformed, unknown or its secret is wrong (HTTP 401).',
  ERR_AUTH_FORBIDDEN: 'The principal\'s role may not use this endpoint (HTTP 403).',
  ERR_AUTH_SITE: 'The principal does not belong to the site it asked for (HTTP 403).',

  ERR_INGEST_PAYLOAD: 'A posted or logged payload is not JSON or is an empty array (HTTP 400; quarantined, stage decode).',
  ERR_INGEST_INVALID: 'One or more readings failed validation; every per-field reason is listed (HTTP 400; quarantined, stage validate).',
  ERR_INGEST_TOO_LARGE: 'The request body exceeds http.bodyLimit (HTTP 413); split the batch.',
  ERR_INGEST_CONTENT_TYPE: 'POST /v1/readings takes application/json only (HTTP 415).',
  ERR_INGEST_SITE: 'An admin posting readings must say for which site (?site=); gateways post for their own site (HTTP 400).',
  ERR_INGEST_LOG: 'The ingest log refused the append (full with backpressure, or closed); retry later (HTTP 503).',
  ERR_INGEST_LOG_META: 'A log entry\'s meta is not valid (unparsable, or its topic is not a Shennong telemetry topic); quarantined, stage decode.',

  ERR_PIPELINE_WRITE: 'A batch could not be written for a reason other than a transient one; it is retried with backoff and stays unreleased.',

  ERR_QUERY_INVALID: 'A query parameter is invalid (site, device, kind, metrics, from, to, every, limit); the message names it (HTTP 400).',

  ERR_QUARANTINE_NOT_FOUND: 'No quarantine entry has this id, or it belongs to a site the caller may not see (HTTP 404).',
  ERR_QUARANTINE_REPLAYED: 'The quarantine entry was already replayed (HTTP 409); replay the newer entry if it failed again.',
  ERR_QUARANTINE_INVALID: 'The payload to replay still fails validation; the reasons are listed and nothing was appended (HTTP 400).',

  ERR_ALERT_NOT_FOUND: 'No alert has this id, or it belongs to a site the caller may not see (HTTP 404).',
  ERR_ALERT_STATE: 'The alert is not in a state that allows this change: only an open alert can be acknowledged, a resolved one cannot be resolved again (HTTP 409).',
  ERR_TRACE_NOT_FOUND: 'No batch, organisation, place or actor has this id or code, or the caller may not see it (HTTP 404).',
  ERR_TRACE_EXISTS: 'A batch, organisation, place, actor or key with this id or code exists already (HTTP 409).',
  ERR_TRACE_INVALID: 'The request is not a valid traceability record: the message names the field (HTTP 400).',
  ERR_TRACE_FORBIDDEN: 'The principal does not act for the organisation that holds the batch or place (HTTP 403).',
  ERR_TRACE_CONFLICT: 'A signed event was prepared on a chain head that has moved on; prepare it again (HTTP 409).',
  ERR_TRACE_SIGNATURE: 'The event signature does not verify with the named key of the organisation (HTTP 400).',
  ERR_TRACE_SENSORS: 'The sensor history could not be read from InfluxDB; retry later (HTTP 503).',

  ERR_HTTP_VALIDATION: 'A request does not match the endpoint\'s schema (HTTP 400); the message names the field.',
  ERR_HTTP_NOT_FOUND: 'No such endpoint (HTTP 404); see /docs.',
  ERR_HTTP_RATE_LIMITED: 'Too many requests from this principal or client address, or too many failed authentications from this address (HTTP 429, limits in http.rateLimit); wait the Retry-After seconds, then slow down.',
  ERR_HTTP_INTERNAL: 'An unexpected server error (HTTP 500); the server log has the details.'
} as const

export type IngestErrorCode = keyof typeof ingestErrors

/** An error that maps onto an HTTP answer: `{ statusCode, code, error, message, details? }`. */
export class HttpError extends ShennongError {
  readonly statusCode: number

  constructor (statusCode: number, code: IngestErrorCode, message: string, options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(code, message, options)
    this.name = 'HttpError'
    this.statusCode = statusCode
  }
}
