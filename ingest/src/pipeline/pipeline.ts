// The ingest pipeline: consumer "ingest" of the ingest log. Reads a batch of entries, decodes and
// validates them (quarantining what fails), runs quality control, writes one point per reading
// through the InfluxWriter, quarantines what InfluxDB rejects, and only then releases the entries
// (ARCHITECTURE §6.4). At most `maxInFlightBatches` batches are outstanding; while InfluxDB is slow
// or down the writes keep retrying and the consumer stops reading, so the backlog stays in the log
// on disk (backpressure), not in memory.
import type { DurableQueue, QueueEntry } from '@shennong/core/queue/durable-queue.ts'
import type { LogMeta } from '@shennong/core/ingest-log.ts'
import type { Logger } from '@shennong/core/logger.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { InfluxWriter } from '../influx/writer.ts'
import type { QuarantineInput, QuarantineStore } from '../quarantine/quarantine-store.ts'
import type { QualityControl } from '../qc/quality-control.ts'
import type { IngestMetrics } from '../ingest-metrics.ts'
import { reasonLabel } from '../ingest-metrics.ts'
import type { PipelineConfig } from '../config.ts'
import { createDecodedEntries, type DecodedEntries } from './decoded-entries.ts'
import { createReadingLineFormatter } from './to-point.ts'

export interface PipelineDeps {
  log: DurableQueue
  writer: InfluxWriter
  quarantine: QuarantineStore
  qc: QualityControl
  metrics: IngestMetrics
  logger: Logger
  /** Consumer name in the ingest log; "ingest". */
  consumer?: string
  /** Decoded entries shared with the process's other log consumers (the rule engine). */
  decoded?: DecodedEntries
}

export interface Pipeline {
  /** Starts consuming from the oldest entry this consumer has not released. */
  start: () => void
  /**
   * Stops reading, lets in-flight batches finish for up to `drainMs` (default 5 s), then abandons
   * the rest without releasing them (they are read again at the next start).
   */
  stop: (options?: { drainMs?: number }) => Promise<void>
  inFlight: () => number
  running: () => boolean
  /** Resolves when nothing is in flight and the log holds nothing for this consumer (tests, benchmarks). */
  idle: (timeoutMs?: number) => Promise<void>
}

/**
 * A prepared batch: one line of line protocol per valid reading, and for each line where it came
 * from (the entry's position in the batch and the element index in its payload, -1 for a single
 * reading). Only numbers and the line strings stay alive while the write is outstanding; the rare
 * rejected line finds its raw reading again by decoding its entry once more.
 */
interface Prepared {
  lines: string[]
  entryOf: number[]
  itemOf: number[]
  metas: Array<LogMeta | null>
  records: QuarantineInput[]
}

const RETRY_MIN_MS = 200
const RETRY_MAX_MS = 10_000

