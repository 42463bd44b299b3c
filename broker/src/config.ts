// The broker's configuration: one YAML file, validated once against this schema (defaults applied,
// every problem reported together), then frozen. broker/sample.yaml documents every option.
import Type from 'typebox'
import type { Static } from 'typebox'
import { loadConfig } from '@shennong/core/config.ts'
import { parseDuration } from '@shennong/core/duration.ts'

const Port = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback })
const Duration = (fallback: string) => Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', default: fallback })
const PositiveInt = (fallback: number) => Type.Integer({ minimum: 1, default: fallback })

export const BrokerConfigSchema = Type.Object({
  dataDir: Type.String({ minLength: 1, default: '.data' }),
  mqtt: Type.Object({
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Port(1883),
    tls: Type.Optional(Type.Object({
      port: Port(8883),
      /** PEM file path, or the PEM text itself. */
      cert: Type.String({ minLength: 1 }),
      key: Type.String({ minLength: 1 }),
      ca: Type.Optional(Type.String({ minLength: 1 }))
    }, { additionalProperties: false }))
  }, { additionalProperties: false, default: {} }),
  ws: Type.Optional(Type.Object({
    port: Port(8083),
    path: Type.String({ pattern: '^/', default: '/mqtt' })
  }, { additionalProperties: false })),
  http: Type.Object({
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Port(9101)
  }, { additionalProperties: false, default: {} }),
  auth: Type.Union([Type.Literal('required'), Type.Literal('demo-anonymous')], { default: 'required' }),
  limits: Type.Object({
    maxPayloadBytes: PositiveInt(262144),
    publishRate: Type.Object({
      perSecond: PositiveInt(2000),
      burst: PositiveInt(4000)
    }, { additionalProperties: false, default: {} })
  }, { additionalProperties: false, default: {} }),
  ingestLog: Type.Object({
    consumers: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_-]*$' }), { minItems: 1, default: ['ingest'] }),
    sync: Type.Union([Type.Literal('full'), Type.Literal('normal')], { default: 'full' }),
    groupCommit: Duration('2ms'),
    /** Bytes kept (meta + payload); 0 means no limit. */
    maxBytes: Type.Integer({ minimum: 0, default: 1073741824 }),
    /** Entries kept; 0 means no limit. */
    maxEntries: Type.Integer({ minimum: 0, default: 0 }),
    onFull: Type.Union([Type.Literal('backpressure'), Type.Literal('drop-oldest')], { default: 'backpressure' }),
    /** With backpressure: how long a telemetry PUBLISH waits for room before it is refused. */
    backpressureTimeout: Duration('5s')
  }, { additionalProperties: false, default: {} }),
  logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'info' })
}, { additionalProperties: false })

export type BrokerConfig = Readonly<Static<typeof BrokerConfigSchema>>

/** The only environment variables the broker reads: secrets. */
export const BROKER_ENV_MAP: Record<string, string> = {
  SHENNONG_BROKER_TLS_KEY: 'mqtt.tls.key'
}

export interface LoadBrokerConfigOptions {
  file?: string
  text?: string
  value?: unknown
  env?: Record<string, string | undefined>
}

/** Loads and validates a broker config; throws ERR_CONFIG_INVALID listing every problem. */
export function loadBrokerConfig (options: LoadBrokerConfigOptions): BrokerConfig {
  return loadConfig({ schema: BrokerConfigSchema, envMap: BROKER_ENV_MAP, env: options.env ?? {}, file: options.file, text: options.text, value: options.value })
}

/** The ingest log's options in the form core's openIngestLog takes. */
export function ingestLogOptions (config: BrokerConfig): { dataDir: string, consumers: string[], sync: 'full' | 'normal', groupCommitMs: number, limits: { maxBytes: number, maxEntries: number, onFull: 'backpressure' | 'drop-oldest', backpressureTimeoutMs: number } } {
  const l = config.ingestLog
  return {
    dataDir: config.dataDir,
    consumers: [...l.consumers],
    sync: l.sync,
    groupCommitMs: parseDuration(l.groupCommit),
    limits: { maxBytes: l.maxBytes, maxEntries: l.maxEntries, onFull: l.onFull, backpressureTimeoutMs: parseDuration(l.backpressureTimeout) }
  }
}
