// The broker's Prometheus series, registered once on the process registry.
import type { Counter, Gauge, Histogram, MetricsRegistry } from '@shennong/core/metrics.ts'
import { CHANNELS } from '@shennong/core/topics.ts'

export const REFUSAL_REASONS = [
  'protocol', 'missing-credentials', 'bad-credentials', 'auth-error', 'will',
  'acl-publish', 'acl-subscribe', 'payload-too-large', 'rate-limit', 'log-full', 'log-error'
] as const
export type RefusalReason = typeof REFUSAL_REASONS[number]

export interface BrokerMetrics {
  refused: Counter
  connections: Gauge
  connects: Counter
  publishes: Counter
  appendSeconds: Histogram
  logDepth: Gauge
  logBytes: Gauge
  appendsPending: Gauge
}

export function createBrokerMetrics (registry: MetricsRegistry): BrokerMetrics {
  const m: BrokerMetrics = {
    refused: registry.counter('shennong_broker_refused_total', 'Connections, publishes and subscriptions refused, by reason.'),
    connections: registry.gauge('shennong_broker_connections', 'MQTT clients connected now.'),
    connects: registry.counter('shennong_broker_connects_total', 'Accepted MQTT connections (CONNACK 0) since start.'),
    publishes: registry.counter('shennong_broker_publishes_total', 'Accepted PUBLISH packets, by channel (telemetry counted once appended to the ingest log).'),
    appendSeconds: registry.histogram('shennong_broker_log_append_seconds', 'Time from a telemetry PUBLISH to its commit in the ingest log.', [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    logDepth: registry.gauge('shennong_broker_log_depth', 'Entries in the ingest log not yet released by every consumer.'),
    logBytes: registry.gauge('shennong_broker_log_bytes', 'Bytes held in the ingest log.'),
    appendsPending: registry.gauge('shennong_broker_log_appends_pending', 'Telemetry appends waiting for their commit (PUBACKs held back).')
  }
  // Known label values start at 0, so a dashboard sees the series before the first event.
  for (const reason of REFUSAL_REASONS) m.refused.inc({ reason }, 0)
  for (const channel of CHANNELS) m.publishes.inc({ channel }, 0)
  m.connections.set(0)
  m.connects.inc({}, 0)
  return m
}
