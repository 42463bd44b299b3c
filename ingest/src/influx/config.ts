// The `influx` section of the ingest config: where points go and how writes behave.
// docs/influxdb.md explains both API modes; durations are strings parsed with core parseDuration.
import Type, { type Static } from 'typebox'
import { loadConfig } from '@shennong/core/config.ts'

const DURATION = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$'
const Duration = (value: string, description: string) => Type.String({ pattern: DURATION, default: value, description })

export const InfluxConfigSchema = Type.Object({
  url: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8086', description: 'Base URL of InfluxDB (or of a server that speaks its write API).' }),
  api: Type.Union([Type.Literal('v1'), Type.Literal('v2')], {
    default: 'v1',
    description: 'v1: POST /write?db=&rp= (1.x, and the v1-compatible API of 2.x/3.x). v2: /api/v2/write with org, bucket and token (1.8+, 2.x, 3.x).'
  }),
  database: Type.String({ minLength: 1, default: 'shennong', description: 'v1: database to write to and to query.' }),
  retentionPolicy: Type.String({ default: '', description: 'v1: retention policy; empty = the database default.' }),
  username: Type.String({ default: '', description: 'v1: basic auth user; empty = no auth.' }),
  password: Type.String({ default: '', description: 'v1: basic auth password (set it from SHENNONG_INFLUX_PASSWORD).' }),
  org: Type.String({ default: '', description: 'v2: organization (name or id); empty is fine for servers that ignore it.' }),
  bucket: Type.String({ minLength: 1, default: 'shennong', description: 'v2: bucket to write to.' }),
  token: Type.String({ default: '', description: 'v2 and v1-compat queries: API token sent as "Authorization: Token …" (set it from SHENNONG_INFLUX_TOKEN).' }),
  timeout: Duration('10s', 'A request that takes longer is abandoned and retried.'),
  retry: Type.Object({
    initialDelay: Duration('200ms', 'Upper bound of the first retry delay (full jitter: a random delay up to the bound).'),
    maxDelay: Duration('30s', 'The bound doubles per attempt up to this.')
  }, { additionalProperties: false, default: {} }),
  maxBatchPoints: Type.Integer({ minimum: 1, default: 10000, description: 'Larger writes are split into requests of at most this many points (InfluxDB advises 5,000–10,000).' })
}, { additionalProperties: false, default: {} })

export type InfluxConfig = Static<typeof InfluxConfigSchema>

/** A complete, validated, frozen InfluxConfig from a partial one (defaults applied); for tests and tools. */
export function buildInfluxConfig (value: Partial<Omit<InfluxConfig, 'retry'>> & { retry?: Partial<InfluxConfig['retry']> } = {}): InfluxConfig {
  return loadConfig({ schema: InfluxConfigSchema, value }) as InfluxConfig
}
