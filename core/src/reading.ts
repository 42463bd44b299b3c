// ARCHITECTURE §3: the reading envelope and its validator. Every problem is reported, per field,
// in words a person can act on; nothing here throws on bad input.
import { CATALOG, KINDS, isKind, type Kind } from './catalog.ts'
import { isSegment } from './topics.ts'

export const FLAGS = ['ok', 'suspect', 'bad', 'maintenance', 'calibration', 'estimated'] as const
export type Flag = typeof FLAGS[number]

export interface Reading {
  device: string
  kind: Kind
  /** Epoch milliseconds, UTC. */
  ts: number
  seq: number
  metrics: Record<string, number>
  flags?: Record<string, Flag>
  source?: string
}

export interface FieldError {
  /** JSON path of the offending field, e.g. `metrics.ph` or `[3].ts`. */
  field: string
  message: string
}

export type Validation = { ok: true, reading: Reading } | { ok: false, errors: FieldError[] }

export interface ValidateOptions {
  /** Device id used when the reading names none (the authenticated sender). */
  defaultDevice?: string
  /** Current time, for the future-timestamp check. */
  now?: number
  /** How far in the future a timestamp may be (clock skew allowance). Default 5 minutes. */
  maxFutureMs?: number
  /** Oldest acceptable timestamp. Default 2000-01-01. */
  minTs?: number
}

const KNOWN_FIELDS = new Set(['device', 'kind', 'ts', 'seq', 'metrics', 'flags', 'source'])
// RFC 3339 date-time: a zone (Z or ±hh:mm) is required.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/
const RFC3339_NO_ZONE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/
const DEFAULT_MIN_TS = Date.UTC(2000, 0, 1)

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  return `${typeof value === 'object' ? 'an object' : `the ${typeof value} ${String(value)}`}`
}

/** Parses `ts` (epoch ms or RFC 3339 with a zone) to epoch ms, or returns the reason it cannot. */
export function parseTimestamp (value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `ts must be a finite number of epoch milliseconds, got ${describe(value)}`
    if (!Number.isInteger(value)) return `ts must be whole epoch milliseconds, got ${value}`
    if (value > 0 && value < 100_000_000_000) return `ts ${value} looks like epoch seconds; send epoch milliseconds`
    return value
  }
  if (typeof value === 'string') {
    if (RFC3339_NO_ZONE.test(value)) return `ts "${value}" has no time zone; add Z or an offset such as +08:00`
    const m = RFC3339.exec(value)
    if (m === null) return `ts "${value}" is not an RFC 3339 date-time with a zone (e.g. 2025-11-22T08:00:00+08:00)`
    const ms = Date.parse(value.replace(' ', 'T'))
    const [, , mo, d, h, mi, s] = m
    if (Number.isNaN(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
      return `ts "${value}" is not a real date-time`
    }
    return ms
  }
  return `ts must be epoch milliseconds or an RFC 3339 string with a zone, got ${describe(value)}`
}

export function validateReading (input: unknown, options: ValidateOptions = {}, path = ''): Validation {
  return validateAt(input, options, path)
}

/** The JSON path of `field` in the reading at `where` (a path, or an array element's index). */
function fieldPath (where: string | number, field: string): string {
  const path = typeof where === 'number' ? `[${where}]` : where
  return path === '' ? field : `${path}.${field}`
}

/**
 * validateReading with the path as a string or, for an array element, its index (formatted only
 * for an error). Every reading of every message passes here, so the valid path allocates only the
 * reading: no error list until there is an error, and a valid `metrics` object is taken as it is.
 */
