// The `hj212` section of the ingest config: the TCP server for HJ 212 stations (spec/hj212.md),
// its limits, the edition, split-packet reassembly, history backfill and the station registry.
// Validated once (TypeBox, every problem together), defaults applied, frozen.
import Type, { type Static } from 'typebox'
import { loadConfig } from '@shennong/core/config.ts'

const DURATION = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$'
const Duration = (value: string, description: string) => Type.String({ pattern: DURATION, default: value, description })

/** One HJ 212 factor code → one catalog metric, with the unit conversion `metric = value × scale + offset`. */
export const FactorMappingSchema = Type.Object({
  metric: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'Catalog metric name for the station\'s kind (core/src/catalog.ts).' }),
  scale: Type.Optional(Type.Number({ default: 1, description: 'Multiplier from the unit the station sends to the catalog unit (e.g. 10 for kPa → hPa, 0.001 for ng/m³ → µg/m³).' })),
  offset: Type.Optional(Type.Number({ default: 0, description: 'Added after scaling (default 0).' }))
}, { additionalProperties: false })

export const StationSchema = Type.Object({
  mn: Type.String({ minLength: 1, maxLength: 24, pattern: '^[\\x21-\\x7e]+$', description: 'The station\'s MN exactly as it sends it (24 hex in 2017; shorter in practice).' }),
  password: Type.String({ minLength: 1, maxLength: 24, description: 'PW the station must send; others are refused with QnRtn 3.' }),
  site: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Site segment of the topic the readings stand for.' }),
  device: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,52}$', description: 'Device id; interval/statistic suffixes are appended (max 53 chars so that -minute-max still fits 64).' }),
  kind: Type.Union([Type.Literal('air'), Type.Literal('water')], { description: 'Reading kind: air (HJ 524 a-codes) or water (HJ 525 w-codes).' }),
  timezone: Type.String({ pattern: '^[+-]\\d{2}:\\d{2}$', default: '+08:00', description: 'Zone of DataTime/SystemTime as the station writes them (Beijing time in practice).' }),
  minuteInterval: Type.Integer({ minimum: 1, maximum: 60, default: 10, description: 'Minutes between two 2051 records (MinInterval, one of 1…30 in the standard); the backfill gap unit.' }),
  defaultFactors: Type.Union([Type.Literal('builtin'), Type.Literal('none')], { default: 'builtin', description: 'builtin: start from the documented factor table for the kind (docs/hj212-stations.md); none: only `factors`.' }),
  factors: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.]{1,16}$' }), FactorMappingSchema, { default: {}, description: 'Factor code → mapping; overrides the builtin entry for the same code.' })
}, { additionalProperties: false })

export const Hj212ConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: false, description: 'Start the HJ 212 TCP server with ingest.' }),
  host: Type.String({ default: '127.0.0.1', description: 'Address to bind; 0.0.0.0 for stations on the network.' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 9212, description: '0 picks a free port.' }),
  tls: Type.Object({
    cert: Type.String({ default: '', description: 'PEM certificate file; empty = plain TCP.' }),
    key: Type.String({ default: '', description: 'PEM key file.' })
  }, { additionalProperties: false, default: {} }),
  edition: Type.Union([Type.Literal('2017'), Type.Literal('2025')], { default: '2017', description: '2025 also accepts CN 9015 (heartbeat, from public implementations; unverified).' }),
  mode: Type.Union([Type.Literal('lenient'), Type.Literal('strict')], { default: 'lenient', description: 'Codec mode (docs/hj212.md).' }),
  lengthCountsChars: Type.Boolean({ default: false, description: 'Accept length fields that count characters instead of UTF-8 bytes (spec §2).' }),
  maxFrameBytes: Type.Integer({ minimum: 64, maximum: 10011, default: 1036, description: 'Largest frame (12 + data segment); also bounds each connection\'s buffer.' }),
  maxConnections: Type.Integer({ minimum: 1, default: 2000, description: 'Connections beyond this are closed at once (counted).' }),
  idleTimeout: Duration('5m', 'A connection that sends nothing for this long is closed; a partial frame in its buffer is counted TRUNCATED.'),
  keepAlive: Duration('60s', 'TCP keep-alive probe delay (half-open detection); "0s" turns it off.'),
  maxPendingFrames: Type.Integer({ minimum: 1, default: 256, description: 'Frames queued per connection before reading from it pauses (backpressure).' }),
  splitReassemblyTimeout: Duration('5s', 'How long parts of a split packet (PNUM/PNO) wait for the others before what arrived is stored and the gap counted. Below the device\'s 10 s answer timeout.'),
  refuse: Type.Object({
    reply: Type.Union([Type.Literal('always'), Type.Literal('when-asked')], { default: 'always', description: 'Answer unknown MN / wrong PW with 9011 QnRtn 4 / 3 always, or only when Flag A=1.' }),
    closeAfter: Type.Integer({ minimum: 0, default: 5, description: 'Close a connection after this many refused packets in a row; 0 = never.' })
  }, { additionalProperties: false, default: {} }),
  timeCalibration: Type.Object({
    onConnect: Type.Union([Type.Literal('off'), Type.Literal('request-time')], { default: 'off', description: 'request-time: send 1011 after a station first authenticates on a connection.' }),
    maxSkew: Duration('60s', 'A device clock (1011 SystemTime) further off than this is set with 1012.')
  }, { additionalProperties: false, default: {} }),
  backfill: Type.Object({
    enabled: Type.Boolean({ default: true, description: 'Request missing minute/hour data (2051/2061 with BeginTime/EndTime) when a gap is seen.' }),
    maxRange: Duration('7d', 'Gaps longer than this are requested only for their last maxRange.'),
    replyTimeout: Duration('10s', 'Wait for the 9011 answer to a request (Table 1: 10 s).'),
    executionTimeout: Duration('5m', 'Wait for the 9012 result after 9011.'),
    retries: Type.Integer({ minimum: 0, default: 3, description: 'Requests re-sent when unanswered or incomplete (Table 1: 3).' }),
    keep: Duration('30d', 'How long received DataTimes are remembered (gap detection and exactly-once bookkeeping).')
  }, { additionalProperties: false, default: {} }),
  stationsFile: Type.String({ default: '', description: 'YAML file with `stations:` (a list like `stations` below); merged with the inline list.' }),
  stations: Type.Array(StationSchema, { default: [], description: 'The station registry.' })
}, { additionalProperties: false, default: {} })

export type Hj212Config = Static<typeof Hj212ConfigSchema>
export type StationConfig = Static<typeof StationSchema>
export type FactorMapping = Static<typeof FactorMappingSchema>

/** Validates an `hj212` section (as written in YAML) and applies defaults. Throws ERR_CONFIG_INVALID. */
export function loadHj212Config (value: unknown): Readonly<Hj212Config> {
  return loadConfig({ schema: Hj212ConfigSchema, value: value ?? {}, env: {} })
}

const StationsFileSchema = Type.Object({ stations: Type.Array(StationSchema, { default: [] }) }, { additionalProperties: false })

/** Reads a stations YAML file (`stations: [...]`), validated like the inline list. */
export function loadStationsFile (file: string): readonly StationConfig[] {
  return loadConfig({ schema: StationsFileSchema, file, env: {} }).stations
}
