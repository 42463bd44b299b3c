// HJ 212 timestamps (spec/hj212.md §4, §5): QN is YYYYMMDDhhmmsszzz (17 digits), DataTime and the
// other N14 times are YYYYMMDDhhmmss. The standard states no zone; platforms use Beijing time
// (UTC+8) in practice, so every function takes the offset in minutes and defaults to +480.

import { hj212Error } from './hj212-error.ts'

export const BEIJING_OFFSET_MINUTES = 480

const DIGITS_14 = /^\d{14}$/
const DIGITS_17 = /^\d{17}$/

/** True when `text` is 14 or 17 digits (as allowed) naming a real calendar instant. */
export function isHj212Time (text: string, digits: 14 | 17 | 'either'): boolean {
  const ok = digits === 14 ? DIGITS_14.test(text) : digits === 17 ? DIGITS_17.test(text) : DIGITS_14.test(text) || DIGITS_17.test(text)
  return ok && toEpoch(text, 0) !== undefined
}

function toEpoch (text: string, tzOffsetMinutes: number): number | undefined {
  const year = Number(text.slice(0, 4))
  const month = Number(text.slice(4, 6))
  const day = Number(text.slice(6, 8))
  const hour = Number(text.slice(8, 10))
  const minute = Number(text.slice(10, 12))
  const second = Number(text.slice(12, 14))
  const ms = text.length === 17 ? Number(text.slice(14, 17)) : 0
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day) // setUTCFullYear keeps years < 100 as written, Date.UTC would not
  if (d.getUTCDate() !== day) return undefined
  d.setUTCHours(hour, minute, second, ms)
  return d.getTime() - tzOffsetMinutes * 60_000
}

function checkOffset (tzOffsetMinutes: number): void {
  if (!Number.isInteger(tzOffsetMinutes) || Math.abs(tzOffsetMinutes) > 14 * 60) {
    throw new RangeError(`tzOffsetMinutes must be an integer within ±840, got ${tzOffsetMinutes}`)
  }
}

function wallClock (date: Date, tzOffsetMinutes: number): string {
  checkOffset(tzOffsetMinutes)
  const t = date.getTime()
  if (!Number.isFinite(t)) throw new RangeError('invalid Date')
  const d = new Date(t + tzOffsetMinutes * 60_000)
  const y = d.getUTCFullYear()
  if (y < 0 || y > 9999) throw new RangeError(`year ${y} does not fit 4 digits`)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return p(y, 4) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes()) +
    p(d.getUTCSeconds()) + p(d.getUTCMilliseconds(), 3)
}

/** QN for `date` as wall-clock time at `tzOffsetMinutes`: `YYYYMMDDhhmmsszzz`. */
export function formatQn (date: Date, tzOffsetMinutes: number = BEIJING_OFFSET_MINUTES): string {
  return wallClock(date, tzOffsetMinutes)
}

/** The instant a QN names. Throws ERR_HJ212_FIELD (reason BAD_QN) unless 17 digits of a real date. */
export function parseQn (text: string, tzOffsetMinutes: number = BEIJING_OFFSET_MINUTES): Date {
  checkOffset(tzOffsetMinutes)
  const t = DIGITS_17.test(text) ? toEpoch(text, tzOffsetMinutes) : undefined
  if (t === undefined) throw hj212Error('ERR_HJ212_FIELD', 'BAD_QN', `QN "${text}" is not YYYYMMDDhhmmsszzz`, { field: 'QN', value: text })
  return new Date(t)
}

/** DataTime / SystemTime / BeginTime … for `date`: `YYYYMMDDhhmmss`. */
export function formatDataTime (date: Date, tzOffsetMinutes: number = BEIJING_OFFSET_MINUTES): string {
  return wallClock(date, tzOffsetMinutes).slice(0, 14)
}

/**
 * The instant an N14 time (DataTime, BeginTime, SystemTime, …) names. `lenient` (default) also takes
 * 17 digits and drops the milliseconds (§5, practice). Throws ERR_HJ212_CP (reason BAD_TIME).
 */
export function parseDataTime (
  text: string,
  tzOffsetMinutes: number = BEIJING_OFFSET_MINUTES,
  mode: 'lenient' | 'strict' = 'lenient'
): Date {
  checkOffset(tzOffsetMinutes)
  const ok = DIGITS_14.test(text) || (mode === 'lenient' && DIGITS_17.test(text))
  const t = ok ? toEpoch(text.slice(0, 14), tzOffsetMinutes) : undefined
  if (t === undefined) throw hj212Error('ERR_HJ212_CP', 'BAD_TIME', `time "${text}" is not YYYYMMDDhhmmss`, { value: text })
  return new Date(t)
}
