// MQTT output: each alert event goes to shennong/v1/{site}/{device}/alert (ARCHITECTURE §2, §7),
// QoS 1, not retained, published by a service principal. While the broker is unreachable events
// wait in a bounded buffer (drop-oldest, every drop counted) and go out in order on reconnect;
// a publish that fails is put back at the front and retried.
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt'
import { buildTopic } from '@shennong/core/topics.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { AlertEvent } from '../alert.ts'
import type { AlertMetrics } from '../alert-metrics.ts'
import type { AlertSink } from './alert-sink.ts'
import { formatAlertPayload } from './alert-payload.ts'

export interface MqttSinkConfig {
  /** mqtt://host:port (or mqtts://, ws://). */
  url: string
  /** The service principal's id and secret. */
  username: string
  password: string
  clientId?: string
  /** Events kept while the broker is down; beyond it the oldest are dropped and counted. */
  maxPending?: number
  /** Publishes awaiting PUBACK at once. */
  maxInFlight?: number
  /** Delay between reconnect attempts. */
  reconnectMs?: number
  /** Extra mqtt.js options (TLS material, …). */
  options?: IClientOptions
}

export interface MqttSink extends AlertSink {
  client: MqttClient
}

interface Item { topic: string, payload: string }

export function createMqttSink (config: MqttSinkConfig, deps: { metrics?: AlertMetrics, logger?: Logger } = {}): MqttSink {
  const maxPending = config.maxPending ?? 10_000
  const maxInFlight = config.maxInFlight ?? 64
  const labels = { sink: 'mqtt' }
  const queue: Item[] = []
  let inFlight = 0
  let closing = false
  const client = mqtt.connect(config.url, {
    protocolVersion: 4,
    username: config.username,
    password: config.password,
    clientId: config.clientId ?? `shennong-alerts-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: config.reconnectMs ?? 1000,
    connectTimeout: 10_000,
    clean: true,
    ...config.options
  })
  client.on('connect', () => { pump() })
  client.on('error', err => { deps.logger?.warn('alert MQTT sink: connection problem; retrying', { err }) })

  function pump (): void {
    while (!closing && client.connected && inFlight < maxInFlight && queue.length > 0) {
      const item = queue.shift() as Item
      inFlight++
      client.publish(item.topic, item.payload, { qos: 1, retain: false }, err => {
        inFlight--
        if (err !== undefined && err !== null) {
          deps.metrics?.retries.inc(labels)
          if (!closing) queue.unshift(item)
        } else {
          deps.metrics?.delivered.inc(labels)
        }
        pump()
      })
    }
  }

  return {
    name: 'mqtt',
    client,
    deliver (event: AlertEvent) {
      const alert = event.alert
      let topic: string
      try {
        topic = buildTopic({ site: alert.site, id: alert.device, channel: 'alert' })
      } catch (err) {
        deps.logger?.error('alert MQTT sink: alert has no valid topic; not published', { err, alert: alert.id })
        deps.metrics?.dropped.inc(labels)
        return
      }
      queue.push({ topic, payload: JSON.stringify(formatAlertPayload(event)) })
      while (queue.length > maxPending) {
        queue.shift()
        deps.metrics?.dropped.inc(labels)
      }
      pump()
    },
    pending: () => queue.length + inFlight,
    async close () {
      closing = true
      await client.endAsync(false)
    }
  }
}
