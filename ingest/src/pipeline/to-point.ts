// ARCHITECTURE §5: one point per reading. measurement = kind; tags site and device; fields = the
// metrics as floats, `seq` as an integer, and `flags` ("metric=flag,…", only the metrics whose flag
// is not ok) as a string when there is one; timestamp in ms.
import type { Flag, Reading } from '@shennong/core/reading.ts'
import type { FieldValue, Point } from '../influx/writer.ts'

/** "ec_us_cm=suspect,ph=bad" for the metrics not ok, sorted by name; '' when all are ok. */
export function formatFlags (flags: Record<string, Flag>): string {
  return Object.keys(flags).filter(m => flags[m] !== 'ok').sort().map(m => `${m}=${flags[m]}`).join(',')
}

/** Inverse of formatFlags. */
export function parseFlags (text: string): Record<string, Flag> {
  const out: Record<string, Flag> = {}
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1) as Flag
  }
  return out
}

export function readingToPoint (reading: Reading, site: string, flags: Record<string, Flag>): Point {
  const fields: Record<string, FieldValue> = {}
  for (const [metric, value] of Object.entries(reading.metrics)) fields[metric] = value
  fields.seq = { int: reading.seq }
  const text = formatFlags(flags)
  if (text !== '') fields.flags = text
  return { measurement: reading.kind, tags: { site, device: reading.device }, fields, ts: reading.ts }
}
