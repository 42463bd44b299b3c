// Every metric the ingest service exposes on /metrics (Prometheus text). One registry per process,
// built here and handed to the pipeline and the routes; docs/api.md lists the names.
import { createMetricsRegistry, type Counter, type Gauge, type Histogram, type MetricsRegistry } from '@shennong/core/metrics.ts'
import type { QueueStats } from '@shennong/core/queue/durable-queue.ts'
import type { FieldError } from '@shennong/core/reading.ts'

export interface IngestMetrics {
  registry: MetricsRegistry
  /** Readings decoded from log entries (valid or not), by transport. */
  readingsIn: Counter
  readingsStored: Counter
  /** Readings (or whole payloads) quarantined, by stage and reason. */
  quarantined: Counter
  qcFlags: Counter
  entriesReleased: Counter
  batches: Counter
  writeSeconds: Histogram
  influxErrors: Counter
  influxRetries: Counter
  httpRefusals: Counter
  /** Requests answered 429, by the limit they exceeded (principal, readings, ip, authFailures). */
  httpRateLimited: Counter
  httpReadings: Counter
  inFlightBatches: Gauge
  /** Sets the log gauges from the queue's stats (call before rendering). */
  setLogStats: (stats: QueueStats, consumer: string, now?: number) => void
}

const REASONS = new Set(['device', 'kind', 'ts', 'seq', 'metrics', 'flags', 'source', 'payload', 'meta', 'influxdb', 'reading'])

/** A bounded label for a list of reasons: the top-level field of the first one. */
export function reasonLabel (reasons: FieldError[]): string {
  if (reasons.length === 0) return 'other'
  const field = reasons[0].field.replace(/^\[\d+\]\.?/, '').replace(/^\(|\)$/g, '')
  const top = field.split('.')[0]
  if (top === '') return 'reading'
  if (REASONS.has(top)) return top
  return /^unknown field/.test(reasons[0].message) ? 'unknown_field' : 'other'
}

export function createIngestMetrics (registry: MetricsRegistry = createMetricsRegistry()): IngestMetrics {
  const logDepth = registry.gauge('shennong_ingest_log_depth', 'Ingest log entries not yet released by this consumer.')
  const logEntries = registry.gauge('shennong_ingest_log_entries', 'Entries kept in the ingest log (all consumers).')
  const logBytes = registry.gauge('shennong_ingest_log_bytes', 'Bytes kept in the ingest log.')
  const logOldest = registry.gauge('shennong_ingest_log_oldest_age_seconds', 'Age of the oldest entry kept in the ingest log (0 when empty).')
  const logDropped = registry.gauge('shennong_ingest_log_dropped_entries', 'Entries the ingest log dropped over its life, by reason (overflow, expired).')
  return {
    registry,
    readingsIn: registry.counter('shennong_ingest_readings_in_total', 'Readings taken from the ingest log (valid or not), by transport.'),
    readingsStored: registry.counter('shennong_ingest_readings_stored_total', 'Readings InfluxDB accepted.'),
    quarantined: registry.counter('shennong_ingest_quarantined_total', 'Readings or payloads quarantined, by stage (decode, validate, storage) and reason.'),
    qcFlags: registry.counter('shennong_ingest_qc_flags_total', 'Metric values flagged by quality control, by check (range, spike, stuck, gap).'),
    entriesReleased: registry.counter('shennong_ingest_log_entries_released_total', 'Ingest log entries released after all their readings were stored or quarantined.'),
    batches: registry.counter('shennong_ingest_batches_total', 'Batches written, by outcome (done, abandoned).'),
    writeSeconds: registry.histogram('shennong_ingest_influx_write_duration_seconds', 'Time for one batch write to InfluxDB, retries included.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
    influxErrors: registry.counter('shennong_ingest_influx_errors_total', 'Failed InfluxDB write attempts, by error code.'),
    influxRetries: registry.counter('shennong_ingest_influx_retries_total', 'InfluxDB write retries.'),
    httpRefusals: registry.counter('shennong_ingest_http_refusals_total', 'HTTP requests refused, by reason (unauthenticated, bad_token, forbidden, wrong_site, invalid, not_found, conflict, too_large, unsupported_media_type, log_unavailable, rate_limited).'),
    httpRateLimited: registry.counter('shennong_ingest_http_rate_limited_total', 'HTTP requests answered 429, by the limit of http.rateLimit they exceeded (principal, readings, ip, authFailures).'),
    httpReadings: registry.counter('shennong_ingest_http_readings_total', 'Readings posted over HTTP, by outcome (accepted, rejected).'),
    inFlightBatches: registry.gauge('shennong_ingest_batches_in_flight', 'Batches read from the log and not yet finished.'),
    setLogStats (stats, consumer, now = Date.now()) {
      logDepth.set(stats.consumers[consumer]?.pending ?? 0)
      logEntries.set(stats.depth)
      logBytes.set(stats.bytes)
      logOldest.set(stats.oldestAppendedAt === null ? 0 : Math.max(0, (now - stats.oldestAppendedAt) / 1000))
      logDropped.set(stats.dropped.overflow, { reason: 'overflow' })
      logDropped.set(stats.dropped.expired, { reason: 'expired' })
    }
  }
}
