// The contract between the ingest pipeline and InfluxDB. Two implementations: `v1` (POST /write
// with db and retention policy; InfluxDB 1.x and the v1-compatible API of 2.x/3.x) and `v2`
// (@influxdata/influxdb-client's write API: /api/v2/write with org, bucket and token).

export type FieldValue = number | string | boolean | { int: number }

/** One point: ARCHITECTURE §5. `fields` numbers are floats; `{ int }` is an integer field. */
export interface Point {
  measurement: string
  tags: Record<string, string>
  fields: Record<string, FieldValue>
  /** Epoch milliseconds. */
  ts: number
}

export interface RejectedPoint {
  /** Index of the point in the batch given to `write`. */
  index: number
  point: Point
  /** InfluxDB's own words for the rejection. */
  reason: string
}

export interface WriteResult {
  written: number
  rejected: RejectedPoint[]
}

/** A line the writer could not store: its index in the batch given to `writeLines`, and why. */
export interface RejectedLine {
  index: number
  /** InfluxDB's own words for the rejection. */
  reason: string
}

export interface LineWriteResult {
  written: number
  rejected: RejectedLine[]
}

export interface InfluxWriter {
  /**
   * Writes the points. Resolves once every point is either stored or rejected by InfluxDB (a
   * partial write: the rejected points are identified one by one). Transient failures (5xx,
   * timeouts, refused connections) are retried with backoff and jitter until they succeed or the
   * signal aborts (then it rejects with ERR_INFLUX_ABORTED).
   */
  write: (points: Point[], signal?: AbortSignal) => Promise<WriteResult>
  /**
   * The same semantics for points already formatted as line protocol (one point per string, no
   * newline): the hot path of the ingest pipeline, which formats each reading once and keeps no
   * Point objects while the write is outstanding.
   */
  writeLines: (lines: readonly string[], signal?: AbortSignal) => Promise<LineWriteResult>
  /** Called before each retry, for logs and metrics. */
  onRetry: (listener: (info: { attempt: number, delayMs: number, error: Error }) => void) => void
  close: () => Promise<void>
}
