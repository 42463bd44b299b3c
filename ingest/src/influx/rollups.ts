// Downsampled data for dashboards at long ranges (InfluxDB 1.x retention policies and continuous
// queries; docs/dashboards.md "Fast at long ranges"). Readings go to the default retention policy
// (`raw`, kept `raw.duration`); one continuous query per (rollup level, kind) keeps
// `<level>.<kind>` filled with, per metric of the catalog, `<metric>` (mean), `<metric>_min`,
// `<metric>_max`, and `readings` (count of seq), GROUP BY time(<interval>), * (site, device).
// The mean keeps the metric's own name, so one dashboard query reads raw or rollup data by
// changing only the retention policy.
//
// A continuous query only covers the intervals near the time it runs (RESAMPLE FOR): data written
// for the past (a backfill, an edge gateway's spool after an outage longer than FOR) is rolled up
// by `backfillRollups`, which runs the very same SELECT … INTO over a time range.
import { createHash } from 'node:crypto'
import Type, { type Static } from 'typebox'
import { CATALOG, type Kind } from '@shennong/core/catalog.ts'
import { loadConfig } from '@shennong/core/config.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { InfluxConfig } from './config.ts'
import { quoteIdentifier, type InfluxQuery } from './query.ts'
import { influxAuthHeaders } from './writer-v1.ts'

const DURATION = '^\\d+(ms|s|m|h|d)$'
const NAME = '^[a-z][a-z0-9_]{0,62}$'

const LevelSchema = Type.Object({
  name: Type.String({ pattern: NAME, description: 'Retention policy that holds this rollup, e.g. rollup_5m.' }),
  interval: Type.String({ pattern: DURATION, description: 'GROUP BY time(interval) of the rollup.' }),
  duration: Type.String({ pattern: DURATION, description: 'How long the rollup is kept; "0s" = forever.' }),
  resampleEvery: Type.String({ pattern: DURATION, description: 'How often the continuous query runs (RESAMPLE EVERY).' }),
  resampleFor: Type.String({ pattern: DURATION, description: 'How far back each run recomputes (RESAMPLE FOR, ≥ interval): late readings within it are included.' })
}, { additionalProperties: false })

export const RollupsConfigSchema = Type.Object({
  enabled: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on', description: 'on: create the retention policies and continuous queries at startup (InfluxDB 1.x).' }),
  database: Type.String({ minLength: 1, default: 'shennong', description: 'Database (the influx.database).' }),
  raw: Type.Object({
    name: Type.String({ pattern: NAME, default: 'raw', description: 'The default retention policy, where readings are written.' }),
    duration: Type.String({ pattern: DURATION, default: '0s', description: 'How long raw readings are kept; "0s" = forever (the default: traceability summaries read whole production seasons, and nothing is deleted unless you choose it).' })
  }, { additionalProperties: false, default: {} }),
  levels: Type.Array(LevelSchema, {
    default: [
      { name: 'rollup_5m', interval: '5m', duration: '400d', resampleEvery: '1m', resampleFor: '15m' },
      { name: 'rollup_1h', interval: '1h', duration: '0s', resampleEvery: '10m', resampleFor: '3h' }
    ],
    description: 'Rollup levels, finest first.'
  })
}, { additionalProperties: false, default: {} })

export type RollupsConfig = Static<typeof RollupsConfigSchema>
export type RollupLevel = RollupsConfig['levels'][number]

/** A complete, validated, frozen RollupsConfig from a partial one (defaults applied). */
export function buildRollupsConfig (value: Partial<RollupsConfig> = {}): RollupsConfig {
  return loadConfig({ schema: RollupsConfigSchema, value }) as RollupsConfig
}

/** Prefix of the continuous queries Shennong owns; others are left alone. */
export const CQ_PREFIX = 'shennong_'

/** An InfluxQL duration literal: "30d", "5m", INF for 0. */
export function influxDuration (text: string): string {
  const ms = parseDuration(text)
  if (ms === 0) return 'INF'
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/** The SELECT … INTO of one level and kind, without a time condition. */
export function rollupSelect (config: RollupsConfig, level: RollupLevel, kind: Kind): { select: string, groupBy: string } {
  const q = quoteIdentifier
  const columns: string[] = []
  for (const metric of Object.keys(CATALOG[kind])) {
    const m = q(metric)
    columns.push(`mean(${m}) AS ${m}`, `min(${m}) AS ${q(`${metric}_min`)}`, `max(${m}) AS ${q(`${metric}_max`)}`)
  }
  columns.push(`count(${q('seq')}) AS ${q('readings')}`)
  const db = q(config.database)
  return {
    select: `SELECT ${columns.join(', ')} INTO ${db}.${q(level.name)}.${q(kind)} FROM ${db}.${q(config.raw.name)}.${q(kind)}`,
    groupBy: `GROUP BY time(${influxDuration(level.interval)}), *`
  }
}

export interface ContinuousQuery { name: string, statement: string }

/** The continuous queries the config asks for; the name carries a hash of the definition. */
export function rollupContinuousQueries (config: RollupsConfig): ContinuousQuery[] {
  const out: ContinuousQuery[] = []
  for (const level of config.levels) {
    for (const kind of Object.keys(CATALOG) as Kind[]) {
      const { select, groupBy } = rollupSelect(config, level, kind)
      const resample = `RESAMPLE EVERY ${influxDuration(level.resampleEvery)} FOR ${influxDuration(level.resampleFor)}`
      const body = `${resample} BEGIN ${select} ${groupBy} END`
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 8)
      const name = `${CQ_PREFIX}${level.name}_${kind}_${hash}`
      out.push({ name, statement: `CREATE CONTINUOUS QUERY ${quoteIdentifier(name)} ON ${quoteIdentifier(config.database)} ${body}` })
    }
  }
  return out
}

