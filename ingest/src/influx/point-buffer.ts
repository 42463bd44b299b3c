// A bounded buffer of points in front of an InfluxWriter, for outputs that must never hold up what
// feeds them (alert and index points, fleet status): `push` never waits; one loop drains the buffer
// in batches while the writer retries; past `maxPending` the oldest points go (drop-oldest); every
// point that is not written is reported with its reason.
import type { InfluxWriter, Point } from './writer.ts'

export type PointDropReason = 'overflow' | 'rejected' | 'failed'

export interface PointBufferOptions {
  /** Points kept while InfluxDB is slow or down. */
  maxPending: number
  /** Points per write at most. */
  batchPoints: number
}

export interface PointBufferDeps {
  writer: InfluxWriter
  onWritten?: (count: number) => void
  /** `reason` is InfluxDB's message for rejected points; `err` why a write failed (not called for a write cut off by close). */
  onDropped?: (why: PointDropReason, count: number, detail: { reason?: string, err?: unknown }) => void
}

export interface PointBuffer {
  push: (point: Point) => void
  /** Points queued or being written. */
  pending: () => number
  /** Resolves once every queued point is written or dropped; rejects after `timeoutMs`. */
  idle: (timeoutMs?: number) => Promise<void>
  /** Gives queued points `drainMs` to be written, then stops the loop; what is left is not written. */
  close: (drainMs?: number) => Promise<void>
}

export function createPointBuffer (options: PointBufferOptions, deps: PointBufferDeps): PointBuffer {
  const queue: Point[] = []
  const abort = new AbortController()
  const idleWaiters: Array<() => void> = []
  let writing: Promise<void> | null = null
  let inFlight = 0

  async function drain (): Promise<void> {
    while (queue.length > 0 && !abort.signal.aborted) {
      const batch = queue.splice(0, options.batchPoints)
      inFlight = batch.length
      try {
        const result = await deps.writer.write(batch, abort.signal)
        deps.onWritten?.(result.written)
        if (result.rejected.length > 0) deps.onDropped?.('rejected', result.rejected.length, { reason: result.rejected[0].reason })
      } catch (err) {
        if (abort.signal.aborted) break
        deps.onDropped?.('failed', batch.length, { err })
      } finally {
        inFlight = 0
      }
    }
  }

  function kick (): void {
    if (writing !== null) return
    writing = drain().finally(() => {
      writing = null
      if (queue.length > 0 && !abort.signal.aborted) kick()
      else for (const w of idleWaiters.splice(0)) w()
    })
  }

  function idle (timeoutMs = 30_000): Promise<void> {
    if (writing === null && queue.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${queue.length + inFlight} points still pending after ${timeoutMs} ms`)) }, timeoutMs)
      idleWaiters.push(() => { clearTimeout(timer); resolve() })
    })
  }

  return {
    push (point) {
      queue.push(point)
      while (queue.length > options.maxPending) {
        queue.shift()
        deps.onDropped?.('overflow', 1, {})
      }
      if (!abort.signal.aborted) kick()
    },
    pending: () => queue.length + inFlight,
    idle,
    async close (drainMs = 0) {
      if (drainMs > 0) await idle(drainMs).catch(() => {})
      abort.abort()
      await writing
    }
  }
}
