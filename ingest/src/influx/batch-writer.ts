// The write semantics shared by both APIs (writer.ts): split large writes, retry transient failures
// forever with full-jitter backoff until the signal aborts, and pin down exactly which points a
// partial write rejected by bisecting. Re-sending points is harmless: a point's identity
// (measurement, tags, timestamp) makes it overwrite itself (ARCHITECTURE §5).
import { parseDuration } from '@shennong/core/duration.ts'
import type { Logger } from '@shennong/core/logger.ts'
import { abortedError, fullJitterDelay, sleepUnlessAborted } from './backoff.ts'
import type { InfluxConfig } from './config.ts'
import { formatPoint } from './line-protocol.ts'
import type { SendOutcome } from './send-outcome.ts'
import type { InfluxWriter, LineWriteResult, Point, RejectedLine, WriteResult } from './writer.ts'

type RetryInfo = { attempt: number, delayMs: number, error: Error }

export interface BatchWriterOptions {
  config: InfluxConfig
  /** Sends line protocol once. Must settle soon after `signal` aborts. */
  send: (body: string, signal: AbortSignal) => Promise<SendOutcome>
  /** Releases the transport. */
  close?: () => Promise<void>
  logger?: Logger
  random?: () => number
}

/** Lines [start, end) as one request body. */
function joinLines (lines: readonly string[], start: number, end: number): string {
  return (start === 0 && end === lines.length ? lines : lines.slice(start, end)).join('\n')
}

export function createBatchWriter (options: BatchWriterOptions): InfluxWriter {
  const { config, send, logger } = options
  const initialMs = parseDuration(config.retry.initialDelay)
  const maxMs = parseDuration(config.retry.maxDelay)
  const maxBatch = config.maxBatchPoints
  const listeners: Array<(info: RetryInfo) => void> = []
  const closing = new AbortController()

  function emitRetry (info: RetryInfo): void {
    for (const listener of listeners) {
      try { listener(info) } catch { /* a listener's failure must not stop the write */ }
    }
  }

  async function sendWithRetry (body: string, signal: AbortSignal): Promise<Exclude<SendOutcome, { kind: 'retry' }>> {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw abortedError(signal)
      const outcome = await send(body, signal)
      if (signal.aborted) throw abortedError(signal)
      if (outcome.kind !== 'retry') return outcome
      const delayMs = Math.max(fullJitterDelay(attempt, initialMs, maxMs, options.random), Math.min(outcome.retryAfterMs ?? 0, maxMs))
      logger?.debug('influx write retry', { attempt, delayMs, err: outcome.error })
      emitRetry({ attempt, delayMs, error: outcome.error })
      await sleepUnlessAborted(delayMs, signal)
    }
  }

  async function writeLines (lines: readonly string[], signal?: AbortSignal): Promise<LineWriteResult> {
    const sig = signal === undefined ? closing.signal : AbortSignal.any([signal, closing.signal])
    if (sig.aborted) throw abortedError(sig)
    const rejected: RejectedLine[] = []
    let written = 0

    // Sends lines [start, end); a refused or too large group is halved until single lines are left.
    async function writeGroup (start: number, end: number): Promise<void> {
      const outcome = await sendWithRetry(joinLines(lines, start, end), sig)
      if (outcome.kind === 'ok') {
        written += end - start
        return
      }
      if (end - start === 1) {
        rejected.push({ index: start, reason: outcome.message })
        return
      }
      const half = start + Math.ceil((end - start) / 2)
      await writeGroup(start, half)
      await writeGroup(half, end)
    }

    for (let start = 0; start < lines.length; start += maxBatch) {
      await writeGroup(start, Math.min(lines.length, start + maxBatch))
    }
    return { written, rejected }
  }

  async function write (points: Point[], signal?: AbortSignal): Promise<WriteResult> {
    const result = await writeLines(points.map(formatPoint), signal)
    return { written: result.written, rejected: result.rejected.map(r => ({ index: r.index, point: points[r.index], reason: r.reason })) }
  }

  return {
    write,
    writeLines,
    onRetry: listener => { listeners.push(listener) },
    close: async () => {
      closing.abort(new Error('the InfluxDB writer was closed'))
      await options.close?.()
    }
  }
}