/** Retention policy (forever) and measurement of the resolution map the dashboards' `rp` variable reads. */
export const RESOLUTION_RP = 'forever'
export const RESOLUTION_MEASUREMENT = 'rp_config'
/** A level takes over once a range spans this many of its intervals (5m → 60 h, 1h → 30 d). */
export const RESOLUTION_POINTS = 720
/** `end` of the coarsest level: a range no one will ask for (about 31 700 years, in ms). */
export const RESOLUTION_END = 1e15

export interface ResolutionRange { idx: number, rp: string, start: number, end: number }

/**
 * Which retention policy serves which range length (ms): level i applies when start < range ≤ end.
 * Level i+1 starts where a range spans RESOLUTION_POINTS of its intervals (raw below 60 h,
 * rollup_5m up to 30 d, rollup_1h beyond with the default levels).
 */
export function resolutionRanges (config: RollupsConfig): ResolutionRange[] {
  const names = [config.raw.name, ...config.levels.map(l => l.name)]
  const starts = [0, ...config.levels.map(l => parseDuration(l.interval) * RESOLUTION_POINTS)]
  for (let i = 1; i < starts.length; i++) starts[i] = Math.max(starts[i], starts[i - 1])
  return names.map((rp, idx) => ({ idx, rp, start: starts[idx], end: idx + 1 < starts.length ? starts[idx + 1] : RESOLUTION_END }))
}

/** Line protocol of the resolution map: one point per level at time 0, so every query matches it. */
export function resolutionLines (config: RollupsConfig): string[] {
  const text = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  return resolutionRanges(config).map(r => `${RESOLUTION_MEASUREMENT},idx=${r.idx} rp=${text(r.rp)},pick="auto",start=${r.start}i,end=${r.end}i 0`)
}

/**
 * The dashboards' query for the `rp` variable: the level for the range Grafana shows ($__from and
 * $__to are epoch ms), or the one `$resolution` names when it is not `auto` (manual override).
 */
export function resolutionQuery (from = '$__from', to = '$__to', pick = '$resolution'): string {
  const range = `${to} - ${from}`
  return `SELECT "rp" FROM ${quoteIdentifier(RESOLUTION_RP)}.${quoteIdentifier(RESOLUTION_MEASUREMENT)} WHERE "rp" = '${pick}' OR ("pick" = '${pick}' AND ${range} > "start" AND ${range} <= "end")`
}

/** Writes the resolution map (InfluxDB 1.x /write into RESOLUTION_RP); a reload overwrites it. */
async function writeResolutionMap (query: InfluxQuery, config: RollupsConfig, influx: InfluxConfig): Promise<void> {
  const params = new URLSearchParams({ db: config.database, rp: RESOLUTION_RP, precision: 'ms' })
  const base = influx.url.replace(/\/+$/, '')
  const res = await fetch(`${base}/write?${params.toString()}`, { method: 'POST', body: resolutionLines(config).join('\n'), headers: influxAuthHeaders(influx), signal: AbortSignal.timeout(parseDuration(influx.timeout)) })
  const text = await res.text()
  if (res.status !== 204) throw new ShennongError('ERR_INFLUX_QUERY', `rollups: writing ${RESOLUTION_MEASUREMENT} failed (HTTP ${res.status}: ${text.slice(0, 300)})`)
  // Fewer levels than before: drop the levels that are gone.
  const db = quoteIdentifier(config.database)
  const [shown] = await query.query(`SHOW TAG VALUES ON ${db} FROM ${quoteIdentifier(RESOLUTION_MEASUREMENT)} WITH KEY = "idx"`, { db: config.database })
  const count = config.levels.length + 1
  for (const row of shown.series?.[0]?.values ?? []) {
    const idx = String(row[1])
    if (!/^\d+$/.test(idx) || Number(idx) >= count) await query.query(`DROP SERIES FROM ${quoteIdentifier(RESOLUTION_MEASUREMENT)} WHERE "idx" = '${idx.replace(/'/g, "\\'")}'`, { db: config.database })
  }
}

