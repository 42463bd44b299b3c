// Prometheus series of the HJ 212 server. Labels are bounded: reasons, CNs of the standard's table
// (unknown CNs are rejected before they are counted by CN), outcomes.
import { createMetricsRegistry, type Counter, type Gauge, type MetricsRegistry } from '@shennong/core/metrics.ts'

export interface Hj212Metrics {
  registry: MetricsRegistry
  connections: Gauge
  connectionsTotal: Counter
  frames: Counter
  rejected: Counter
  refused: Counter
  records: Counter
  readings: Counter
  replies: Counter
  split: Counter
  backfill: Counter
  unmapped: Counter
  values: Counter
  appendErrors: Counter
}

export function createHj212Metrics (registry: MetricsRegistry = createMetricsRegistry()): Hj212Metrics {
  return {
    registry,
    connections: registry.gauge('shennong_hj212_connections', 'Open HJ 212 station connections.'),
    connectionsTotal: registry.counter('shennong_hj212_connections_total', 'HJ 212 connections by outcome (accepted, over-limit, idle-timeout, closed).'),
    frames: registry.counter('shennong_hj212_frames_total', 'HJ 212 frames parsed, by CN.'),
    rejected: registry.counter('shennong_hj212_frames_rejected_total', 'HJ 212 frames (or garbage) rejected, by spec §9 reason.'),
    refused: registry.counter('shennong_hj212_packets_refused_total', 'Packets refused: unknown-mn, wrong-password.'),
    records: registry.counter('shennong_hj212_records_total', 'Data records (2011/2051/2061/2031) appended to the ingest log, by CN.'),
    readings: registry.counter('shennong_hj212_readings_total', 'Readings appended to the ingest log.'),
    replies: registry.counter('shennong_hj212_replies_total', 'Packets sent to stations, by CN.'),
    split: registry.counter('shennong_hj212_split_groups_total', 'Split packet groups released: complete, incomplete.'),
    backfill: registry.counter('shennong_hj212_backfill_total', 'Backfill requests and gap outcomes, by state.'),
    unmapped: registry.counter('shennong_hj212_factors_unmapped_total', 'Factor values without a mapping in the station registry (not stored).'),
    values: registry.counter('shennong_hj212_values_rejected_total', 'Factor values not stored: not-a-number.'),
    appendErrors: registry.counter('shennong_hj212_append_errors_total', 'Ingest log appends that failed (the station is not answered and re-sends).')
  }
}
