// One ingest log entry → the readings it carries and what must be quarantined. The entry's meta
// names the topic (site and sender id), the sender and the transport; a reading without `device`
// belongs to the topic's {id} (ARCHITECTURE §2). Never throws: every problem becomes a quarantine
// record with every reason.
import { decodeLogMeta, type LogMeta } from '@shennong/core/ingest-log.ts'
import { decodeReadings, type Reading } from '@shennong/core/reading.ts'
import { parseTopic } from '@shennong/core/topics.ts'
import type { QueueEntry } from '@shennong/core/queue/durable-queue.ts'
import type { QuarantineInput } from '../quarantine/quarantine-store.ts'

export interface DecodedReading {
  reading: Reading
  /** Element index in an array payload, null for a single reading. */
  index: number | null
}

export interface DecodedEntry {
  meta: LogMeta | null
  site: string | null
  readings: DecodedReading[]
  quarantine: QuarantineInput[]
  /** Readings (valid or not) the payload held; 0 when it could not be decoded at all. */
  count: number
}

function payloadText (payload: Uint8Array): string {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')
}

function readMeta (text: string): { meta: LogMeta } | { problem: string, meta: Partial<LogMeta> } {
  let meta: LogMeta
  try {
    meta = decodeLogMeta(text)
  } catch (err) {
    return { problem: `log entry meta is not JSON: ${(err as Error).message}`, meta: {} }
  }
  if (typeof meta !== 'object' || meta === null) return { problem: 'log entry meta is not an object', meta: {} }
  const topic = typeof meta.topic === 'string' ? parseTopic(meta.topic) : null
  if (topic === null) return { problem: `log entry topic ${JSON.stringify(meta.topic)} is not a Shennong v1 topic`, meta }
  if (topic.channel !== 'telemetry') return { problem: `log entry topic ${meta.topic} is not a telemetry topic`, meta }
  if (typeof meta.sender !== 'string') return { problem: 'log entry meta has no sender', meta }
  return { meta }
}

export function decodeEntry (entry: QueueEntry, options: { maxFutureMs: number, now?: number }): DecodedEntry {
  const text = payloadText(entry.payload)
  const m = readMeta(entry.meta)
  const base = {
    receivedAt: typeof m.meta.receivedAt === 'number' && Number.isFinite(m.meta.receivedAt) ? m.meta.receivedAt : entry.appendedAt,
    topic: typeof m.meta.topic === 'string' ? m.meta.topic : '(unknown)',
    sender: typeof m.meta.sender === 'string' ? m.meta.sender : '(unknown)',
    transport: m.meta.transport ?? 'mqtt',
    logId: entry.id,
    replayOf: typeof m.meta.replayOf === 'number' ? m.meta.replayOf : null
  }
  if ('problem' in m) {
    return {
      meta: null,
      site: null,
      readings: [],
      count: 0,
      quarantine: [{ ...base, payload: text, itemIndex: null, stage: 'decode', reasons: [{ field: '(meta)', message: `${m.problem}; meta was ${entry.meta.slice(0, 500)}` }] }]
    }
  }
  const topic = parseTopic(m.meta.topic)!
  const decoded = decodeReadings(text, { defaultDevice: topic.id, maxFutureMs: options.maxFutureMs, now: options.now ?? base.receivedAt })
  if (!decoded.ok) {
    return { meta: m.meta, site: topic.site, readings: [], count: 0, quarantine: [{ ...base, payload: text, itemIndex: null, stage: 'decode', reasons: [decoded.error] }] }
  }
  const isArray = text.trimStart().startsWith('[')
  const readings: DecodedReading[] = []
  const quarantine: QuarantineInput[] = []
  for (const item of decoded.items) {
    const index = isArray ? item.index : null
    if (item.validation.ok) readings.push({ reading: item.validation.reading, index })
    else {
      quarantine.push({ ...base, payload: isArray ? JSON.stringify(item.raw) : text, itemIndex: index, stage: 'validate', reasons: item.validation.errors })
    }
  }
  return { meta: m.meta, site: topic.site, readings, quarantine, count: decoded.items.length }
}