function checkLevels (config: RollupsConfig): void {
  const names = new Set([config.raw.name, RESOLUTION_RP])
  for (const level of config.levels) {
    if (names.has(level.name)) throw new ShennongError('ERR_CONFIG_INVALID', `rollups: retention policy "${level.name}" is named twice`)
    names.add(level.name)
    if (parseDuration(level.resampleFor) < parseDuration(level.interval)) {
      throw new ShennongError('ERR_CONFIG_INVALID', `rollups.${level.name}: resampleFor (${level.resampleFor}) must be at least the interval (${level.interval})`)
    }
  }
}

/**
 * Creates (or brings up to date) the retention policies and continuous queries. Idempotent: run it
 * at every start. The raw policy becomes the database default; a changed definition drops the old
 * continuous query and creates the new one; continuous queries not named `shennong_…` are kept.
 * The database must exist (`ensureDatabase()` first).
 *
 * With `influx` (the server's URL and credentials: InfluxQL cannot write points), it also keeps
 * the resolution map in `forever.rp_config` (`resolutionLines`), which the dashboards' `rp`
 * variable reads to pick the level from the range length.
 */
export async function ensureRollups (query: InfluxQuery, config: RollupsConfig, options: { influx?: InfluxConfig } = {}): Promise<{ created: string[], dropped: string[] }> {
  if (config.enabled === 'off') return { created: [], dropped: [] }
  checkLevels(config)
  const db = quoteIdentifier(config.database)
  const [rps] = await query.query(`SHOW RETENTION POLICIES ON ${db}`, { db: config.database })
  const existing = new Set((rps.series?.[0]?.values ?? []).map(v => String(v[0])))
  const policies: Array<{ name: string, duration: string, isDefault: boolean }> = [
    { name: config.raw.name, duration: config.raw.duration, isDefault: true },
    ...config.levels.map(l => ({ name: l.name, duration: l.duration, isDefault: false })),
    { name: RESOLUTION_RP, duration: '0s', isDefault: false }
  ]
  for (const p of policies) {
    const verb = existing.has(p.name) ? 'ALTER' : 'CREATE'
    await query.query(`${verb} RETENTION POLICY ${quoteIdentifier(p.name)} ON ${db} DURATION ${influxDuration(p.duration)} REPLICATION 1${p.isDefault ? ' DEFAULT' : ''}`, { db: config.database })
  }

  const wanted = rollupContinuousQueries(config)
  const [shown] = await query.query('SHOW CONTINUOUS QUERIES', { db: config.database })
  const present = new Set<string>()
  for (const series of shown.series ?? []) {
    if (series.name !== config.database) continue
    for (const row of series.values ?? []) present.add(String(row[0]))
  }
  const wantedNames = new Set(wanted.map(c => c.name))
  const dropped: string[] = []
  for (const name of present) {
    if (name.startsWith(CQ_PREFIX) && !wantedNames.has(name)) {
      await query.query(`DROP CONTINUOUS QUERY ${quoteIdentifier(name)} ON ${db}`, { db: config.database })
      dropped.push(name)
    }
  }
  const created: string[] = []
  for (const cq of wanted) {
    if (present.has(cq.name)) continue
    await query.query(cq.statement, { db: config.database })
    created.push(cq.name)
  }
  if (options.influx !== undefined) await writeResolutionMap(query, config, options.influx)
  return { created, dropped }
}

/**
 * Rolls up [from, to) now, with the continuous queries' own SELECT … INTO, one day at a time. Use
 * it after a backfill or a long outage: continuous queries only recompute their RESAMPLE FOR
 * window. Bounds are aligned outwards to each level's interval; re-running it is harmless (points
 * overwrite themselves).
 */
export async function backfillRollups (query: InfluxQuery, config: RollupsConfig, range: { from: number, to: number }): Promise<{ statements: number }> {
  checkLevels(config)
  const dayMs = 86_400_000
  let statements = 0
  for (const level of config.levels) {
    const step = parseDuration(level.interval)
    const from = Math.floor(range.from / step) * step
    const to = Math.ceil(range.to / step) * step
    const chunk = Math.max(step, Math.floor(dayMs / step) * step)
    for (const kind of Object.keys(CATALOG) as Kind[]) {
      const { select, groupBy } = rollupSelect(config, level, kind)
      for (let start = from; start < to; start += chunk) {
        const end = Math.min(to, start + chunk)
        await query.query(`${select} WHERE time >= ${start}ms AND time < ${end}ms ${groupBy}`, { db: config.database })
        statements++
      }
    }
  }
  return { statements }
}