function validateAt (input: unknown, options: ValidateOptions, where: string | number): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const path = typeof where === 'number' ? `[${where}]` : where
    return { ok: false, errors: [{ field: path === '' ? '(reading)' : path, message: `a reading must be a JSON object, got ${describe(input)}` }] }
  }
  let errors: FieldError[] | undefined
  const o = input as Record<string, unknown>
  for (const key in o) {
    if (!KNOWN_FIELDS.has(key)) (errors ??= []).push({ field: fieldPath(where, key), message: `unknown field "${key}"; a reading has ${[...KNOWN_FIELDS].join(', ')}` })
  }

  let device = options.defaultDevice
  if (o.device !== undefined) {
    if (isSegment(o.device)) device = o.device
    else (errors ??= []).push({ field: fieldPath(where, 'device'), message: `device must be an id of lower-case letters, digits, _ and - (max 64), got ${describe(o.device)}` })
  } else if (device === undefined) {
    (errors ??= []).push({ field: fieldPath(where, 'device'), message: 'device is missing and the sender is unknown' })
  }

  let kind: Kind | undefined
  if (o.kind === undefined) (errors ??= []).push({ field: fieldPath(where, 'kind'), message: `kind is missing; one of ${KINDS.join(', ')}` })
  else if (isKind(o.kind)) kind = o.kind
  else (errors ??= []).push({ field: fieldPath(where, 'kind'), message: `unknown kind ${describe(o.kind)}; one of ${KINDS.join(', ')}` })

  let ts = 0
  if (o.ts === undefined) (errors ??= []).push({ field: fieldPath(where, 'ts'), message: 'ts is missing' })
  else {
    const parsed = parseTimestamp(o.ts)
    if (typeof parsed === 'string') (errors ??= []).push({ field: fieldPath(where, 'ts'), message: parsed })
    else {
      const now = options.now ?? Date.now()
      const maxFuture = options.maxFutureMs ?? 300_000
      if (parsed > now + maxFuture) {
        (errors ??= []).push({ field: fieldPath(where, 'ts'), message: `ts ${new Date(parsed).toISOString()} is ${Math.round((parsed - now) / 1000)} s in the future (allowed ${maxFuture / 1000} s); check the device clock` })
      } else if (parsed < (options.minTs ?? DEFAULT_MIN_TS)) {
        (errors ??= []).push({ field: fieldPath(where, 'ts'), message: `ts ${Number.isFinite(parsed) ? new Date(parsed).toISOString() : parsed} is before ${new Date(options.minTs ?? DEFAULT_MIN_TS).toISOString()}; check the device clock` })
      } else ts = parsed
    }
  }

  let seq = 0
  if (o.seq === undefined) (errors ??= []).push({ field: fieldPath(where, 'seq'), message: 'seq is missing; send a per-device counter that only grows' })
  else if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 0) {
    (errors ??= []).push({ field: fieldPath(where, 'seq'), message: `seq must be a non-negative integer, got ${describe(o.seq)}` })
  } else seq = o.seq

  let metrics: Record<string, number> | undefined
  if (o.metrics === undefined) (errors ??= []).push({ field: fieldPath(where, 'metrics'), message: 'metrics is missing' })
  else if (typeof o.metrics !== 'object' || o.metrics === null || Array.isArray(o.metrics)) {
    (errors ??= []).push({ field: fieldPath(where, 'metrics'), message: `metrics must be an object of metric name → number, got ${describe(o.metrics)}` })
  } else {
    const input = o.metrics as Record<string, unknown>
    const known = kind === undefined ? undefined : CATALOG[kind]
    let count = 0
    let valid = true
    for (const name in input) {
      count++
      const value = input[name]
      if (known !== undefined && !Object.hasOwn(known, name)) {
        valid = false
        ;(errors ??= []).push({ field: fieldPath(where, `metrics.${name}`), message: `unknown metric "${name}" for kind ${kind}; known: ${Object.keys(known).join(', ')}` })
      } else if (typeof value !== 'number' || !Number.isFinite(value)) {
        valid = false
        ;(errors ??= []).push({ field: fieldPath(where, `metrics.${name}`), message: `metric ${name} must be a finite number, got ${describe(value)}` })
      }
    }
    if (count === 0) (errors ??= []).push({ field: fieldPath(where, 'metrics'), message: 'metrics is empty; a reading carries at least one metric' })
    // Every name known and every value a finite number: the object is the reading's metrics as it is.
    else if (valid) metrics = input as Record<string, number>
  }

  let flags: Record<string, Flag> | undefined
  if (o.flags !== undefined) {
    if (typeof o.flags !== 'object' || o.flags === null || Array.isArray(o.flags)) {
      (errors ??= []).push({ field: fieldPath(where, 'flags'), message: `flags must be an object of metric name → flag, got ${describe(o.flags)}` })
    } else {
      flags = {}
      for (const [name, flag] of Object.entries(o.flags as Record<string, unknown>)) {
        if (typeof o.metrics === 'object' && o.metrics !== null && !Object.hasOwn(o.metrics, name)) {
          (errors ??= []).push({ field: fieldPath(where, `flags.${name}`), message: `flag for "${name}", which is not among the reading's metrics` })
        } else if (!(FLAGS as readonly unknown[]).includes(flag)) {
          (errors ??= []).push({ field: fieldPath(where, `flags.${name}`), message: `flag must be one of ${FLAGS.join(', ')}, got ${describe(flag)}` })
        } else flags[name] = flag as Flag
      }
    }
  }

  let source: string | undefined
  if (o.source !== undefined) {
    if (typeof o.source === 'string' && o.source.length > 0 && o.source.length <= 64) source = o.source
    else (errors ??= []).push({ field: fieldPath(where, 'source'), message: `source must be a string of 1–64 characters, got ${describe(o.source)}` })
  }

  if (errors !== undefined || device === undefined || kind === undefined || metrics === undefined) return { ok: false, errors: errors ?? [] }
  const reading: Reading = { device, kind, ts, seq, metrics }
  if (flags !== undefined && Object.keys(flags).length > 0) reading.flags = flags
  if (source !== undefined) reading.source = source
  return { ok: true, reading }
}

export type DecodeResult =
  | { ok: true, items: Array<{ index: number, raw: unknown, validation: Validation }> }
  | { ok: false, error: FieldError }

/**
 * Decodes a telemetry payload: one reading or a JSON array of readings. A payload that is not JSON
 * fails as a whole; otherwise each element is validated on its own, so one bad reading never costs
 * the others.
 */
export function decodeReadings (payload: Uint8Array | string, options: ValidateOptions = {}): DecodeResult {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    return { ok: false, error: { field: '(payload)', message: `payload is not valid JSON: ${(err as Error).message}` } }
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return { ok: false, error: { field: '(payload)', message: 'payload is an empty array; send one reading or a non-empty array' } }
    const items: Array<{ index: number, raw: unknown, validation: Validation }> = new Array(parsed.length)
    for (let index = 0; index < parsed.length; index++) items[index] = { index, raw: parsed[index], validation: validateAt(parsed[index], options, index) }
    return { ok: true, items }
  }
  return { ok: true, items: [{ index: 0, raw: parsed, validation: validateAt(parsed, options, '') }] }
}
