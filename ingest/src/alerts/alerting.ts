// Early warnings inside the ingest process: the rule engine (its own consumer of the ingest log,
// so it keeps evaluating while InfluxDB is down), the alert store and the outputs (MQTT, InfluxDB
// measurement `alert`, an in-process event sink for the API).
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { MetricsRegistry } from '@shennong/core/metrics.ts'
import type { IngestConfig } from '../config.ts'
import type { InfluxConfig } from '../influx/config.ts'
import { createInfluxWriter } from '../influx/create-writer.ts'
import type { InfluxWriter } from '../influx/writer.ts'
import { createRuleEngine, type RuleEngine } from '../rules/engine.ts'
import { openAlertStore, alertsPath, type AlertStore } from './alert-store.ts'
import { createAlertMetrics } from './alert-metrics.ts'
import type { AlertSink } from './sinks/alert-sink.ts'
import { createEventSink, type EventSink } from './sinks/event-sink.ts'
import { createInfluxSink } from './sinks/influx-sink.ts'
import { createMqttSink } from './sinks/mqtt-sink.ts'
import type { DecodedEntries } from '../pipeline/decoded-entries.ts'

export interface Alerting {
  engine: RuleEngine
  store: AlertStore
  sinks: AlertSink[]
  events: EventSink
  start: () => Promise<void>
  close: () => Promise<void>
}

export interface AlertingDeps {
  log: DurableQueue
  influxConfig: InfluxConfig
  registry: MetricsRegistry
  logger: Logger
  /** Decoded log entries shared with the storage pipeline. */
  decoded?: DecodedEntries
}

export function startAlerting (config: Pick<IngestConfig, 'dataDir' | 'rules' | 'alerts'>, deps: AlertingDeps): Alerting {
  const metrics = createAlertMetrics(deps.registry)
  const store = openAlertStore(alertsPath(config.dataDir))
  const events = createEventSink({ onListenerError: err => deps.logger.warn('an alert listener failed', { err }) })
  const sinks: AlertSink[] = [events]
  let writer: InfluxWriter | undefined
  if (config.alerts.influx.enabled) {
    // A writer of its own: alert points never wait behind a reading backlog.
    writer = createInfluxWriter(deps.influxConfig, { logger: deps.logger.child('alert-influx') })
    sinks.push(createInfluxSink({ maxPending: config.alerts.influx.maxPending }, { writer, metrics, logger: deps.logger }))
  }
  if (config.alerts.mqtt.url !== '') {
    sinks.push(createMqttSink({
      url: config.alerts.mqtt.url,
      username: config.alerts.mqtt.username,
      password: config.alerts.mqtt.password,
      maxPending: config.alerts.mqtt.maxPending
    }, { metrics, logger: deps.logger }))
  }
  const engine = createRuleEngine({ dataDir: config.dataDir, ...config.rules }, { log: deps.log, alerts: store, sinks, logger: deps.logger, metrics, decoded: deps.decoded })
  let closing: Promise<void> | undefined
  return {
    engine,
    store,
    sinks,
    events,
    start: async () => { await engine.start() },
    close () {
      closing ??= (async () => {
        await engine.stop()
        for (const sink of sinks) await sink.close()
        await writer?.close()
        store.close()
      })()
      return closing
    }
  }
}
