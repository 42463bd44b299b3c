// Test fixture for the broker's own tests: a whole broker in process on port 0, with a real
// principal store and a real SQLite ingest log in the test's directory, and a real mqtt.js client.
import type { Test } from 'tap'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { createLogger } from '@shennong/core/logger.ts'
import { createMetricsRegistry, type MetricsRegistry } from '@shennong/core/metrics.ts'
import { openIngestLog, decodeLogMeta, type LogMeta } from '@shennong/core/ingest-log.ts'
import { openPrincipalStore, principalsPath, type PrincipalInput, type PrincipalStore } from '@shennong/core/principals.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { createBroker, type Broker, type BrokerPorts } from './broker.ts'
import { ingestLogOptions, loadBrokerConfig, type BrokerConfig } from './config.ts'

export interface TestBroker {
  config: BrokerConfig
  dataDir: string
  ports: BrokerPorts
  broker: Broker
  principals: PrincipalStore
  log: DurableQueue
  metrics: MetricsRegistry
  /** Adds a principal and returns its secret. */
  add: (input: PrincipalInput) => Promise<string>
  /** Connects with MQTT 3.1.1 over TCP, no reconnects; rejects on a refused CONNACK. */
  connect: (options?: IClientOptions) => Promise<MqttClient>
  /** Every entry in the ingest log, read through a second handle on the file. */
  entries: () => Promise<Array<{ meta: LogMeta, payload: string }>>
  /** The broker's /metrics text. */
  scrape: () => Promise<string>
}

function merge (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = out[k]
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v
  }
  return out
}

export async function startTestBroker (t: Test, overrides: Record<string, unknown> = {}, wrapLog?: (log: DurableQueue) => DurableQueue): Promise<TestBroker> {
  const dataDir = typeof overrides.dataDir === 'string' ? overrides.dataDir : t.testdir()
  const config = loadBrokerConfig({ value: merge({ dataDir, mqtt: { port: 0 }, http: { port: 0 }, logLevel: 'silent' }, overrides) })
  const principals = openPrincipalStore(principalsPath(dataDir))
  const log = openIngestLog(ingestLogOptions(config))
  const metrics = createMetricsRegistry()
  const broker = createBroker(config, { principals, log: wrapLog === undefined ? log : wrapLog(log), logger: createLogger('broker', config.logLevel), metrics })
  const clients: MqttClient[] = []
  const stop = async (): Promise<void> => {
    for (const c of clients) c.end(true)
    await broker.close()
    await log.close()
    principals.close()
  }
  t.teardown(stop)
  const ports = await broker.listen()
  return {
    config,
    dataDir,
    ports,
    broker,
    principals,
    log,
    metrics,
    add: async input => (await principals.add(input)).secret,
    connect: async (options = {}) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqttPort}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options })
      clients.push(client)
      return client
    },
    entries: async () => {
      const reader = openIngestLog({ dataDir, consumers: [...config.ingestLog.consumers] })
      try {
        const got = await reader.read(config.ingestLog.consumers[0], 100_000)
        return got.map(e => ({ meta: decodeLogMeta(e.meta), payload: Buffer.from(e.payload).toString() }))
      } finally {
        await reader.close()
      }
    },
    scrape: async () => await (await fetch(`http://127.0.0.1:${ports.httpPort}/metrics`)).text()
  }
}

/** The value of one series in Prometheus text, or 0 when absent. */
export function metricValue (text: string, series: string): number {
  const line = text.split('\n').find(l => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

/** Resolves when the client's connection closes. */
export function closed (client: MqttClient): Promise<void> {
  return new Promise(resolve => {
    if (!client.connected) return resolve()
    client.once('close', () => resolve())
  })
}
