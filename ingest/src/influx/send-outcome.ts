// What one write request came to, independent of the API (v1 /write or v2 /api/v2/write), and how
// HTTP answers and transport failures map onto it. The batch writer decides what to do next.
import { ShennongError } from '@shennong/core/errors.ts'

export type SendOutcome =
  | { kind: 'ok' }
  /** InfluxDB refused some or all points of the request (400/422: partial write, unable to parse). */
  | { kind: 'reject', status: number, message: string }
  /** The request body is too large (413): split it. */
  | { kind: 'too-large', message: string }
  /** A transient failure: wait and send the same request again. */
  | { kind: 'retry', error: ShennongError, retryAfterMs?: number }

/** InfluxDB's own words from an error body: 1.x `{"error":…}`, 2.x `{"code":…,"message":…}`, or text. */
export function errorMessage (body: string | undefined, status: number): string {
  const text = (body ?? '').trim()
  if (text !== '') {
    try {
      const json = JSON.parse(text) as { error?: unknown, message?: unknown }
      if (typeof json.error === 'string' && json.error !== '') return json.error
      if (typeof json.message === 'string' && json.message !== '') return json.message
    } catch {
      // not JSON: the text is the message
    }
    return text.slice(0, 2000)
  }
  return `HTTP ${status}`
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter (value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Maps an HTTP answer to a write onto an outcome. */
export function outcomeForStatus (status: number, message: string, retryAfterMs?: number): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok' }
  if (status === 400 || status === 422) return { kind: 'reject', status, message }
  if (status === 413) return { kind: 'too-large', message }
  if (status === 401 || status === 403) {
    return { kind: 'retry', error: new ShennongError('ERR_INFLUX_AUTH', `InfluxDB refused the credentials (HTTP ${status}: ${message}); fix influx.username/password or influx.token`, { details: { status } }) }
  }
  const hint = status === 404 ? ' (does the database or bucket exist?)' : ''
  return {
    kind: 'retry',
    error: new ShennongError('ERR_INFLUX_UNAVAILABLE', `InfluxDB answered HTTP ${status}: ${message}${hint}`, { details: { status } }),
    retryAfterMs
  }
}

/** Maps a failed request (no HTTP answer) onto a retry: a timeout, or an unreachable server. */
export function outcomeForFailure (err: unknown, url: string, timeoutMs: number): SendOutcome {
  const e = err as { name?: string, code?: string, message?: string, cause?: { code?: string, message?: string } }
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimedOutError') {
    return { kind: 'retry', error: new ShennongError('ERR_INFLUX_TIMEOUT', `InfluxDB at ${url} did not answer within ${timeoutMs} ms`, { cause: err }) }
  }
  const code = e?.cause?.code ?? e?.code
  const why = code ?? e?.cause?.message ?? e?.message ?? String(err)
  return { kind: 'retry', error: new ShennongError('ERR_INFLUX_UNAVAILABLE', `InfluxDB at ${url} cannot be reached: ${why}`, { cause: err, details: { code } }) }
}
