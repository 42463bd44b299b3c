// Sensor history sealed into a batch's chain (issue 6 §3): for the batch's places over a window,
// per metric min/mean/max, count, coverage and the share of flagged readings, the alerts raised,
// and where the data allow the distribution of hourly water classes (GB 3838-2002) and AQI
// categories (HJ 633-2012). Everything is computed by InfluxDB with InfluxQL aggregates; the
// statements travel with the result so anyone can run them again and compare.
//
// Definitions (docs/traceability.md):
// - window: from ≤ time ≤ to, epoch ms;
// - coverage: share of the window's buckets (default 1 h, aligned to the epoch as InfluxDB's
//   GROUP BY time does) holding at least one value of the metric;
// - flaggedShare: readings of the metric whose `flags` field names it / readings of the metric.
import { CATALOG, KINDS, type Kind } from '@shennong/core/catalog.ts'
import { classifySurfaceWater, type SurfaceWaterValues } from '../indices/water-class.ts'
import { computeAqi } from '../indices/aqi.ts'
import type { InfluxQueryClient } from '../routes/sites/influxql.ts'
import { quoteIdent, quoteString, timeToMs } from '../routes/sites/influxql.ts'
import type { Alert } from '../alerts/alert.ts'
import type { AlertFilter } from '../alerts/alert-store.ts'

export interface AlertSource { list: (filter?: AlertFilter) => Alert[] }

export interface SensorScope {
  /** The place's id (or a label such as the cold-chain device). */
  place: string
  site: string
  /** Devices of the site; empty = every device of the site. */
  devices: string[]
  /** GB 3838 TP column: ponds are still water (lake), the rest river. */
  waterBody?: 'river' | 'lake' | 'reservoir'
}

export interface MetricStats {
  count: number
  min: number | null
  mean: number | null
  max: number | null
  /** Buckets with data / buckets in the window, 0…1. */
  coverage: number
  flagged: number
  flaggedShare: number
}

export interface Distribution {
  /** Buckets that could be classified. */
  buckets: number
  /** Label → share of those buckets, 0…1. */
  shares: Record<string, number>
}

export interface AlertDigest {
  count: number
  bySeverity: Record<string, number>
  items: Array<{ id: number, rule: string, severity: string, device: string, openedAt: number, message: string }>
}

export interface PlaceSummary {
  place: string
  site: string
  devices: string[]
  /** `kind.metric` → stats; only metrics with at least one reading. */
  metrics: Record<string, MetricStats>
  waterClass: Distribution | null
  aqi: Distribution | null
  alerts: AlertDigest
}

export interface SensorSummary {
  window: { from: number, to: number }
  bucketMs: number
  places: PlaceSummary[]
  /** Every InfluxQL statement the summary was computed from, in order. */
  queries: string[]
}

export interface SummaryDeps { influx: InfluxQueryClient, alerts?: AlertSource }

const WATER_CLASS_METRICS = ['ph', 'do_mg_l', 'codmn_mg_l', 'cod_mg_l', 'bod5_mg_l', 'nh3n_mg_l', 'tp_mg_l', 'tn_mg_l'] as const
const AQI_METRICS: Record<string, string> = { pm25_ug_m3: 'pm25_ug_m3', pm10_ug_m3: 'pm10_ug_m3', so2_ug_m3: 'so2_ug_m3', no2_ug_m3: 'no2_ug_m3', co_mg_m3: 'co_mg_m3', o3_ug_m3: 'o3_1h_ug_m3' }

