// Test fixture for the engine's tests and the bench: a real SQLite ingest log, a real alert store,
// a real in-process Aedes broker on port 0 (authenticating the alert service principal), a
// subscriber on every alert topic, and the MQTT and event sinks. No mocks.
import { createServer, type Server, type AddressInfo } from 'node:net'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Aedes } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import { openIngestLog, encodeLogMeta } from '@shennong/core/ingest-log.ts'
import { buildTopic, topicFilter } from '@shennong/core/topics.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { createMetricsRegistry } from '@shennong/core/metrics.ts'
import { openAlertStore, alertsPath, type AlertStore } from '../alerts/alert-store.ts'
import { createAlertMetrics, type AlertMetrics } from '../alerts/alert-metrics.ts'
import { createMqttSink, type MqttSink } from '../alerts/sinks/mqtt-sink.ts'
import { createEventSink, type EventSink } from '../alerts/sinks/event-sink.ts'
import type { AlertSink } from '../alerts/sinks/alert-sink.ts'
import type { AlertPayload } from '../alerts/sinks/alert-payload.ts'
import { createRuleEngine, type RuleEngine } from './engine.ts'
import type { RuleEngineConfig } from './config.ts'

export const SERVICE = { username: 'svc-alerts', password: 'alerts-secret' }

export interface TestBroker {
  url: string
  aedes: Aedes
  close: () => Promise<void>
}

export async function startAedes (): Promise<TestBroker> {
  const aedes = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      const ok = username === SERVICE.username && password?.toString() === SERVICE.password
      done(null, ok || username === 'reader')
    },
    authorizePublish: (client, packet, done) => {
      done(client?.id.startsWith('reader') === true ? new Error('readers do not publish') : null)
    }
  })
  const server: Server = createServer(aedes.handle)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `mqtt://127.0.0.1:${port}`,
    aedes,
    close: async () => {
      await new Promise<void>(resolve => aedes.close(() => resolve()))
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

export interface AlertSubscriber {
  client: MqttClient
  received: Array<{ topic: string, payload: AlertPayload, at: number }>
  /** Resolves with the n-th message (1-based) once it has arrived. */
  nth: (n: number, timeoutMs?: number) => Promise<{ topic: string, payload: AlertPayload, at: number }>
}

export async function subscribeAlerts (url: string): Promise<AlertSubscriber> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, username: 'reader', clientId: `reader-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 })
  const received: AlertSubscriber['received'] = []
  const waiters: Array<() => void> = []
  client.on('message', (topic, payload) => {
    received.push({ topic, payload: JSON.parse(payload.toString()) as AlertPayload, at: performance.now() })
    for (const w of waiters.splice(0)) w()
  })
  await client.subscribeAsync(topicFilter({ channel: 'alert' }), { qos: 1 })
  return {
    client,
    received,
    async nth (n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for alert message ${n}; got ${received.length}`)
        await new Promise<void>(resolve => { waiters.push(resolve); setTimeout(resolve, 50) })
      }
      return received[n - 1]
    }
  }
}

export function writeRules (dir: string, name: string, yaml: string): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, name), yaml)
}

export function telemetry (site: string, gateway: string, readings: unknown[], receivedAt = Date.now()): { meta: string, payload: Uint8Array } {
  return {
    meta: encodeLogMeta({ topic: buildTopic({ site, id: gateway, channel: 'telemetry' }), sender: gateway, transport: 'mqtt', receivedAt }),
    payload: Buffer.from(JSON.stringify(readings))
  }
}

export interface EngineRig {
  dataDir: string
  rulesDir: string
  log: DurableQueue
  store: AlertStore
  metrics: AlertMetrics
  events: EventSink
  mqttSink: MqttSink
  engine: RuleEngine
  /** A new engine over the same files (after stop), with the same sinks. */
  restart: () => Promise<RuleEngine>
  close: () => Promise<void>
}

export async function startEngineRig (options: { dataDir: string, brokerUrl: string, extraSinks?: AlertSink[], config?: Partial<RuleEngineConfig>, logger?: Logger }): Promise<EngineRig> {
  const { dataDir } = options
  const rulesDir = join(dataDir, 'rules')
  mkdirSync(rulesDir, { recursive: true })
  const log = openIngestLog({ dataDir, consumers: ['ingest', 'rules'], sync: 'normal' })
  const store = openAlertStore(alertsPath(dataDir))
  const metrics = createAlertMetrics(createMetricsRegistry())
  const events = createEventSink()
  const mqttSink = createMqttSink({ url: options.brokerUrl, ...SERVICE, reconnectMs: 200 }, { metrics })
  const sinks = [mqttSink, events, ...(options.extraSinks ?? [])]
  const config: RuleEngineConfig = {
    dataDir, dir: rulesDir, consumer: 'rules', batchEntries: 500, batchBytes: 1_048_576, pollInterval: '10ms', tick: '1s', watch: 'on', reloadDebounce: '50ms', maxFuture: '5m', ...options.config
  }
  const rig: EngineRig = {
    dataDir,
    rulesDir,
    log,
    store,
    metrics,
    events,
    mqttSink,
    engine: createRuleEngine(config, { log, alerts: store, sinks, metrics, logger: options.logger }),
    async restart () {
      await rig.engine.stop()
      rig.engine = createRuleEngine(config, { log, alerts: store, sinks, metrics, logger: options.logger })
      await rig.engine.start()
      return rig.engine
    },
    async close () {
      await rig.engine.stop()
      for (const s of sinks) await s.close()
      await log.close()
      store.close()
    }
  }
  await rig.engine.start()
  return rig
}

/** Polls until the predicate holds (or throws after timeoutMs). */
export async function until (what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
