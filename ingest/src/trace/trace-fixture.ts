// For the trace tests: a real influxd, a temporary data directory with principals, the alert store,
// the trace store and service, and a Fastify app with the trace plugin and the ingest auth (the
// same error shape as app.ts). Torn down with the tap test.
import Fastify, { type FastifyInstance } from 'fastify'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { formatToken, openPrincipalStore, principalsPath, type PrincipalInput } from '@shennong/core/principals.ts'
import { startInfluxd, type InfluxdHandle } from '../../../test/harness/influxd.ts'
import { createAccess } from '../auth/access.ts'
import { HttpError } from '../errors.ts'
import { buildInfluxConfig } from '../influx/config.ts'
import { createInfluxQuery, type InfluxQuery } from '../influx/query.ts'
import { openAlertStore, alertsPath, type AlertStore } from '../alerts/alert-store.ts'
import { openTraceStore, tracePath, type TraceStore } from './trace-store.ts'
import { createTraceService, type TraceService } from './trace-service.ts'
import { traceRoutes } from './trace-routes.ts'

interface Tap { teardown: (fn: () => unknown) => void, testdir: () => string }

export interface TraceFixture {
  app: FastifyInstance
  influxd: InfluxdHandle
  influx: InfluxQuery
  alerts: AlertStore
  store: TraceStore
  service: TraceService
  dataDir: string
  tokens: Record<string, string>
  /** Line protocol into the test database (precision ms). */
  writeLines: (lines: string[]) => Promise<void>
  call: (method: 'GET' | 'POST', url: string, who?: string, body?: unknown) => Promise<{ status: number, json: any, text: string, headers: Record<string, unknown> }>
}

export const TRACE_PRINCIPALS: PrincipalInput[] = [
  { id: 'admin', kind: 'user', role: 'admin' },
  { id: 'inspector', kind: 'user', role: 'inspector' },
  { id: 'farmer-a', kind: 'user', role: 'farmer', sites: ['farm-a', 'pond-a', 'port-a'] },
  { id: 'farmer-b', kind: 'user', role: 'farmer', sites: ['farm-b'] },
  { id: 'gw-a', kind: 'gateway', sites: ['farm-a'] }
]

export async function startTraceFixture (t: Tap, options: { influxd?: InfluxdHandle, mode?: 'required' | 'demo-anonymous' } = {}): Promise<TraceFixture> {
  const influxd = options.influxd ?? await startInfluxd({ t })
  const dataDir = t.testdir()
  const principals = openPrincipalStore(principalsPath(dataDir))
  const tokens: Record<string, string> = {}
  for (const p of TRACE_PRINCIPALS) tokens[p.id] = formatToken(p.id, (await principals.add(p)).secret)
  const influx = createInfluxQuery(buildInfluxConfig({ url: influxd.url, database: 'shennong' }))
  await influx.ensureDatabase()
  const alerts = openAlertStore(alertsPath(dataDir))
  const store = openTraceStore(tracePath(dataDir))
  const service = createTraceService({ store, influx, alerts })
  const app = Fastify().setValidatorCompiler(TypeBoxValidatorCompiler)
  app.setErrorHandler((err: Error & { statusCode?: number, code?: string, validation?: unknown }, _req, reply) => {
    const status = err instanceof HttpError ? err.statusCode : err.validation !== undefined ? 400 : err.statusCode ?? 500
    if (status === 500) console.error(err)
    reply.code(status).send({ statusCode: status, code: err instanceof HttpError ? err.code : 'ERR_HTTP_VALIDATION', error: 'x', message: err.message })
  })
  await app.register(traceRoutes, { access: createAccess({ principals, mode: options.mode ?? 'required' }), service })
  t.teardown(async () => { await app.close(); store.close(); alerts.close(); principals.close() })
  return {
    app,
    influxd,
    influx,
    alerts,
    store,
    service,
    dataDir,
    tokens,
    async writeLines (lines) {
      const res = await fetch(`${influxd.url}/write?db=shennong&precision=ms`, { method: 'POST', body: lines.join('\n') })
      if (res.status !== 204) throw new Error(`influx write: ${res.status} ${await res.text()}`)
    },
    async call (method, url, who, body) {
      const res = await app.inject({ method, url, headers: who === undefined ? {} : { authorization: `Bearer ${tokens[who]}` }, ...(body !== undefined ? { payload: body as object } : {}) })
      let json: unknown
      try { json = res.json() } catch { json = undefined }
      return { status: res.statusCode, json, text: res.body, headers: res.headers }
    }
  }
}

/** Two organisations with actors and places: coop-a (farmer-a; rice plot, pond, vessel, truck) and coop-b (farmer-b), a lab (inspector). */
export async function seedOrganisations (f: TraceFixture): Promise<void> {
  const ok = async (url: string, who: string, body: unknown): Promise<void> => {
    const r = await f.call('POST', url, who, body)
    if (r.status !== 201) throw new Error(`${url}: ${r.status} ${r.text}`)
  }
  await ok('/v1/trace/organisations', 'admin', { id: 'coop-a', name: 'Green River Co-op', nameZh: '青河合作社', members: ['farmer-a'] })
  await ok('/v1/trace/organisations', 'admin', { id: 'coop-b', name: 'Hill Farm', nameZh: '山地农场', members: ['farmer-b'] })
  await ok('/v1/trace/organisations', 'admin', { id: 'lab', name: 'County Inspection Centre', nameZh: '县农产品检测中心', members: ['inspector'] })
  await ok('/v1/trace/organisations', 'admin', { id: 'shop', name: 'Fresh Market', nameZh: '鲜果超市' })
  await ok('/v1/trace/actors', 'farmer-a', { id: 'li-wei', organisation: 'coop-a', name: 'Li Wei', role: 'grower' })
  await ok('/v1/trace/actors', 'farmer-b', { id: 'zhao-min', organisation: 'coop-b', name: 'Zhao Min', role: 'grower' })
  await ok('/v1/trace/actors', 'inspector', { id: 'chen-lab', organisation: 'lab', name: 'Chen Jing', role: 'lab analyst' })
  await ok('/v1/trace/places', 'farmer-a', { id: 'plot-a1', organisation: 'coop-a', kind: 'plot', name: 'Paddy A1', nameZh: '稻田A1', site: 'farm-a', devices: ['soil-0001', 'weather-0001'] })
  await ok('/v1/trace/places', 'farmer-a', { id: 'pond-a1', organisation: 'coop-a', kind: 'pond', name: 'Pond 1', nameZh: '一号塘', site: 'pond-a', devices: ['water-0001'] })
  await ok('/v1/trace/places', 'farmer-b', { id: 'plot-b1', organisation: 'coop-b', kind: 'plot', name: 'Terrace B1', site: 'farm-b', devices: ['soil-0009'] })
}
