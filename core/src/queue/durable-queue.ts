// The durable queue contract: the edge spool and the ingest log are both one of these.
// Every implementation runs the shared contract suite in contract.ts.

export interface QueueInput {
  /** Opaque, small, text: what the consumer needs to route the payload (topic, sender, …). */
  meta: string
  payload: Uint8Array
}

export interface QueueEntry extends QueueInput {
  /** Strictly increasing, never reused. */
  id: number
  /** Epoch ms of the append. */
  appendedAt: number
}

export type OverflowPolicy = 'drop-oldest' | 'backpressure'

export interface QueueLimits {
  /** Maximum entries kept; 0 means no limit. */
  maxEntries: number
  /** Maximum bytes kept (meta + payload); 0 means no limit. */
  maxBytes: number
  /** Entries older than this are expired (dropped and counted); 0 means never. */
  maxAgeMs: number
  onFull: OverflowPolicy
  /** With backpressure: how long an append waits for room before it fails with ERR_QUEUE_FULL. */
  backpressureTimeoutMs: number
}

export interface QueueStats {
  depth: number
  bytes: number
  /** Epoch ms of the oldest entry still kept, or null when empty. */
  oldestAppendedAt: number | null
  /** Totals over the queue's life, persisted with it. */
  appended: number
  dropped: { overflow: number, expired: number }
  /** Per consumer: entries not yet released by it. */
  consumers: Record<string, { pending: number }>
}

export type DropReason = 'overflow' | 'expired'

export interface DurableQueue {
  /**
   * Appends items; resolves with their ids once they are committed to durable storage (several
   * calls may share one commit). With `backpressure`, waits for room; with `drop-oldest`, makes
   * room by dropping the oldest entries, which are counted and reported through `onDrop`.
   */
  append: (items: QueueInput[]) => Promise<number[]>
  /** Next entries this consumer has not yet been handed, oldest first. */
  read: (consumer: string, max: number, maxBytes?: number) => Promise<QueueEntry[]>
  /** The consumer is done with these entries; they never come back to it, even after a crash. */
  release: (consumer: string, ids: number[]) => Promise<void>
  /** Hands out the consumer's unreleased entries again from the oldest (after a failed attempt). */
  rewind: (consumer: string) => void
  /** Resolves when new entries may be there (an append here, or after `pollMs` for other writers). */
  waitForData: (pollMs: number) => Promise<void>
  stats: () => Promise<QueueStats>
  onDrop: (listener: (count: number, reason: DropReason) => void) => void
  close: () => Promise<void>
}

export const DEFAULT_LIMITS: QueueLimits = {
  maxEntries: 0,
  maxBytes: 0,
  maxAgeMs: 0,
  onFull: 'backpressure',
  backpressureTimeoutMs: 30_000
}
