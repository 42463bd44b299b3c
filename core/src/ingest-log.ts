// The ingest log: the durable hand-off between the broker (and the HTTP and HJ 212 receivers)
// and the ingest consumers. An entry is one received message: its payload as received, plus the
// routing facts below in `meta`. Writers and readers agree on this byte for byte.
import { join } from 'node:path'
import { createSqliteQueue } from './queue/sqlite-queue.ts'
import type { DurableQueue, QueueLimits } from './queue/durable-queue.ts'

export type Transport = 'mqtt' | 'http' | 'hj212' | 'replay'

export interface LogMeta {
  /** The topic the message came on (for HTTP and HJ 212, the topic it stands for). */
  topic: string
  /** The authenticated principal that sent it. */
  sender: string
  transport: Transport
  /** Epoch ms at which the receiver got it. */
  receivedAt: number
  /** For a replayed quarantine entry: its id. */
  replayOf?: number
}

export function encodeLogMeta (meta: LogMeta): string {
  return JSON.stringify(meta)
}

export function decodeLogMeta (text: string): LogMeta {
  return JSON.parse(text) as LogMeta
}

export interface IngestLogConfig {
  /** Data directory; the log is `ingest-log.db` in it. */
  dataDir: string
  /** Consumers this process reads for: `ingest` (storage), `rules` (early warnings). */
  consumers: string[]
  /** Set by the process that owns the consumer set (ingest): retires consumers it does not list. */
  retireOthers?: boolean
  limits?: Partial<QueueLimits>
  sync?: 'full' | 'normal'
  /** For releases (see SqliteQueueOptions.releaseSync); ingest uses `normal`. */
  releaseSync?: 'full' | 'normal'
  groupCommitMs?: number
}

export function ingestLogPath (dataDir: string): string {
  return join(dataDir, 'ingest-log.db')
}

export function openIngestLog (config: IngestLogConfig): DurableQueue {
  return createSqliteQueue({
    path: ingestLogPath(config.dataDir),
    consumers: config.consumers,
    retireOthers: config.retireOthers,
    limits: config.limits,
    sync: config.sync,
    releaseSync: config.releaseSync,
    groupCommitMs: config.groupCommitMs
  })
}
