// InfluxQL for the read endpoints. Every identifier is double-quoted and every string literal
// single-quoted with escaping; times are integer epoch ms with the `ms` suffix. Nothing from the
// request reaches a query without passing through these functions.
import { CATALOG, KINDS, type Kind } from '@shennong/core/catalog.ts'

/** The part of createInfluxQuery the read endpoints use. */
export interface InfluxResult {
  series?: Array<{ name: string, tags?: Record<string, string>, columns: string[], values: unknown[][] }>
  error?: string
}
export interface InfluxQueryClient {
  query: (influxql: string, options?: { db?: string }) => Promise<InfluxResult[]>
}

export function quoteIdent (name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function quoteString (value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

export interface ReadingsQuery {
  site: string
  device: string
  kinds: Kind[]
  /** Metrics to return; empty = every field. */
  metrics: string[]
  from: number
  to: number
  /** Bucket width in ms for mean() downsampling; undefined = raw points. */
  everyMs?: number
  limit: number
}

function durationLiteral (ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

export function buildReadingsQuery (q: ReadingsQuery): string {
  const from = q.kinds.map(quoteIdent).join(', ')
  const where = `WHERE "site" = ${quoteString(q.site)} AND "device" = ${quoteString(q.device)} AND time >= ${q.from}ms AND time <= ${q.to}ms`
  if (q.everyMs !== undefined) {
    const metrics = q.metrics.length > 0 ? q.metrics : [...new Set(q.kinds.flatMap(k => Object.keys(CATALOG[k])))]
    const select = metrics.map(m => `mean(${quoteIdent(m)}) AS ${quoteIdent(m)}`).join(', ')
    return `SELECT ${select} FROM ${from} ${where} GROUP BY time(${durationLiteral(q.everyMs)}) fill(none) LIMIT ${q.limit}`
  }
  const select = q.metrics.length > 0 ? [...q.metrics, 'seq', 'flags'].map(quoteIdent).join(', ') : '*'
  return `SELECT ${select} FROM ${from} ${where} ORDER BY time ASC LIMIT ${q.limit}`
}

export function buildLatestQuery (site: string, kinds: Kind[] = KINDS): string {
  return `SELECT * FROM ${kinds.map(quoteIdent).join(', ')} WHERE "site" = ${quoteString(site)} GROUP BY "device" ORDER BY time DESC LIMIT 1`
}

/** An InfluxDB time value (epoch number or RFC 3339 string) → epoch ms. */
export function timeToMs (value: unknown): number {
  if (typeof value === 'number') return value
  return Date.parse(String(value))
}
