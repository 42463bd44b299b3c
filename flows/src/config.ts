// The flows process's configuration (`shennong flows -c flows.yaml`): one YAML file, validated once
// against this schema (defaults applied, every problem reported together), then frozen. Secrets come
// only from the environment (FLOWS_ENV_MAP). flows/sample.yaml documents every option.
import Type from 'typebox'
import type { Static } from 'typebox'
import { loadConfig, type LoadConfigOptions } from '@shennong/core/config.ts'

const Port = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback })
const Duration = (fallback: string) => Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', default: fallback })
const Segment = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' })
const Path = (fallback: string) => Type.String({ pattern: '^/[A-Za-z0-9/_-]*[A-Za-z0-9_-]$', default: fallback })
const Severity = Type.Union([Type.Literal('blue'), Type.Literal('yellow'), Type.Literal('orange'), Type.Literal('red')])

export const FlowsConfigSchema = Type.Object({
  dataDir: Type.String({ minLength: 1, default: '.data' }),
  http: Type.Object({
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Port(1880),
    /** Where the editor and its admin API are served. */
    adminPath: Path('/flows'),
    /** Where the flows' HTTP-in nodes are served. */
    nodePath: Path('/flows-api'),
    /** Who may call HTTP-in nodes: any principal with a valid bearer token, or anybody (demo only). */
    nodeAuth: Type.Union([Type.Literal('principal'), Type.Literal('none')], { default: 'principal' })
  }, { additionalProperties: false, default: {} }),
  nodeRed: Type.Object({
    /** Node-RED's user directory; default `<dataDir>/node-red`. */
    userDir: Type.Optional(Type.String({ minLength: 1 })),
    /** The flows that run; default `<userDir>/flows.json`, seeded from the shipped flows/flows.json when missing. */
    flowFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Encrypts the flows' credentials file (env SHENNONG_FLOWS_CREDENTIAL_SECRET). */
    credentialSecret: Type.Optional(Type.String({ minLength: 8 })),
    /** How long startup waits for the flows to start (missing node types keep them waiting). */
    startTimeout: Duration('60s')
  }, { additionalProperties: false, default: {} }),
  mqtt: Type.Object({
    url: Type.String({ pattern: '^(mqtts?|wss?)://', default: 'mqtt://127.0.0.1:1883' }),
    /** The service principal the custom nodes connect as (role service). */
    principal: Type.String({ minLength: 1, default: 'flows' }),
    /** Its secret (env SHENNONG_FLOWS_SECRET). */
    secret: Type.Optional(Type.String({ minLength: 1 })),
    reconnect: Duration('1s')
  }, { additionalProperties: false, default: {} }),
  ingest: Type.Object({
    /** The ingest API, for the daily digest (GET /v1/alerts). */
    url: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8080' }),
    /** Principal for the API; default the MQTT service principal. */
    principal: Type.Optional(Type.String({ minLength: 1 })),
    /** Its secret (env SHENNONG_FLOWS_INGEST_SECRET); default the MQTT secret. */
    secret: Type.Optional(Type.String({ minLength: 1 }))
  }, { additionalProperties: false, default: {} }),
  smtp: Type.Optional(Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Port(587),
    /** `starttls` upgrades a plain connection (587), `tls` connects with TLS (465), `none` is plain text. */
    security: Type.Union([Type.Literal('starttls'), Type.Literal('tls'), Type.Literal('none')], { default: 'starttls' }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    /** env SHENNONG_FLOWS_SMTP_PASSWORD */
    password: Type.Optional(Type.String({ minLength: 1 })),
    from: Type.String({ minLength: 3 }),
    timeout: Duration('30s')
  }, { additionalProperties: false })),
  email: Type.Object({
    /** Recipients of every alert and digest. */
    to: Type.Array(Type.String({ minLength: 3 }), { default: [] }),
    /** Extra recipients per site. */
    sites: Type.Record(Segment, Type.Array(Type.String({ minLength: 3 })), { default: {} }),
    /** Alerts below this severity are not e-mailed. */
    minSeverity: Type.Union([Severity], { default: 'yellow' })
  }, { additionalProperties: false, default: {} }),
  webhooks: Type.Array(Type.Object({
    url: Type.String({ pattern: '^https?://' }),
    /** Extra request headers (an Authorization header for the receiver, …). */
    headers: Type.Record(Type.String({ minLength: 1 }), Type.String(), { default: {} })
  }, { additionalProperties: false }), { default: [] }),
  webhookRetry: Type.Object({
    /** Attempts in all (the first one included). */
    attempts: Type.Integer({ minimum: 1, maximum: 20, default: 6 }),
    initialDelay: Duration('1s'),
    maxDelay: Duration('1m')
  }, { additionalProperties: false, default: {} }),
  irrigation: Type.Object({
    /** Drought alerts at or above this severity open the plot's valve. */
    minSeverity: Type.Union([Severity], { default: 'yellow' }),
    /** How long to wait for the gateway's cmd-result before raising `valve-unconfirmed`. */
    confirmTimeout: Duration('30s'),
    /** Which valve waters which plot: the drought rule's plot id (the alert's subject) → gateway and valve. */
    valves: Type.Array(Type.Object({
      site: Segment,
      plot: Type.String({ minLength: 1 }),
      gateway: Segment,
      valve: Segment,
      /** The edge command (edge/ `commands:` of the valve) and the value that opens it. */
      command: Type.String({ minLength: 1, default: 'valve' }),
      openValue: Type.Integer({ minimum: 0, maximum: 65535, default: 1 })
    }, { additionalProperties: false }), { default: [] })
  }, { additionalProperties: false, default: {} }),
  digest: Type.Object({
    /** Sites that get a digest even on a quiet day. */
    sites: Type.Array(Segment, { default: [] }),
    /** The period a digest covers. */
    period: Duration('24h')
  }, { additionalProperties: false, default: {} }),
  logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'info' })
}, { additionalProperties: false })

export type FlowsConfig = Readonly<Static<typeof FlowsConfigSchema>>

/** The only environment variables the flows process reads: secrets. */
export const FLOWS_ENV_MAP: Record<string, string> = {
  SHENNONG_FLOWS_SECRET: 'mqtt.secret',
  SHENNONG_FLOWS_INGEST_SECRET: 'ingest.secret',
  SHENNONG_FLOWS_SMTP_PASSWORD: 'smtp.password',
  SHENNONG_FLOWS_CREDENTIAL_SECRET: 'nodeRed.credentialSecret'
}

export function loadFlowsConfig (options: Omit<LoadConfigOptions<typeof FlowsConfigSchema>, 'schema'>): FlowsConfig {
  return loadConfig({ schema: FlowsConfigSchema, envMap: FLOWS_ENV_MAP, ...options })
}
