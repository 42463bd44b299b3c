// The ingest process configuration: one YAML file, validated once against this schema (every
// problem reported together), defaults applied, secrets from the environment, frozen.
// ingest/sample.yaml documents every option.
import Type, { type Static } from 'typebox'
import { loadConfig } from '@shennong/core/config.ts'
import { InfluxConfigSchema } from './influx/config.ts'
import { RulesConfigSchema } from './rules/config.ts'
import { Hj212ConfigSchema } from './hj212/config.ts'
import { RollupsConfigSchema } from './influx/rollups.ts'
import { FleetStatusConfigSchema } from './fleet-status/config.ts'
import { httpConfigIssues } from './http-server-options.ts'

const DURATION = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$'
const Duration = (value: string, description: string) => Type.String({ pattern: DURATION, default: value, description })

/** One token bucket of http.rateLimit: `burst` requests at once, refilled at `perSecond`. */
const RateBucket = (perSecond: number, burst: number, what: string) => Type.Object({
  perSecond: Type.Number({ minimum: 0, default: perSecond, description: `${what}: requests per second, sustained (fractions allowed); 0 turns this limit off.` }),
  burst: Type.Integer({ minimum: 1, default: burst, description: 'Requests allowed at once after a quiet spell (the bucket size).' })
}, { additionalProperties: false, default: {} })

export const RateLimitConfigSchema = Type.Object({
  principal: RateBucket(100, 500, 'Authenticated requests of one principal, every endpoint that needs a token except POST /v1/readings'),
  readings: RateBucket(100, 2000, 'POST /v1/readings of one principal; a bucket of its own, with a larger burst, because a gateway posts its backlog in a burst after an outage'),
  ip: RateBucket(20, 200, 'Requests without a token from one client address: the public trace lookup, page and QR code, /docs, demo-anonymous reads, a missing token'),
  authFailures: RateBucket(1, 20, 'Failed authentications (malformed, unknown or wrong token) from one client address; once spent, requests with a token from that address get 429 before the token is checked'),
  maxBuckets: Type.Integer({ minimum: 100, default: 50_000, description: 'Buckets kept per limit at most; beyond it the least recently used is forgotten. Buckets that have refilled are forgotten every minute.' })
}, { additionalProperties: false, default: {} })

export const HttpConfigSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1', description: 'Address to bind; 0.0.0.0 serves the LAN.' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '0 picks a free port (logged at start).' }),
  bodyLimit: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest request body in bytes; larger ones get 413.' }),
  tls: Type.Object({
    cert: Type.String({ default: '', description: 'PEM certificate file (the chain, leaf first); with key set, ingest serves HTTPS only. Empty = plain HTTP.' }),
    key: Type.String({ default: '', description: 'PEM private key file of the certificate.' })
  }, { additionalProperties: false, default: {} }),
  trustProxy: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description: 'Reverse proxies whose X-Forwarded-For names the client (addresses, CIDR ranges, or loopback, linklocal, uniquelocal), so that per-address limits apply to the client. Empty = the TCP peer is the client.'
  }),
  rateLimit: RateLimitConfigSchema
}, { additionalProperties: false, default: {} })

export const IngestLogConfigSchema = Type.Object({
  consumers: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), {
    minItems: 1,
    default: ['ingest', 'rules'],
    description: 'The consumers of the ingest log, owned by ingest: "ingest" (storage, required) and "rules" (the rule engine; leave it out to run without early warnings). A consumer no longer listed is retired.'
  }),
  sync: Type.Union([Type.Literal('full'), Type.Literal('normal')], { default: 'full', description: 'For appends (HTTP, HJ 212): full: fsync each commit (survives power loss); normal: survives a process crash. Releases never wait for an fsync: one lost to a power failure only hands its entries out again, and storage overwrites a point with itself.' }),
  groupCommit: Duration('2ms', 'How long an HTTP append may wait for others to share its commit.'),
  maxEntries: Type.Integer({ minimum: 0, default: 0, description: 'Entries kept at most; 0 = no limit.' }),
  maxBytes: Type.Integer({ minimum: 0, default: 0, description: 'Bytes kept at most; 0 = no limit.' }),
  onFull: Type.Union([Type.Literal('backpressure'), Type.Literal('drop-oldest')], { default: 'backpressure', description: 'What an append does when the log is full.' }),
  backpressureTimeout: Duration('5s', 'With backpressure: how long an HTTP append waits for room before answering 503.')
}, { additionalProperties: false, default: {} })

export const PipelineConfigSchema = Type.Object({
  batchEntries: Type.Integer({ minimum: 1, default: 2000, description: 'Log entries read per batch at most.' }),
  batchBytes: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Payload bytes read per batch at most (at least one entry): with batchEntries and maxInFlightBatches it bounds memory.' }),
  maxInFlightBatches: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Batches being written at once; beyond it the consumer stops reading (backpressure on the log).' }),
  pollInterval: Duration('20ms', 'How often an idle consumer looks for entries appended by another process.'),
  maxFuture: Duration('5m', 'How far in the future a reading\'s ts may be (device clock skew); later ones are quarantined.')
}, { additionalProperties: false, default: {} })

