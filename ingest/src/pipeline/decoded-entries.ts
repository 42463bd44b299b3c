// The ingest log's consumers in one process (storage and the rule engine) read the same entries;
// decoding a message (JSON parse and validation of every reading) is the largest share of the
// work per reading, so it is done once: the first consumer to reach an entry decodes it and keeps
// the result here until every other consumer has taken it. The result is shared, never changed by
// a consumer. Memory is bounded by readings held: when one consumer runs far ahead of the other
// (InfluxDB down or slow: the rule engine keeps going), results past the bound are not held and
// the consumer that arrives later decodes those for itself.
import type { QueueEntry } from '@shennong/core/queue/durable-queue.ts'
import { decodeEntry, type DecodedEntry } from './decode-entry.ts'

export interface DecodedEntries {
  /** The entry decoded with this `maxFutureMs` for `consumer`: shared when another consumer decoded it alike. */
  decode: (consumer: string, entry: QueueEntry, maxFutureMs: number) => DecodedEntry
  /** Results held, and the readings in them. */
  size: () => { entries: number, readings: number }
  /** Decodes done, results shared, and results not held because the bound was reached. */
  counts: () => { decoded: number, shared: number, notHeld: number }
}

export interface DecodedEntriesOptions {
  /** Consumers that take each entry; with one, nothing is held. */
  consumers: number
  /** Readings held at most (sum over held results). */
  maxReadings: number
}

interface Held {
  decoded: DecodedEntry
  maxFutureMs: number
  takers: string[]
  weight: number
}

export function createDecodedEntries (options: DecodedEntriesOptions): DecodedEntries {
  // Insertion order is log order for each consumer, so the first key is the oldest result.
  const held = new Map<number, Held>()
  let readings = 0
  let decoded = 0
  let shared = 0
  let notHeld = 0
  // Per consumer, the highest entry id it has taken: a result is held only for consumers yet to come.
  const passed = new Map<string, number>()

  function stillToCome (id: number): boolean {
    let done = 0
    for (const last of passed.values()) if (last >= id) done++
    return done < options.consumers
  }

  function forget (id: number, h: Held): void {
    held.delete(id)
    readings -= h.weight
  }

  return {
    decode (consumer, entry, maxFutureMs) {
      if ((passed.get(consumer) ?? 0) < entry.id) passed.set(consumer, entry.id)
      const h = held.get(entry.id)
      if (h !== undefined && h.maxFutureMs === maxFutureMs && !h.takers.includes(consumer)) {
        shared++
        h.takers.push(consumer)
        if (h.takers.length >= options.consumers) forget(entry.id, h)
        return h.decoded
      }
      const result = decodeEntry(entry, { maxFutureMs })
      decoded++
      if (h !== undefined || !stillToCome(entry.id)) return result
      const weight = Math.max(1, result.readings.length)
      // Full: the held results are the ones the late consumer reaches first, so they stay and this
      // one is not held (dropping the oldest would throw away exactly what is needed next).
      if (readings + weight > options.maxReadings) { notHeld++; return result }
      held.set(entry.id, { decoded: result, maxFutureMs, takers: [consumer], weight })
      readings += weight
      return result
    },
    size: () => ({ entries: held.size, readings }),
    counts: () => ({ decoded, shared, notHeld })
  }
}
