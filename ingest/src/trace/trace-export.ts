// Inspectors' export of every event in a time range: JSON (the events as stored, with hashes) or
// CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break).
import type { TraceEvent } from './trace-model.ts'

export const CSV_COLUMNS = ['batch', 'seq', 'type', 'at', 'organisation', 'actor', 'place', 'lat', 'lon', 'data', 'prev', 'hash', 'signature', 'key_id', 'recorded_at'] as const

const field = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function formatEventsCsv (events: readonly TraceEvent[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const e of events) {
    lines.push([e.batch, e.seq, e.type, new Date(e.at).toISOString(), e.organisation, e.actor, e.place, e.location?.lat, e.location?.lon,
      JSON.stringify(e.data), e.prev, e.hash, e.signature, e.keyId, new Date(e.recordedAt).toISOString()].map(field).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}
