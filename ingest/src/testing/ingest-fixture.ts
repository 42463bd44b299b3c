// For ingest's own tests: a real influxd (test/harness), a temporary data directory with
// principals, and the whole ingest service in-process on port 0. Torn down with the tap test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeLogMeta, type LogMeta } from '@shennong/core/ingest-log.ts'
import { formatToken, openPrincipalStore, principalsPath, type PrincipalInput } from '@shennong/core/principals.ts'
import { buildTopic } from '@shennong/core/topics.ts'
import { startInfluxd, type InfluxdHandle } from '../../../test/harness/influxd.ts'
import { loadIngestConfig, type IngestConfig } from '../config.ts'
import { startIngest, type RunningIngest } from '../main.ts'
import { deepMerge } from '@shennong/core/deep-merge.ts'

interface Tap { teardown: (fn: () => unknown) => void }

export interface IngestFixture {
  influx: InfluxdHandle
  ingest: RunningIngest
  config: IngestConfig
  dataDir: string
  /** Bearer tokens by principal id. */
  tokens: Record<string, string>
  /** Appends a raw payload to the ingest log as if the broker had received it on site/id/telemetry. */
  append: (site: string, id: string, payload: unknown, meta?: Partial<LogMeta>) => Promise<number>
  /** InfluxQL against the test database; the first statement's series. */
  query: (influxql: string) => Promise<Array<{ name: string, tags?: Record<string, string>, columns: string[], values: unknown[][] }>>
  /** Rows of a query as objects keyed by column. */
  rows: (influxql: string) => Promise<Array<Record<string, unknown>>>
  request: (method: string, path: string, options?: { token?: string, body?: unknown, raw?: string, contentType?: string }) => Promise<{ status: number, json: any, text: string }>
}

export const DEFAULT_PRINCIPALS: PrincipalInput[] = [
  { id: 'gw-north', kind: 'gateway', sites: ['farm-north'] },
  { id: 'gw-south', kind: 'gateway', sites: ['farm-south'] },
  { id: 'admin', kind: 'user', role: 'admin' },
  { id: 'inspector', kind: 'user', role: 'inspector' },
  { id: 'farmer-north', kind: 'user', role: 'farmer', sites: ['farm-north'] },
  { id: 'svc', kind: 'service', role: 'service' }
]

export async function startIngestFixture (t: Tap, overrides: Record<string, unknown> = {}, options: { influx?: InfluxdHandle } = {}): Promise<IngestFixture> {
  const influx = options.influx ?? await startInfluxd({ t })
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-ingest-'))
  const store = openPrincipalStore(principalsPath(dataDir))
  const tokens: Record<string, string> = {}
  for (const p of DEFAULT_PRINCIPALS) tokens[p.id] = formatToken(p.id, (await store.add(p)).secret)
  store.close()
  const base = {
    dataDir,
    logLevel: 'silent',
    http: { port: 0 },
    influx: { url: influx.url, timeout: '2s', retry: { initialDelay: '50ms', maxDelay: '300ms' } },
    ingestLog: { sync: 'normal' },
    pipeline: { pollInterval: '10ms' }
  }
  const merged = deepMerge(base, overrides)
  const config = loadIngestConfig({ value: merged, env: {} }) as IngestConfig
  const ingest = await startIngest(config)
  t.teardown(async () => {
    await ingest.close({ drainMs: 0 })
    rmSync(dataDir, { recursive: true, force: true })
  })
  // Ingest creates the database in the background; a test's first read must not race it (on a
  // busy machine it can take longer than the first request). Not when the test stopped influxd.
  if (config.influx.api === 'v1' && config.influx.url === influx.url && influx.pid() !== undefined) {
    const deadline = Date.now() + 15_000
    for (;;) {
      const res = await fetch(`${influx.url}/query?q=${encodeURIComponent('SHOW DATABASES')}`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined)
      const text = res === undefined ? '' : await res.text().catch(() => '')
      if (text.includes(JSON.stringify(config.influx.database)) || Date.now() > deadline) break
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  const query: IngestFixture['query'] = async (influxql) => {
    const res = await fetch(`${influx.url}/query?db=shennong&epoch=ms&q=${encodeURIComponent(influxql)}`)
    const json = await res.json() as { results: Array<{ series?: any[], error?: string }> }
    if (json.results[0].error !== undefined) throw new Error(json.results[0].error)
    return json.results[0].series ?? []
  }
  return {
    influx,
    ingest,
    config,
    dataDir,
    tokens,
    async append (site, id, payload, meta = {}) {
      const m: LogMeta = { topic: buildTopic({ site, id, channel: 'telemetry' }), sender: id, transport: 'mqtt', receivedAt: Date.now(), ...meta }
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
      const [logId] = await ingest.log.append([{ meta: encodeLogMeta(m), payload: Buffer.from(text) }])
      return logId
    },
    query,
    async rows (influxql) {
      const out: Array<Record<string, unknown>> = []
      for (const s of await query(influxql)) {
        for (const v of s.values) out.push({ _measurement: s.name, ...s.tags, ...Object.fromEntries(s.columns.map((c: string, i: number) => [c, v[i]])) })
      }
      return out
    },
    async request (method, path, req = {}) {
      const headers: Record<string, string> = {}
      if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`
      let body: string | undefined
      if (req.raw !== undefined) body = req.raw
      else if (req.body !== undefined) body = JSON.stringify(req.body)
      if (body !== undefined) headers['content-type'] = req.contentType ?? 'application/json'
      const res = await fetch(`${ingest.url}${path}`, { method, headers, body })
      const text = await res.text()
      let json: unknown
      try { json = JSON.parse(text) } catch { json = undefined }
      return { status: res.status, json, text }
    }
  }
}


/** Polls until `check` returns a truthy value or the time is up. */
export async function eventually<T> (check: () => Promise<T> | T, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${(last as Error).message}` : ''}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}
