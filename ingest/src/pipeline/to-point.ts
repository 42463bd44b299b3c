// ARCHITECTURE §5: one point per reading. measurement = kind; tags site and device; fields = the
// metrics as floats, `seq` as an integer, and `flags` ("metric=flag,…", only the metrics whose flag
// is not ok) as a string when there is one; timestamp in ms.
import type { Flag, Reading } from '@shennong/core/reading.ts'
import type { FieldValue, Point } from '../influx/writer.ts'
import { escapeKey, escapeMeasurement, formatFloat, formatStringField } from '../influx/line-protocol.ts'

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

/**
 * Escaped names (kinds, sites, devices, metric keys) are few and repeat on every reading: each is
 * escaped once. Bounded: the cache starts over when it holds `limit` names.
 */
function createEscapeCache (escape: (s: string) => string, limit = 50_000): (s: string) => string {
  let cache = new Map<string, string>()
  return s => {
    let out = cache.get(s)
    if (out === undefined) {
      out = escape(s)
      if (cache.size >= limit) cache = new Map()
      cache.set(s, out)
    }
    return out
  }
}

/** What the pipeline needs to write readings: one line of line protocol per reading. */
export interface ReadingLineFormatter {
  /** The line of `readingToPoint(reading, site, flags)`, byte for byte what formatPoint gives. */
  format: (reading: Reading, site: string, flags: Record<string, Flag>) => string
}

export function createReadingLineFormatter (): ReadingLineFormatter {
  const measurement = createEscapeCache(escapeMeasurement)
  const key = createEscapeCache(escapeKey)
  return {
    format (reading, site, flags) {
      // formatPoint sorts tags by key (device < site) and leaves out empty values.
      let line = measurement(reading.kind)
      if (reading.device !== '') line += ',device=' + key(reading.device)
      if (site !== '') line += ',site=' + key(site)
      let sep = ' '
      const metrics = reading.metrics
      for (const metric in metrics) {
        line += sep + key(metric) + '=' + formatFloat(metrics[metric])
        sep = ','
      }
      line += sep + 'seq=' + String(reading.seq) + 'i'
      let notOk: string[] | undefined
      for (const metric in flags) if (flags[metric] !== 'ok') (notOk ??= []).push(metric)
      if (notOk !== undefined) line += ',flags=' + formatStringField(notOk.sort().map(m => `${m}=${flags[m]}`).join(','))
      return line + ' ' + String(Math.trunc(reading.ts))
    }
  }
}
