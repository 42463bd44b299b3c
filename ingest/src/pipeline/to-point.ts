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
 * The text of a value, made once per value and then looked up: escaped names (kinds, sites,
 * devices, metric keys) are few and repeat on every reading, and so do sensor values (a
 * resolution of 0.1 gives a few hundred per metric; a double's shortest text costs more to make
 * than to look up). Bounded: the cache starts over when it holds `limit` values.
 */
function createTextCache<K> (text: (value: K) => string, limit: number): (value: K) => string {
  let cache = new Map<K, string>()
  return value => {
    let out = cache.get(value)
    if (out === undefined) {
      out = text(value)
      if (cache.size >= limit) cache = new Map()
      cache.set(value, out)
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
  const measurement = createTextCache(escapeMeasurement, 50_000)
  const key = createTextCache(escapeKey, 50_000)
  const floatText = createTextCache(formatFloat, 20_000)
  // "kind,device=…,site=…" per site, device and kind: built once, shared by every line.
  let series = new Map<string, Map<string, Map<string, string>>>()
  let seriesCount = 0

  function seriesOf (kind: string, device: string, site: string): string {
    let bySite = series.get(kind)
    if (bySite === undefined) { bySite = new Map(); series.set(kind, bySite) }
    let byDevice = bySite.get(site)
    if (byDevice === undefined) { byDevice = new Map(); bySite.set(site, byDevice) }
    let text = byDevice.get(device)
    if (text === undefined) {
      // formatPoint sorts tags by key (device < site) and leaves out empty values.
      text = [measurement(kind), device === '' ? '' : `,device=${key(device)}`, site === '' ? '' : `,site=${key(site)}`].join('')
      if (seriesCount >= 100_000) { series = new Map(); seriesCount = 0 }
      byDevice.set(device, text)
      seriesCount++
    }
    return text
  }

  return {
    format (reading, site, flags) {
      // The parts are joined once, so a line is one flat string: it stays alive until its write
      // completes, and a tree of concatenations would cost the garbage collector far more.
      const parts: string[] = [seriesOf(reading.kind, reading.device, site)]
      let sep = ' '
      const metrics = reading.metrics
      for (const metric in metrics) {
        parts.push(sep, key(metric), '=', floatText(metrics[metric]))
        sep = ','
      }
      parts.push(sep, 'seq=', String(reading.seq), 'i')
      let notOk: string[] | undefined
      for (const metric in flags) if (flags[metric] !== 'ok') (notOk ??= []).push(metric)
      if (notOk !== undefined) parts.push(',flags=', formatStringField(notOk.sort().map(m => `${m}=${flags[m]}`).join(',')))
      parts.push(' ', String(Math.trunc(reading.ts)))
      return parts.join('')
    }
  }
}