export function createPipeline (config: PipelineConfig, deps: PipelineDeps): Pipeline {
  const consumer = deps.consumer ?? 'ingest'
  const { log, writer, quarantine, qc, metrics, logger } = deps
  const pollMs = parseDuration(config.pollInterval)
  const maxFutureMs = parseDuration(config.maxFuture)
  const inFlight = new Set<Promise<void>>()
  const formatter = createReadingLineFormatter()
  const decoded = deps.decoded ?? createDecodedEntries({ consumers: 1, maxReadings: 0 })
  // Counts rewinds of the consumer, so a batch read before one is not written after it.
  let rewinds = 0
  const readingsIn = metrics.readingsIn
  let abort = new AbortController()
  let loopDone: Promise<void> | null = null
  let stopping = false
  // Resolves when stop() is called, so a loop waiting for room or for data wakes at once.
  let stopRequested: Promise<void> = Promise.resolve()
  let requestStop: () => void = () => {}

  writer.onRetry(({ error }) => {
    metrics.influxRetries.inc()
    metrics.influxErrors.inc({ code: (error as { code?: string }).code ?? 'ERR_UNKNOWN' })
  })

  function storeQuarantine (records: QuarantineInput[]): void {
    if (records.length === 0) return
    quarantine.add(records)
    for (const r of records) metrics.quarantined.inc({ stage: r.stage, reason: reasonLabel(r.reasons) })
  }

  function sleep (ms: number, signal: AbortSignal): Promise<void> {
    return new Promise(resolve => {
      const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
  }

  /** Decodes, checks and formats a batch; collects what must be quarantined. Synchronous, so QC sees readings in log order. */
  function prepare (entries: QueueEntry[]): Prepared {
    const lines: string[] = []
    const entryOf: number[] = []
    const itemOf: number[] = []
    const metas: Array<LogMeta | null> = []
    const records: QuarantineInput[] = []
    for (let e = 0; e < entries.length; e++) {
      const d = decoded.decode(consumer, entries[e], maxFutureMs)
      metas.push(d.meta)
      readingsIn.inc({ transport: d.meta?.transport ?? 'unknown' }, Math.max(d.count, 1))
      for (const record of d.quarantine) records.push(record)
      if (d.site === null || d.meta === null) continue
      for (const r of d.readings) {
        const result = qc.check(r.reading)
        for (const metric in result.findings) for (const check of result.findings[metric]) metrics.qcFlags.inc({ check })
        lines.push(formatter.format(r.reading, d.site, result.flags))
        entryOf.push(e)
        itemOf.push(r.index ?? -1)
      }
    }
    return { lines, entryOf, itemOf, metas, records }
  }

  /** The quarantine record of a line InfluxDB rejected: its raw reading, decoded again from the entry. */
  function rejectedRecord (entries: QueueEntry[], prepared: Prepared, line: number, reason: string): QuarantineInput {
    const entry = entries[prepared.entryOf[line]]
    const meta = prepared.metas[prepared.entryOf[line]] as LogMeta
    const item = prepared.itemOf[line]
    const parsed = JSON.parse(Buffer.from(entry.payload.buffer, entry.payload.byteOffset, entry.payload.byteLength).toString('utf8')) as unknown
    return {
      receivedAt: typeof meta.receivedAt === 'number' ? meta.receivedAt : entry.appendedAt,
      topic: meta.topic,
      sender: meta.sender,
      transport: meta.transport ?? 'mqtt',
      payload: JSON.stringify(item === -1 ? parsed : (parsed as unknown[])[item]),
      itemIndex: item === -1 ? null : item,
      stage: 'storage' as const,
      reasons: [{ field: 'influxdb', message: reason }],
      logId: entry.id,
      replayOf: typeof meta.replayOf === 'number' ? meta.replayOf : null
    }
  }

  async function processBatch (entries: QueueEntry[], prepared: Prepared, signal: AbortSignal): Promise<void> {
    storeQuarantine(prepared.records)
    prepared.records = []
    const { lines } = prepared
    if (lines.length > 0) {
      const started = performance.now()
      let attempt = 0
      for (;;) {
        if (signal.aborted) { metrics.batches.inc({ outcome: 'abandoned' }); return }
        try {
          const result = await writer.writeLines(lines, signal)
          metrics.readingsStored.inc({}, result.written)
          storeQuarantine(result.rejected.map(r => rejectedRecord(entries, prepared, r.index, r.reason)))
          break
        } catch (err) {
          if (signal.aborted || (err as { code?: string }).code === 'ERR_INFLUX_ABORTED') {
            metrics.batches.inc({ outcome: 'abandoned' })
            return
          }
          attempt++
          const code = (err as { code?: string }).code ?? 'ERR_PIPELINE_WRITE'
          metrics.influxErrors.inc({ code })
          const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2)
          logger.error('batch write failed; retrying, entries stay unreleased', {
            err: new ShennongError('ERR_PIPELINE_WRITE', `writing ${lines.length} points failed: ${(err as Error).message}`, { cause: err }),
            code,
            attempt,
            retryInMs: Math.round(delay)
          })
          await sleep(delay, signal)
        }
      }
      metrics.writeSeconds.observe((performance.now() - started) / 1000)
    }
    if (signal.aborted) { metrics.batches.inc({ outcome: 'abandoned' }); return }
    await log.release(consumer, entries.map(e => e.id))
    metrics.entriesReleased.inc({}, entries.length)
    metrics.batches.inc({ outcome: 'done' })
  }

  // One batch is read and prepared while `maxInFlightBatches` are being written, so a write that
  // completes is followed at once by the next (InfluxDB is not left waiting while ingest decodes).
  // It is written only once there is room; at a stop it is dropped unreleased, and after a rewind
  // (a failed batch) it is dropped too, since its entries will be handed out again.
  async function loop (): Promise<void> {
    const signal = abort.signal
    while (!stopping) {
      let entries: QueueEntry[]
      try {
        entries = await log.read(consumer, config.batchEntries, config.batchBytes)
      } catch (err) {
        if (stopping) break
        logger.error('reading the ingest log failed; retrying', { err })
        await sleep(1000, signal)
        continue
      }
      if (entries.length === 0) {
        await Promise.race([log.waitForData(pollMs), stopRequested])
        continue
      }
      const readAt = rewinds
      const prepared = prepare(entries)
      while (!stopping && inFlight.size >= config.maxInFlightBatches) await Promise.race([...inFlight, stopRequested])
      if (stopping) break
      if (readAt !== rewinds) continue
      const task: Promise<void> = processBatch(entries, prepared, signal)
        .catch(err => {
          // Only a failing quarantine or release gets here: the entries stay unreleased and are
          // handed out again from the oldest.
          logger.error('batch failed; its entries stay unreleased and are read again', { err })
          if (!stopping) { rewinds++; log.rewind(consumer) }
        })
        .finally(() => {
          inFlight.delete(task)
          metrics.inFlightBatches.set(inFlight.size)
        })
      inFlight.add(task)
      metrics.inFlightBatches.set(inFlight.size)
    }
  }

  const pipeline: Pipeline = {
    start () {
      if (loopDone !== null) return
      stopping = false
      abort = new AbortController()
      stopRequested = new Promise(resolve => { requestStop = resolve })
      // Entries handed out before a stop and abandoned are read again, from the oldest unreleased.
      log.rewind(consumer)
      loopDone = loop().catch(err => { logger.error('pipeline loop stopped', { err }) })
    },
    async stop (options = {}) {
      if (loopDone === null) return
      stopping = true
      requestStop()
      await loopDone
      if (inFlight.size > 0) {
        const drained = Promise.allSettled([...inFlight]).then(() => true)
        const timeout = new Promise<boolean>(resolve => { const t = setTimeout(() => resolve(false), options.drainMs ?? 5000); drained.then(() => clearTimeout(t), () => clearTimeout(t)) })
        await Promise.race([drained, timeout])
      }
      abort.abort()
      await Promise.allSettled([...inFlight])
      loopDone = null
    },
    inFlight: () => inFlight.size,
    running: () => loopDone !== null && !stopping,
    async idle (timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        // Counting what the log holds is a query; only worth it once nothing is in flight.
        const stats = inFlight.size === 0 ? await log.stats() : undefined
        if (stats !== undefined && inFlight.size === 0 && (stats.consumers[consumer]?.pending ?? 0) === 0) return
        if (Date.now() > deadline) throw new Error(`pipeline not idle after ${timeoutMs} ms: ${inFlight.size} batches in flight, ${(stats ?? await log.stats()).consumers[consumer]?.pending} entries pending`)
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
  }
  return pipeline
}