export function durationLiteral (ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

/** Buckets of `bucketMs` (epoch-aligned) that overlap [from, to]. */
export function bucketsIn (from: number, to: number, bucketMs: number): number {
  return Math.floor(to / bucketMs) - Math.floor(from / bucketMs) + 1
}

export function whereClause (scope: { site: string, devices: readonly string[] }, from: number, to: number): string {
  const devices = scope.devices.length === 0 ? '' : ` AND "device" =~ /^(?:${scope.devices.map(d => d.replace(/[^a-z0-9_-]/g, c => `\\${c}`)).join('|')})$/`
  return `WHERE "site" = ${quoteString(scope.site)}${devices} AND time >= ${from}ms AND time <= ${to}ms`
}

interface Row { [column: string]: unknown }
function rowsOf (result: { series?: Array<{ columns: string[], values: unknown[][] }> } | undefined): Row[] {
  const out: Row[] = []
  for (const s of result?.series ?? []) for (const v of s.values) out.push(Object.fromEntries(s.columns.map((c, i) => [c, v[i]])))
  return out
}
const num = (v: unknown): number | null => typeof v === 'number' && Number.isFinite(v) ? v : null

/** Statements and a reader for the stats of some metrics of one kind: aggregates, coverage buckets, flagged counts. */
export function metricStatements (kind: Kind, metrics: readonly string[], where: string, bucketMs: number): string[] {
  const m = metrics.map(quoteIdent)
  const aggregates = metrics.map((name, i) => `count(${m[i]}) AS ${quoteIdent(`${name}_count`)}, min(${m[i]}) AS ${quoteIdent(`${name}_min`)}, mean(${m[i]}) AS ${quoteIdent(`${name}_mean`)}, max(${m[i]}) AS ${quoteIdent(`${name}_max`)}`).join(', ')
  return [
    `SELECT ${aggregates} FROM ${quoteIdent(kind)} ${where}`,
    `SELECT ${metrics.map((name, i) => `count(${m[i]}) AS ${quoteIdent(name)}`).join(', ')} FROM ${quoteIdent(kind)} ${where} GROUP BY time(${durationLiteral(bucketMs)}) fill(none)`,
    ...metrics.map((name, i) => `SELECT count(${m[i]}) AS ${quoteIdent(name)} FROM ${quoteIdent(kind)} ${where} AND "flags" =~ /(^|,)${name}=/`)
  ]
}

export function readMetricStats (kind: Kind, metrics: readonly string[], results: Array<{ series?: Array<{ columns: string[], values: unknown[][] }> }>, totalBuckets: number): Record<string, MetricStats> {
  const [agg] = rowsOf(results[0])
  const buckets = rowsOf(results[1])
  const out: Record<string, MetricStats> = {}
  metrics.forEach((name, i) => {
    const count = num(agg?.[`${name}_count`]) ?? 0
    if (count === 0) return
    const withData = buckets.filter(b => (num(b[name]) ?? 0) > 0).length
    const flagged = num(rowsOf(results[2 + i])[0]?.[name]) ?? 0
    out[`${kind}.${name}`] = {
      count,
      min: num(agg[`${name}_min`]),
      mean: num(agg[`${name}_mean`]),
      max: num(agg[`${name}_max`]),
      coverage: withData / totalBuckets,
      flagged,
      flaggedShare: flagged / count
    }
  })
  return out
}

function distribution (labels: string[]): Distribution | null {
  if (labels.length === 0) return null
  const shares: Record<string, number> = {}
  for (const l of labels) shares[l] = (shares[l] ?? 0) + 1
  for (const l of Object.keys(shares)) shares[l] = shares[l] / labels.length
  return { buckets: labels.length, shares }
}

export function digestAlerts (alerts: AlertSource | undefined, scope: { site: string, devices: readonly string[] }, from: number, to: number): AlertDigest {
  const list = (alerts?.list({ site: scope.site, from, to, limit: 1000 }) ?? [])
    .filter(a => scope.devices.length === 0 || scope.devices.includes(a.device) || scope.devices.includes(a.subject))
    .sort((a, b) => a.openedAt - b.openedAt || a.id - b.id)
  const bySeverity: Record<string, number> = {}
  for (const a of list) bySeverity[a.severity] = (bySeverity[a.severity] ?? 0) + 1
  return { count: list.length, bySeverity, items: list.map(a => ({ id: a.id, rule: a.rule, severity: a.severity, device: a.device, openedAt: a.openedAt, message: a.message })) }
}

export async function computeSensorSummary (deps: SummaryDeps, scopes: readonly SensorScope[], window: { from: number, to: number }, options: { bucketMs?: number } = {}): Promise<SensorSummary> {
  const bucketMs = options.bucketMs ?? 3_600_000
  const total = bucketsIn(window.from, window.to, bucketMs)
  const queries: string[] = []
  const places: PlaceSummary[] = []
  for (const scope of scopes) {
    const where = whereClause(scope, window.from, window.to)
    const statements: string[] = []
    const layout: Array<{ kind: Kind, metrics: string[], start: number }> = []
    for (const kind of KINDS) {
      const metrics = Object.keys(CATALOG[kind])
      layout.push({ kind, metrics, start: statements.length })
      statements.push(...metricStatements(kind, metrics, where, bucketMs))
    }
    const waterAt = statements.length
    statements.push(`SELECT ${WATER_CLASS_METRICS.map(m => `mean(${quoteIdent(m)}) AS ${quoteIdent(m)}`).join(', ')} FROM "water" ${where} GROUP BY time(${durationLiteral(bucketMs)}) fill(none)`)
    const airAt = statements.length
    statements.push(`SELECT ${Object.keys(AQI_METRICS).map(m => `mean(${quoteIdent(m)}) AS ${quoteIdent(m)}`).join(', ')} FROM "air" ${where} GROUP BY time(${durationLiteral(bucketMs)}) fill(none)`)
    const results = await deps.influx.query(statements.join('; '))
    queries.push(...statements)
    const metrics: Record<string, MetricStats> = {}
    for (const { kind, metrics: names, start } of layout) {
      Object.assign(metrics, readMetricStats(kind, names, results.slice(start, start + 2 + names.length), total))
    }
    const waterLabels = rowsOf(results[waterAt]).map(row => {
      const values: SurfaceWaterValues = {}
      for (const m of WATER_CLASS_METRICS) values[m] = num(row[m])
      return classifySurfaceWater(values, { waterBody: scope.waterBody ?? 'river' }).class
    }).filter((c): c is NonNullable<typeof c> => c !== null)
    const aqiLabels = rowsOf(results[airAt]).map(row => {
      const conc: Record<string, number | null> = {}
      for (const [metric, item] of Object.entries(AQI_METRICS)) conc[item] = num(row[metric])
      return computeAqi(conc, { report: 'hourly', date: timeToMs(row.time) }).category
    }).filter(c => c !== null).map(c => `${c.level} ${c.en}`)
    places.push({
      place: scope.place,
      site: scope.site,
      devices: [...scope.devices],
      metrics,
      waterClass: distribution(waterLabels),
      aqi: distribution(aqiLabels),
      alerts: digestAlerts(deps.alerts, scope, window.from, window.to)
    })
  }
  return { window: { ...window }, bucketMs, places, queries }
}

export interface ColdChainProfile {
  device: { site: string, device: string }
  window: { from: number, to: number }
  range: { min: number, max: number }
  bucketMs: number
  metrics: Record<string, MetricStats>
  /** Bucket means, min and max of temperature_c (at most about 48 buckets). */
  profile: Array<{ t: number, min: number | null, mean: number | null, max: number | null }>
  excursions: { count: number, share: number, first: number | null, last: number | null }
  alerts: AlertDigest
  queries: string[]
}

/** The temperature profile of a cold-chain device over a transport, with readings outside `range` (°C) and alerts. */
export async function computeColdChainProfile (deps: SummaryDeps, device: { site: string, device: string }, window: { from: number, to: number }, range: { min: number, max: number }): Promise<ColdChainProfile> {
  const span = Math.max(1, window.to - window.from)
  const bucketMs = Math.max(60_000, Math.ceil(span / 48 / 60_000) * 60_000)
  const scope = { site: device.site, devices: [device.device] }
  const where = whereClause(scope, window.from, window.to)
  const metrics = Object.keys(CATALOG.cold_chain)
  const statements = metricStatements('cold_chain', metrics, where, bucketMs)
  const outside = `("temperature_c" < ${range.min} OR "temperature_c" > ${range.max})`
  const profileAt = statements.length
  statements.push(
    `SELECT min("temperature_c") AS "min", mean("temperature_c") AS "mean", max("temperature_c") AS "max" FROM "cold_chain" ${where} GROUP BY time(${durationLiteral(bucketMs)}) fill(none)`,
    `SELECT count("temperature_c") AS "n" FROM "cold_chain" ${where} AND ${outside}`,
    `SELECT "temperature_c" FROM "cold_chain" ${where} AND ${outside} ORDER BY time ASC LIMIT 1`,
    `SELECT "temperature_c" FROM "cold_chain" ${where} AND ${outside} ORDER BY time DESC LIMIT 1`
  )
  const results = await deps.influx.query(statements.join('; '))
  const stats = readMetricStats('cold_chain', metrics, results, bucketsIn(window.from, window.to, bucketMs))
  const count = num(rowsOf(results[profileAt + 1])[0]?.n) ?? 0
  const first = rowsOf(results[profileAt + 2])[0]
  const last = rowsOf(results[profileAt + 3])[0]
  const readings = stats['cold_chain.temperature_c']?.count ?? 0
  return {
    device: { ...device },
    window: { ...window },
    range: { ...range },
    bucketMs,
    metrics: stats,
    profile: rowsOf(results[profileAt]).map(r => ({ t: timeToMs(r.time), min: num(r.min), mean: num(r.mean), max: num(r.max) })),
    excursions: { count, share: readings === 0 ? 0 : count / readings, first: first === undefined ? null : timeToMs(first.time), last: last === undefined ? null : timeToMs(last.time) },
    alerts: digestAlerts(deps.alerts, scope, window.from, window.to),
    queries: statements
  }
}

/** The vessel's position at (or last before, within `maxAgeMs`) a time, from its `vessel` readings. */
export async function vesselPositionAt (deps: SummaryDeps, vessel: { site: string, devices: readonly string[] }, at: number, maxAgeMs = 3_600_000): Promise<{ lat: number, lon: number, at: number, device: string, query: string } | null> {
  const query = `SELECT "lat_deg", "lon_deg", "device" FROM "vessel" ${whereClause(vessel, at - maxAgeMs, at)} AND "lat_deg" >= -90 ORDER BY time DESC LIMIT 1`
  const [row] = rowsOf((await deps.influx.query(query))[0])
  if (row === undefined) return null
  const lat = num(row.lat_deg)
  const lon = num(row.lon_deg)
  if (lat === null || lon === null) return null
  return { lat, lon, at: timeToMs(row.time), device: String(row.device ?? ''), query }
}
