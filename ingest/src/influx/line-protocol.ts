// InfluxDB line protocol (1.x reference "Line protocol syntax", also accepted by 2.x/3.x):
//   measurement[,tag=value…] field=value[,field=value…] timestamp
// Escaping follows the reference and the official clients: measurement escapes comma and space;
// tag keys, tag values and field keys escape comma, equals sign and space; string field values are
// double-quoted with `"` and `\` escaped. Newline, carriage return and tab would end or break a line,
// so they are written as the two-character sequences \n, \r, \t (as influxdb-client-js does).
// Numbers: a plain number is a float (the protocol's default, also for 540); `{ int: n }` is `ni`.
// Timestamps are epoch milliseconds (the writers send precision=ms).
import type { FieldValue, Point } from './writer.ts'

const CONTROL: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function escaper (special: string): (s: string) => string {
  const re = new RegExp(`[${special.replace(/[\\\]^-]/g, '\\$&')}\\n\\r\\t]`, 'g')
  return s => s.replace(re, ch => CONTROL[ch] ?? `\\${ch}`)
}

/** Measurement names: comma and space. */
export const escapeMeasurement = escaper(', ')
/** Tag keys, tag values and field keys: comma, equals sign and space. */
export const escapeKey = escaper(',= ')

/** A string field value, quoted. */
export function formatStringField (value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`
}

/** A float in line protocol: no `i` suffix, so 540 stays a float; exponents are accepted. */
export function formatFloat (value: number): string {
  return Object.is(value, -0) ? '0' : String(value)
}

export function formatFieldValue (value: FieldValue): string {
  if (typeof value === 'number') return formatFloat(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'string') return formatStringField(value)
  return `${String(value.int)}i`
}

/**
 * One point as one line. Tags are sorted by key (what InfluxDB recommends for write performance)
 * and tags with an empty value are left out (InfluxDB has no empty tag values). Fields keep their
 * order. Values the protocol cannot carry (NaN, a fractional `int`, no fields) are written as they
 * are, and InfluxDB rejects that point with its own message.
 */
export function formatPoint (point: Point): string {
  let line = escapeMeasurement(point.measurement)
  for (const key of Object.keys(point.tags).sort()) {
    const value = point.tags[key]
    if (value === '' || value === undefined) continue
    line += `,${escapeKey(key)}=${escapeKey(value)}`
  }
  const fields: string[] = []
  for (const [key, value] of Object.entries(point.fields)) fields.push(`${escapeKey(key)}=${formatFieldValue(value)}`)
  return `${line} ${fields.join(',')} ${String(Math.trunc(point.ts))}`
}

/** Many points, one per line. */
export function formatPoints (points: readonly Point[]): string {
  return points.map(formatPoint).join('\n')
}
