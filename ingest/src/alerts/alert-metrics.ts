// Metrics of the rule engine and the alert sinks, registered once per process registry.
import type { Counter, Gauge, Histogram, MetricsRegistry } from '@shennong/core/metrics.ts'

export interface AlertMetrics {
  /** Readings evaluated by the engine. */
  readings: Counter
  /** Readings (per rule) skipped because their metrics were flagged or out of range. */
  flaggedSkips: Counter
  /** Alert events recorded, by type. */
  events: Counter
  /** Sink deliveries, by sink. */
  delivered: Counter
  /** Events a sink dropped (its bounded buffer overflowed), by sink. */
  dropped: Counter
  /** Sink delivery attempts that failed and will be retried, by sink. */
  retries: Counter
  /** Rule evaluation errors (a kind threw), by rule. */
  ruleErrors: Counter
  /** Rule set reloads, by outcome (ok, invalid). */
  reloads: Counter
  rulesLoaded: Gauge
  /** Log entry appended → evaluated, seconds. */
  lagSeconds: Histogram
}

export function createAlertMetrics (registry: MetricsRegistry): AlertMetrics {
  return {
    readings: registry.counter('shennong_rules_readings_total', 'Readings evaluated by the rule engine.'),
    flaggedSkips: registry.counter('shennong_rules_flagged_metrics_total', 'Metric values the rule engine ignored: flagged bad, maintenance, calibration (or suspect) or outside the catalog range.'),
    events: registry.counter('shennong_alerts_events_total', 'Alert events recorded, by type (opened, escalated, de-escalated, acknowledged, resolved).'),
    delivered: registry.counter('shennong_alerts_sink_delivered_total', 'Alert events delivered, by sink.'),
    dropped: registry.counter('shennong_alerts_sink_dropped_total', 'Alert events a sink dropped because its buffer was full (drop-oldest), by sink.'),
    retries: registry.counter('shennong_alerts_sink_retries_total', 'Failed alert deliveries that are retried, by sink.'),
    ruleErrors: registry.counter('shennong_rules_errors_total', 'Rule evaluations that threw, by rule.'),
    reloads: registry.counter('shennong_rules_reloads_total', 'Rule set reloads, by outcome (ok, invalid).'),
    rulesLoaded: registry.gauge('shennong_rules_loaded', 'Rules loaded and active.'),
    lagSeconds: registry.histogram('shennong_rules_lag_seconds', 'Time from a log entry\'s append to its evaluation.', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30])
  }
}
