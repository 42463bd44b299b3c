// The edge config (edge.yaml): process options plus one list per source kind, each entry validated
// against that kind's own schema and prepared (Modbus profiles read and compiled). Loaded once by
// main.ts's checking stage through core's loadConfig, then frozen; the running agent receives the
// result as JSON and never imports this module (TypeBox and the YAML parser stay out of it).
import Type, { type Static, type TSchema } from 'typebox'
import { loadConfig, type LoadConfigOptions } from '@shennong/core/config.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import { SOURCE_CONFIGS } from './sources/configs.ts'
import { deepFreeze } from './deep-freeze.ts'

const Duration = (def: string, description: string) => Type.String({ default: def, pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description })
const Size = (def: string, description: string) => Type.String({ default: def, pattern: '^\\d+(\\.\\d+)?\\s*([kKmMgG]?[bB])$', description })
const Segment = (description: string) => Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description })

function sourceLists (): Record<string, TSchema> {
  const out: Record<string, TSchema> = {}
  for (const [key, def] of Object.entries(SOURCE_CONFIGS)) out[key] = Type.Optional(Type.Array(def.schema, { default: [] }))
  return out
}

export const EdgeConfigSchema = Type.Object({
  site: Segment('The site this gateway stands at (topic segment).'),
  id: Segment('This gateway\'s principal id (topic segment, MQTT username by default).'),
  dataDir: Type.String({ default: '/var/lib/shennong-edge', description: 'Spool and seq store live here.' }),
  logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  spool: Type.Object({
    maxSize: Size('512MB', 'Bytes the spool may hold; at the limit the onFull policy applies.'),
    maxAge: Duration('30d', 'Readings older than this are dropped (and counted).'),
    onFull: Type.Union([Type.Literal('drop-oldest'), Type.Literal('backpressure')], { default: 'drop-oldest', description: 'drop-oldest keeps polling and drops (counts) the oldest readings; backpressure stops taking readings until the uplink drains.' }),
    waitForRoom: Duration('5s', 'With backpressure: how long taking a reading waits for room before it is refused and counted.'),
    sync: Type.Union([Type.Literal('full'), Type.Literal('normal')], { default: 'full', description: 'full survives power loss (fsync per commit); normal survives a process crash.' }),
    groupCommit: Duration('10ms', 'How long an append may wait to share a commit with others.')
  }, { additionalProperties: false, default: {} }),
  uplink: Type.Object({
    url: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'mqtt://, mqtts:// (TLS), ws:// or wss://' }),
    clientId: Type.Optional(Type.String({ description: 'Default: the gateway id.' })),
    username: Type.Optional(Type.String({ description: 'Default: the gateway id.' })),
    password: Type.Optional(Type.String({ description: 'Prefer the env var SHENNONG_EDGE_PASSWORD.' })),
    tls: Type.Optional(Type.Object({
      ca: Type.Optional(Type.String({ description: 'PEM file of the CA that signed the broker certificate.' })),
      cert: Type.Optional(Type.String({ description: 'Client certificate (PEM) for mutual TLS.' })),
      key: Type.Optional(Type.String({ description: 'Client key (PEM).' })),
      rejectUnauthorized: Type.Boolean({ default: true })
    }, { additionalProperties: false })),
    batch: Type.Object({
      maxReadings: Type.Integer({ minimum: 1, maximum: 10000, default: 500 }),
      maxBytes: Size('256kB', 'Upper bound of one MQTT payload (a single larger reading goes alone).'),
      maxDelay: Duration('1s', 'A reading waits at most this long for its batch to fill.')
    }, { additionalProperties: false, default: {} }),
    inflight: Type.Integer({ minimum: 1, maximum: 1000, default: 16, description: 'Batches published and not yet acknowledged.' }),
    keepalive: Duration('30s', 'MQTT keepalive.'),
    connectTimeout: Duration('10s', 'How long one connection attempt may take.'),
    reconnect: Type.Object({
      min: Duration('1s', 'First retry delay.'),
      max: Duration('2m', 'Longest retry delay.'),
      jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.3, description: 'Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].' })
    }, { additionalProperties: false, default: {} }),
    statusInterval: Duration('30s', 'How often the retained status is refreshed.')
  }, { additionalProperties: false, default: {} }),
  runner: Type.Object({
    pollTimeout: Duration('10s', 'A poll taking longer fails (and is counted).'),
    backoffAfter: Type.Integer({ minimum: 1, default: 3, description: 'Consecutive failures before a device is polled less often.' }),
    maxBackoff: Duration('5m', 'Longest pause between attempts at a failing device.')
  }, { additionalProperties: false, default: {} }),
  clock: Type.Object({
    saneAfter: Type.String({ default: '2025-01-01T00:00:00Z', description: 'Wall-clock times before this mean the clock was never set.' }),
    jumpThreshold: Duration('2s', 'A wall-clock step larger than this against the monotonic clock is a jump.'),
    hold: Duration('5m', 'Readings stay flagged this long after a jump.')
  }, { additionalProperties: false, default: {} }),
  sources: Type.Object(sourceLists(), { additionalProperties: false, default: {} })
}, { additionalProperties: false })

export type EdgeConfig = Static<typeof EdgeConfigSchema>

/** Env vars the edge reads (secrets and deployment overrides only). */
export const EDGE_ENV_MAP: Record<string, string> = {
  SHENNONG_EDGE_PASSWORD: 'uplink.password',
  SHENNONG_EDGE_URL: 'uplink.url',
  SHENNONG_EDGE_DATA_DIR: 'dataDir'
}

/**
 * Loads edge.yaml (schema, defaults, env overrides, every problem at once), then runs each source
 * kind's `prepare` (Modbus: read and compile the profiles; every problem at once). The result is
 * plain JSON-safe data, deeply frozen.
 */
export function loadEdgeConfig (options: Omit<LoadConfigOptions<typeof EdgeConfigSchema>, 'schema' | 'envMap'>): EdgeConfig {
  const config = loadConfig({ ...options, schema: EdgeConfigSchema, envMap: EDGE_ENV_MAP })
  const problems: string[] = []
  const sources: Record<string, unknown[]> = {}
  for (const [kind, list] of Object.entries(config.sources) as Array<[string, unknown[] | undefined]>) {
    const prepare = SOURCE_CONFIGS[kind]?.prepare
    sources[kind] = (list ?? []).map(item => {
      if (prepare === undefined) return item
      try { return prepare(item as never) } catch (err) { problems.push((err as Error).message); return item }
    })
  }
  if (problems.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `edge config has ${problems.length} problem(s):\n${problems.map(p => `  - ${p}`).join('\n')}`)
  return deepFreeze({ ...config, sources } as EdgeConfig)
}