export const QcConfigSchema = Type.Object({
  spike: Type.Object({
    relative: Type.Number({ minimum: 0, default: 0.3, description: 'A change larger than this fraction of the metric\'s physical range (catalog max − min) from one reading to the next is a spike; 0 turns the default off.' }),
    limits: Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
      default: {},
      description: 'Absolute largest change per step, keyed "kind.metric" or "metric" (kind.metric wins); 0 turns spike detection off for it.'
    })
  }, { additionalProperties: false, default: {} }),
  stuck: Type.Object({
    count: Type.Integer({ minimum: 0, default: 12, description: 'This many equal values in a row flag the last ones suspect; 0 turns it off.' }),
    tolerance: Type.Number({ minimum: 0, default: 0, description: 'Values within this absolute difference count as equal.' }),
    exempt: Type.Array(Type.String(), {
      default: ['rainfall_mm', 'solar_w_m2', 'illuminance_lux', 'wind_speed_m_s', 'wind_dir_deg', 'sog_kn', 'cog_deg', 'fix_quality', 'satellites', 'hdop'],
      description: 'Metrics ("metric" or "kind.metric") for which constant values are normal.'
    })
  }, { additionalProperties: false, default: {} }),
  gap: Type.Object({
    after: Duration('15m', 'The first reading after more than this silence (per device, kind and metric) is suspect; "0s" turns it off.')
  }, { additionalProperties: false, default: {} }),
  stateSize: Type.Integer({ minimum: 1, default: 100_000, description: 'Most (device, kind, metric) states kept in memory (least recently used go first).' })
}, { additionalProperties: false, default: {} })

export const AlertsConfigSchema = Type.Object({
  mqtt: Type.Object({
    url: Type.String({ default: '', description: 'Broker the alerts are published to (…/{device}/alert); empty: no MQTT output.' }),
    username: Type.String({ default: 'svc-ingest', description: 'A service principal of the broker.' }),
    password: Type.String({ default: '', description: 'Its secret; from SHENNONG_ALERTS_MQTT_PASSWORD.' }),
    maxPending: Type.Integer({ minimum: 1, default: 10_000, description: 'Alert events kept while the broker is down; beyond it the oldest are dropped and counted.' })
  }, { additionalProperties: false, default: {} }),
  influx: Type.Object({
    enabled: Type.Boolean({ default: true, description: 'Write measurement "alert" (Grafana annotations).' }),
    maxPending: Type.Integer({ minimum: 1, default: 10_000, description: 'Alert points kept while InfluxDB is down; beyond it the oldest are dropped and counted.' })
  }, { additionalProperties: false, default: {} })
}, { additionalProperties: false, default: {} })

export const IngestConfigSchema = Type.Object({
  dataDir: Type.String({ default: '.data', description: 'Holds ingest-log.db (shared with the broker), quarantine.db and principals.db.' }),
  http: HttpConfigSchema,
  influx: InfluxConfigSchema,
  ingestLog: IngestLogConfigSchema,
  pipeline: PipelineConfigSchema,
  qc: QcConfigSchema,
  rules: RulesConfigSchema,
  alerts: AlertsConfigSchema,
  fleetStatus: FleetStatusConfigSchema,
  hj212: Hj212ConfigSchema,
  rollups: RollupsConfigSchema,
  trace: Type.Object({
    publicUrl: Type.String({ default: '', description: 'Absolute base URL of the public trace page, used in QR codes (https://trace.example.cn); empty = from the request Host.' })
  }, { additionalProperties: false, default: {} }),
  auth: Type.Union([Type.Literal('required'), Type.Literal('demo-anonymous')], {
    default: 'required',
    description: 'required: every /v1 request needs a bearer token. demo-anonymous: requests without a token read as an inspector (never write).'
  }),
  logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'info' })
}, { additionalProperties: false })

export type IngestConfig = Static<typeof IngestConfigSchema>
export type HttpConfig = Static<typeof HttpConfigSchema>
export type RateLimitConfig = Static<typeof RateLimitConfigSchema>
export type QcConfig = Static<typeof QcConfigSchema>
export type PipelineConfig = Static<typeof PipelineConfigSchema>

/** The only environment variables ingest reads: secrets and the InfluxDB address. */
export const INGEST_ENV_MAP: Record<string, string> = {
  SHENNONG_INFLUX_URL: 'influx.url',
  SHENNONG_INFLUX_TOKEN: 'influx.token',
  SHENNONG_INFLUX_PASSWORD: 'influx.password',
  SHENNONG_ALERTS_MQTT_PASSWORD: 'alerts.mqtt.password',
  SHENNONG_FLEET_STATUS_MQTT_PASSWORD: 'fleetStatus.mqtt.password'
}

export function loadIngestConfig (source: { file?: string, text?: string, value?: unknown, env?: Record<string, string | undefined> }): Readonly<IngestConfig> {
  return loadConfig({ schema: IngestConfigSchema, envMap: INGEST_ENV_MAP, check: httpConfigIssues, ...source })
}
