// A gateway's retained `status` message (docs/edge.md "Status (retained) and last will") as one
// point of measurement `gateway_status`: tags site and gateway (the topic's id), numeric fields for
// link state, spool, readings, uplink, clock and the summed per-source counters. Lenient: every part
// of the payload is optional and a part of the wrong type is left out; a payload with nothing we
// know is malformed (counted and skipped, never written).
import { parseTimestamp } from '@shennong/core/reading.ts'
import type { TopicParts } from '@shennong/core/topics.ts'
import type { Point } from '../influx/writer.ts'

export const GATEWAY_STATUS_MEASUREMENT = 'gateway_status'

export type MapResult =
  | { ok: true, point: Point }
  | { ok: false, outcome: 'malformed' | 'ignored', reason: string }

/** Longest string field written; longer ones are cut (a status or command is not a document). */
export const MAX_TEXT = 1024
/** Error kinds (timeout, crc, frame, exception, …) written as their own fields at most; the rest go to errors_other. */
const MAX_ERROR_KINDS = 16
const ERROR_KIND_RE = /^[a-z][a-z0-9_]{0,31}$/
/** Payload timestamps further ahead than this are not believed; the time of receipt is used. */
const MAX_FUTURE_MS = 300_000
const MIN_TS = Date.UTC(2000, 0, 1)

type Obj = Record<string, unknown>

function isObject (v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function count (v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.trunc(v) : undefined
}

export function cut (text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text
}

/** The payload's `ts` when it is a believable time, else the time of receipt. */
export function pointTime (ts: unknown, receivedAt: number): number {
  if (ts === undefined || ts === null) return receivedAt
  const parsed = parseTimestamp(ts)
  if (typeof parsed === 'string' || parsed > receivedAt + MAX_FUTURE_MS || parsed < MIN_TS) return receivedAt
  return parsed
}

/** Parses a JSON object payload; an empty payload (a retained message being cleared) is ignored. */
export function decodeObject (payload: Buffer): { ok: true, value: Obj } | { ok: false, outcome: 'malformed' | 'ignored', reason: string } {
  if (payload.length === 0) return { ok: false, outcome: 'ignored', reason: 'empty payload' }
  let value: unknown
  try { value = JSON.parse(payload.toString('utf8')) } catch { return { ok: false, outcome: 'malformed', reason: 'payload is not JSON' } }
  if (!isObject(value)) return { ok: false, outcome: 'malformed', reason: 'payload is not a JSON object' }
  return { ok: true, value }
}

export function toGatewayStatusPoint (topic: Pick<TopicParts, 'site' | 'id'>, payload: Buffer, receivedAt: number): MapResult {
  const decoded = decodeObject(payload)
  if (!decoded.ok) return decoded
  const s = decoded.value
  const fields: Point['fields'] = {}
  const int = (name: string, v: unknown): void => {
    const n = count(v)
    if (n !== undefined) fields[name] = { int: n }
  }
  if (s.state === 'online' || s.state === 'offline') fields.online = { int: s.state === 'online' ? 1 : 0 }
  if (typeof s.reason === 'string') fields.reason = cut(s.reason)

  if (isObject(s.spool)) {
    int('spool_depth', s.spool.depth)
    int('spool_bytes', s.spool.bytes)
    const ageMs = s.spool.oldestUnsentAgeMs
    if (typeof ageMs === 'number' && Number.isFinite(ageMs) && ageMs >= 0) fields.oldest_unsent_age_s = ageMs / 1000
    if (isObject(s.spool.dropped)) {
      const parts = Object.values(s.spool.dropped).map(count).filter(n => n !== undefined)
      if (parts.length > 0) fields.spool_dropped = { int: parts.reduce((a, n) => a + n, 0) }
    }
  }
  if (isObject(s.readings)) {
    int('readings_taken', s.readings.taken)
    int('readings_lost_spool_full', s.readings.lostSpoolFull)
    int('readings_dropped_overflow', s.readings.droppedOverflow)
    int('readings_dropped_expired', s.readings.droppedExpired)
  }
  if (isObject(s.uplink)) {
    if (typeof s.uplink.connected === 'boolean') fields.uplink_connected = { int: s.uplink.connected ? 1 : 0 }
    int('uplink_connects', s.uplink.connects)
    int('uplink_disconnects', s.uplink.disconnects)
    int('uplink_batches', s.uplink.batches)
    int('uplink_inflight', s.uplink.inflight)
  }
  if (isObject(s.clock) && typeof s.clock.state === 'string') {
    fields.clock_ok = { int: s.clock.state === 'synchronised' ? 1 : 0 }
    fields.clock_state = cut(s.clock.state)
  }
  if (isObject(s.sources)) addSourceCounters(s.sources, fields)

  if (Object.keys(fields).length === 0) return { ok: false, outcome: 'malformed', reason: 'no known status field (state, spool, readings, uplink, clock, sources)' }
  return { ok: true, point: { measurement: GATEWAY_STATUS_MEASUREMENT, tags: { site: topic.site, gateway: topic.id }, fields, ts: pointTime(s.ts, receivedAt) } }
}

/** Sums every source's devices: polls, failures, errors in total and by kind, devices failing now. */
function addSourceCounters (sources: Obj, fields: Point['fields']): void {
  let devices = 0
  let failing = 0
  let polls = 0
  let failures = 0
  let errors = 0
  const byKind = new Map<string, number>()
  for (const source of Object.values(sources)) {
    if (!isObject(source) || !isObject(source.devices)) continue
    for (const device of Object.values(source.devices)) {
      if (!isObject(device)) continue
      devices++
      if ((count(device.consecutiveFailures) ?? 0) > 0) failing++
      polls += count(device.polls) ?? 0
      failures += count(device.failures) ?? 0
      if (!isObject(device.errors)) continue
      for (const [kind, value] of Object.entries(device.errors)) {
        const n = count(value)
        if (n === undefined) continue
        errors += n
        const key = ERROR_KIND_RE.test(kind) && (byKind.has(kind) || byKind.size < MAX_ERROR_KINDS) ? kind : 'other'
        byKind.set(key, (byKind.get(key) ?? 0) + n)
      }
    }
  }
  if (devices === 0) return
  fields.source_devices = { int: devices }
  fields.source_devices_failing = { int: failing }
  fields.source_polls = { int: polls }
  fields.source_failures = { int: failures }
  fields.source_errors = { int: errors }
  for (const [kind, n] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) fields[`errors_${kind}`] = { int: n }
}
