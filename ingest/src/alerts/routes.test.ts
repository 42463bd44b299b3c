import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { formatToken, openPrincipalStore, principalsPath } from '@shennong/core/principals.ts'
import { createAccess } from '../auth/access.ts'
import { HttpError } from '../errors.ts'
import { openAlertStore, alertsPath } from './alert-store.ts'
import { createEventSink } from './sinks/event-sink.ts'
import { alertRoutes } from './routes.ts'
import type { AlertEvent } from './alert.ts'

async function setup (t: Test, mode: 'required' | 'demo-anonymous' = 'required') {
  const dir = t.testdir()
  const principals = openPrincipalStore(principalsPath(dir))
  const tokens: Record<string, string> = {}
  for (const p of [
    { id: 'admin', kind: 'user' as const, role: 'admin' as const },
    { id: 'inspector', kind: 'user' as const, role: 'inspector' as const },
    { id: 'farmer-n', kind: 'user' as const, role: 'farmer' as const, sites: ['farm-north'] },
    { id: 'gw-1', kind: 'gateway' as const, sites: ['farm-north'] }
  ]) tokens[p.id] = formatToken(p.id, (await principals.add(p)).secret)
  const store = openAlertStore(alertsPath(dir))
  const events = createEventSink()
  const published: AlertEvent[] = []
  events.subscribe(e => published.push(e))
  const app = Fastify().setValidatorCompiler(TypeBoxValidatorCompiler)
  app.setErrorHandler((err: Error & { statusCode?: number, code?: string, validation?: unknown }, _req, reply) => {
    const status = err instanceof HttpError ? err.statusCode : err.validation !== undefined ? 400 : err.statusCode ?? 500
    reply.code(status).send({ statusCode: status, code: err instanceof HttpError ? err.code : 'ERR_HTTP_VALIDATION', error: 'x', message: err.message })
  })
  await app.register(alertRoutes, { access: createAccess({ principals, mode }), store, sinks: [events], now: () => 1_700_000_100_000 })
  t.teardown(async () => { await app.close(); store.close(); principals.close() })
  const base = { kind: 'threshold', severity: 'yellow' as const, value: 3, message: 'DO low', seq: 1, ts: 1_700_000_000_000, at: 1_700_000_000_000 }
  const north = store.raise({ ...base, rule: 'do-low', subject: 'p1', site: 'farm-north', device: 'p1' })!.alert
  const south = store.raise({ ...base, rule: 'do-low', subject: 'p2', site: 'farm-south', device: 'p2', severity: 'red', at: 1_700_000_050_000 })!.alert
  const call = async (method: 'GET' | 'POST', url: string, who?: string, body?: unknown) => {
    const res = await app.inject({ method, url, headers: who === undefined ? {} : { authorization: `Bearer ${tokens[who]}` }, ...(body !== undefined ? { payload: body as object } : {}) })
    return { status: res.statusCode, json: res.json() }
  }
  return { store, call, north, south, published }
}


t.test('admin and inspector list every site, a farmer only its own; filters apply', async t => {
  const { call } = await setup(t)
  t.equal((await call('GET', '/v1/alerts', 'inspector')).json.alerts.length, 2)
  const farmer = await call('GET', '/v1/alerts', 'farmer-n')
  t.same(farmer.json.alerts.map((a: { site: string }) => a.site), ['farm-north'])
  t.equal((await call('GET', '/v1/alerts?site=farm-south', 'farmer-n')).json.alerts.length, 0, 'a farmer asking for another site gets nothing')
  const red = await call('GET', '/v1/alerts?severity=red&state=open', 'admin')
  t.same(red.json.alerts.map((a: { site: string }) => a.site), ['farm-south'])
  t.equal(red.json.alerts[0].openedAt, new Date(1_700_000_050_000).toISOString(), 'times are RFC 3339')
  const since = await call('GET', `/v1/alerts?from=${encodeURIComponent(new Date(1_700_000_040_000).toISOString())}`, 'admin')
  t.equal(since.json.alerts.length, 1, 'time range filters on openedAt')
  t.equal((await call('GET', '/v1/alerts?from=yesterday', 'admin')).json.code, 'ERR_QUERY_INVALID')
  t.equal((await call('GET', '/v1/alerts?severity=purple', 'admin')).status, 400)
  t.equal((await call('GET', '/v1/alerts')).status, 401, 'no token, no alerts')
  t.equal((await call('GET', '/v1/alerts', 'gw-1')).status, 403, 'a gateway may not read alerts')
})

t.test('acknowledge and resolve record who and when, publish the change, and refuse the wrong state or site', async t => {
  const { call, north, south, published, store } = await setup(t)
  t.equal((await call('GET', `/v1/alerts/${south.id}`, 'farmer-n')).status, 404, 'another site\'s alert is not found for a farmer')
  t.equal((await call('POST', `/v1/alerts/${south.id}/acknowledge`, 'farmer-n')).json.code, 'ERR_ALERT_NOT_FOUND')
  const ack = await call('POST', `/v1/alerts/${north.id}/acknowledge`, 'farmer-n', { note: 'aerator on' })
  t.equal(ack.status, 200)
  t.match(ack.json.alert, { state: 'acknowledged', acknowledgedBy: 'farmer-n', acknowledgedAt: new Date(1_700_000_100_000).toISOString() })
  t.match(published.at(-1), { type: 'acknowledged', by: 'farmer-n', note: 'aerator on' })
  const again = await call('POST', `/v1/alerts/${north.id}/acknowledge`, 'inspector')
  t.equal(again.status, 409)
  t.equal(again.json.code, 'ERR_ALERT_STATE')
  const res = await call('POST', `/v1/alerts/${north.id}/resolve`, 'inspector')
  t.match(res.json.alert, { state: 'resolved', resolvedBy: 'inspector' })
  t.equal((await call('POST', `/v1/alerts/${north.id}/resolve`, 'admin')).status, 409)
  const detail = await call('GET', `/v1/alerts/${north.id}`, 'farmer-n')
  t.same(detail.json.history.map((h: { type: string, by: string }) => [h.type, h.by]), [['opened', 'rule:do-low'], ['acknowledged', 'farmer-n'], ['resolved', 'inspector']])
  t.equal(store.get(north.id)?.state, 'resolved', 'the store holds the change')
  t.equal((await call('GET', '/v1/alerts/999', 'admin')).status, 404)
})

t.test('demo-anonymous access reads alerts and never changes them', async t => {
  const { call, north } = await setup(t, 'demo-anonymous')
  t.equal((await call('GET', '/v1/alerts')).json.alerts.length, 2)
  const r = await call('POST', `/v1/alerts/${north.id}/acknowledge`)
  t.equal(r.status, 403)
})
