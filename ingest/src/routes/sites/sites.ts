// Read endpoints over InfluxDB (InfluxQL through the query client):
//   GET /v1/sites/{site}/devices/{device}/readings?kind=&from=&to=&metrics=&every=&limit=
//   GET /v1/sites/{site}/latest
// Roles admin and inspector read every site, a farmer only its own (ARCHITECTURE §9).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CATALOG, KINDS, isKind, type Kind } from '@shennong/core/catalog.ts'
import { parseTimestamp } from '@shennong/core/reading.ts'
import { HttpError } from '../../errors.ts'
import { READ_ROLES, type Access } from '../../auth/access.ts'
import { parseFlags } from '../../pipeline/to-point.ts'
import { buildLatestQuery, buildReadingsQuery, timeToMs, type InfluxQueryClient, type InfluxResult } from './influxql.ts'
import { GetLatestSchema, GetReadingsSchema } from './schemas.ts'

export interface SitesRoutesOptions {
  access: Access
  influx: InfluxQueryClient
}

const DAY = 86_400_000
const MAX_BUCKETS = 100_000
const NOT_METRICS = new Set(['time', 'seq', 'flags', 'site', 'device'])

interface Row { kind: string, device: string, ts: string, seq?: number, metrics: Record<string, number>, flags?: Record<string, string> }

function invalid (message: string): HttpError {
  return new HttpError(400, 'ERR_QUERY_INVALID', message)
}

function parseTime (name: string, text: string): number {
  if (/^\d{1,16}$/.test(text)) return Number(text)
  const parsed = parseTimestamp(text)
  if (typeof parsed === 'string') throw invalid(`${name}: ${parsed.replace(/^ts/, name)}; or send epoch milliseconds`)
  return parsed
}

function parseEvery (text: string): number {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(text)
  if (m === null || Number(m[1]) === 0) throw invalid(`every "${text}" must be a positive whole number with a unit s, m, h or d (e.g. 15m, 1h)`)
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: DAY }[m[2] as 's' | 'm' | 'h' | 'd']
}

function toRows (results: InfluxResult[], device: string | undefined): Row[] {
  const rows: Row[] = []
  for (const result of results) {
    if (result.error !== undefined) throw new HttpError(502, 'ERR_INFLUX_QUERY', `InfluxDB answered: ${result.error}`)
    for (const series of result.series ?? []) {
      for (const values of series.values) {
        const row: Row = { kind: series.name, device: series.tags?.device ?? device ?? '', ts: '', metrics: {} }
        series.columns.forEach((column, i) => {
          const v = values[i]
          if (v === null || v === undefined) return
          if (column === 'time') row.ts = new Date(timeToMs(v)).toISOString()
          else if (column === 'seq') row.seq = Number(v)
          else if (column === 'flags') row.flags = parseFlags(String(v))
          else if (column === 'device') row.device = String(v)
          else if (!NOT_METRICS.has(column) && typeof v === 'number') row.metrics[column] = v
        })
        if (Object.keys(row.metrics).length > 0 || row.seq !== undefined) rows.push(row)
      }
    }
  }
  return rows
}

export const sitesRoutes: FastifyPluginAsyncTypebox<SitesRoutesOptions> = async (app, options) => {
  const { access, influx } = options
  const guard = access.guard({ roles: READ_ROLES, siteParam: 'site' })

  async function run (influxql: string): Promise<InfluxResult[]> {
    try {
      return await influx.query(influxql)
    } catch (err) {
      throw new HttpError(502, 'ERR_INFLUX_QUERY', `InfluxDB query failed: ${(err as Error).message}`, { cause: err })
    }
  }

  app.get('/v1/sites/:site/devices/:device/readings', { schema: GetReadingsSchema, onRequest: guard }, async (request) => {
    const { site, device } = request.params
    const q = request.query
    const kinds: Kind[] = q.kind !== undefined && isKind(q.kind) ? [q.kind] : [...KINDS]
    const to = q.to === undefined ? Date.now() : parseTime('to', q.to)
    const from = q.from === undefined ? to - DAY : parseTime('from', q.from)
    if (from > to) throw invalid(`from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`)
    const metrics = q.metrics === undefined ? [] : q.metrics.split(',').map(s => s.trim()).filter(s => s !== '')
    for (const m of metrics) {
      if (!kinds.some(k => Object.hasOwn(CATALOG[k], m))) {
        throw invalid(`unknown metric "${m}"${kinds.length === 1 ? ` for kind ${kinds[0]}; known: ${Object.keys(CATALOG[kinds[0]]).join(', ')}` : '; see the metric catalog'}`)
      }
    }
    let everyMs: number | undefined
    if (q.every !== undefined) {
      everyMs = parseEvery(q.every)
      if ((to - from) / everyMs > MAX_BUCKETS) throw invalid(`every ${q.every} over this range makes more than ${MAX_BUCKETS} buckets; widen every or narrow from/to`)
    }
    const results = await run(buildReadingsQuery({ site, device, kinds, metrics, from, to, everyMs, limit: q.limit ?? 1000 }))
    const readings = toRows(results, device).sort((a, b) => a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.kind.localeCompare(b.kind))
    return { site, device, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...(q.every !== undefined ? { every: q.every } : {}), readings }
  })

  app.get('/v1/sites/:site/latest', { schema: GetLatestSchema, onRequest: guard }, async (request) => {
    const { site } = request.params
    const readings = toRows(await run(buildLatestQuery(site)), undefined)
      .sort((a, b) => a.device.localeCompare(b.device) || a.kind.localeCompare(b.kind))
    return { site, readings }
  })
}
