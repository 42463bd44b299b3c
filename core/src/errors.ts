// The error base every Shennong package builds on, and the codes that core itself raises.
// Each package lists its own codes in its errors.ts; docs/errors.md documents them all
// (test/conventions.test.ts keeps the two in step).

export class ShennongError extends Error {
  readonly code: string
  readonly details: Record<string, unknown> | undefined

  constructor (code: string, message: string, options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ShennongError'
    this.code = code
    this.details = options?.details
  }
}

/** Error codes raised by core. The message says what the caller should do. */
export const coreErrors = {
  ERR_ENVELOPE_INVALID: 'A reading failed validation; see the per-field reasons.',
  ERR_ENVELOPE_JSON: 'A payload is not valid JSON.',
  ERR_TOPIC_INVALID: 'A topic does not match shennong/v1/{site}/{id}/{channel}.',
  ERR_CONFIG_INVALID: 'A configuration file failed validation; every problem is listed.',
  ERR_CONFIG_READ: 'A configuration file could not be read or parsed as YAML.',
  ERR_DURATION_INVALID: 'A duration is not a number with a unit (ms, s, m, h, d).',
  ERR_QUEUE_FULL: 'The durable queue is full and its overflow policy is backpressure.',
  ERR_QUEUE_CLOSED: 'The durable queue was closed while the call was pending.',
  ERR_QUEUE_CONSUMER: 'The durable queue does not know this consumer.',
  ERR_PRINCIPAL_INVALID: 'A principal was described wrongly (id, kind, role or sites).',
  ERR_PRINCIPAL_EXISTS: 'A principal with this id exists; rotate its secret instead.',
  ERR_PRINCIPAL_UNKNOWN: 'No principal has this id.',
  ERR_HJ212_FRAME: 'An HJ 212 frame lacks the ## header or the CRLF trailer.',
  ERR_HJ212_TRUNCATED: 'An HJ 212 frame ends before its declared length and has no CRLF yet; on a stream, wait for more bytes.',
  ERR_HJ212_LENGTH: 'An HJ 212 length field does not match the data segment.',
  ERR_HJ212_CRC: 'An HJ 212 CRC does not match the data segment.',
  ERR_HJ212_FIELD: 'An HJ 212 data segment lacks a required field or has a malformed one.',
  ERR_HJ212_CP: 'An HJ 212 CP area is malformed.',
  ERR_HJ212_CN: 'An HJ 212 command number is unknown.',
  ERR_NMEA_CHECKSUM: 'An NMEA sentence checksum does not match.',
  ERR_NMEA_SYNTAX: 'An NMEA sentence is malformed.',
  ERR_NMEA_UNSUPPORTED: 'An NMEA sentence type is not supported.'
} as const

export type CoreErrorCode = keyof typeof coreErrors
