// InfluxQL over HTTP: /query?db=&epoch=ms (InfluxDB 1.x "/query HTTP endpoint"; 2.x and 3.x answer
// it through their v1-compatible API). Reads go as GET, statements that change something
// (CREATE, DROP, ALTER, GRANT, REVOKE, DELETE, KILL, SELECT … INTO) as POST, as 1.x requires.
import { ShennongError } from '@shennong/core/errors.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import type { InfluxConfig } from './config.ts'
import { errorMessage } from './send-outcome.ts'
import { influxAuthHeaders } from './writer-v1.ts'

export interface InfluxSeries {
  name: string
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

/** One statement's result. Times are epoch milliseconds (epoch=ms). */
export interface InfluxResult {
  statement_id?: number
  series?: InfluxSeries[]
  error?: string
}

export interface InfluxQuery {
  /** Runs one or more `;`-separated statements; rejects with ERR_INFLUX_QUERY on any statement's error. */
  query: (influxql: string, options?: { db?: string }) => Promise<InfluxResult[]>
  /** CREATE DATABASE for the configured database (idempotent in InfluxDB). */
  ensureDatabase: () => Promise<void>
}

const WRITES = /^\s*(create|drop|alter|grant|revoke|delete|kill|set)\b|\binto\b/i

/** Quotes an identifier for InfluxQL ("my db"). */
export function quoteIdentifier (name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function createInfluxQuery (config: InfluxConfig): InfluxQuery {
  const base = config.url.replace(/\/+$/, '')
  const timeoutMs = parseDuration(config.timeout)
  const headers = influxAuthHeaders(config)

  async function query (influxql: string, options: { db?: string } = {}): Promise<InfluxResult[]> {
    const params = new URLSearchParams({ epoch: 'ms' })
    const db = options.db ?? config.database
    if (db !== '') params.set('db', db)
    if (config.retentionPolicy !== '' && options.db === undefined) params.set('rp', config.retentionPolicy)
    const post = WRITES.test(influxql)
    let res: Response
    let text: string
    try {
      if (post) {
        const body = new URLSearchParams({ q: influxql })
        res = await fetch(`${base}/query?${params.toString()}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) })
      } else {
        params.set('q', influxql)
        res = await fetch(`${base}/query?${params.toString()}`, { headers, signal: AbortSignal.timeout(timeoutMs) })
      }
      text = await res.text()
    } catch (err) {
      const e = err as { name?: string, cause?: { code?: string }, message?: string }
      if (e.name === 'TimeoutError') throw new ShennongError('ERR_INFLUX_TIMEOUT', `InfluxDB at ${base} did not answer the query within ${timeoutMs} ms`, { cause: err })
      throw new ShennongError('ERR_INFLUX_UNAVAILABLE', `InfluxDB at ${base} cannot be reached: ${e.cause?.code ?? e.message}`, { cause: err })
    }
    if (res.status === 401 || res.status === 403) {
      throw new ShennongError('ERR_INFLUX_AUTH', `InfluxDB refused the credentials (HTTP ${res.status}: ${errorMessage(text, res.status)})`, { details: { status: res.status } })
    }
    if (res.status >= 500) {
      throw new ShennongError('ERR_INFLUX_UNAVAILABLE', `InfluxDB answered HTTP ${res.status}: ${errorMessage(text, res.status)}`, { details: { status: res.status } })
    }
    let json: { results?: InfluxResult[], error?: string }
    try {
      json = JSON.parse(text) as typeof json
    } catch (cause) {
      throw new ShennongError('ERR_INFLUX_QUERY', `InfluxDB answered HTTP ${res.status} with no JSON: ${text.slice(0, 500)}`, { cause })
    }
    if (typeof json.error === 'string') {
      throw new ShennongError('ERR_INFLUX_QUERY', json.error, { details: { status: res.status, query: influxql } })
    }
    const results = json.results ?? []
    const failed = results.find(r => typeof r.error === 'string')
    if (failed !== undefined) {
      throw new ShennongError('ERR_INFLUX_QUERY', failed.error as string, { details: { status: res.status, query: influxql, results } })
    }
    return results
  }

  return {
    query,
    ensureDatabase: async () => {
      await query(`CREATE DATABASE ${quoteIdentifier(config.database)}`, { db: '' })
    }
  }
}
