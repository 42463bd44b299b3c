import t from 'tap'
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { buildTopic, topicFilter } from '@shennong/core/topics.ts'
import { openPrincipalStore, principalsPath } from '@shennong/core/principals.ts'
import { createAccess } from '../../ingest/src/auth/access.ts'
import { alertRoutes } from '../../ingest/src/alerts/routes.ts'
import { openAlertStore, alertsPath } from '../../ingest/src/alerts/alert-store.ts'
import { SHIPPED_FLOWS } from './flows-server.ts'
import { bearer, startStack } from './test-fixture.ts'

// One stack for the whole file: Node-RED runs once per process.
const dataDir = t.testdir()

// The ingest alerts API, for real: the same routes, access control and alert store ingest runs.
const ingestPrincipals = openPrincipalStore(principalsPath(dataDir))
const store = openAlertStore(alertsPath(dataDir))
const ingest = Fastify().setValidatorCompiler(TypeBoxValidatorCompiler)
await ingest.register(alertRoutes, { access: createAccess({ principals: ingestPrincipals, mode: 'required' }), store })
const ingestRequests: Array<{ url: string, authorization: string | undefined }> = []
ingest.addHook('onResponse', async request => { ingestRequests.push({ url: request.url, authorization: request.headers.authorization }) })
await ingest.listen({ host: '127.0.0.1', port: 0 })
t.teardown(async () => { await ingest.close(); store.close(); ingestPrincipals.close() })

const stack = await startStack(t, {
  dataDir,
  flows: secrets => ({
    ingest: { url: `http://127.0.0.1:${(ingest.server.address() as { port: number }).port}`, principal: 'reader', secret: secrets.reader },
    digest: { sites: ['farm-3'], period: '24h' }
  })
})

async function login (username: string, password: string): Promise<Response> {
  return await stack.http('/flows/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password })
  })
}

async function adminToken (): Promise<string> {
  const res = await login('ops-admin', stack.secrets['ops-admin'])
  return ((await res.json()) as { access_token: string }).access_token
}

t.test('starts with the shipped flows.json and the Shennong nodes loaded, without node errors', async t => {
  const red = stack.flows.server.red
  const shennong = red.nodes.getNodeList().filter(n => n.module === 'node-red-contrib-shennong')
  t.same(shennong.flatMap(n => n.types).sort(), ['shennong alert in', 'shennong alert out', 'shennong command out', 'shennong reading in', 'shennong-config'])
  for (const set of shennong) t.ok(set.enabled && set.err === undefined, `${set.id} loaded`)
  const shipped = JSON.parse(readFileSync(SHIPPED_FLOWS, 'utf8')) as Array<{ id: string, type: string }>
  const running = shipped.filter(n => n.type !== 'tab' && red.nodes.getNode(n.id) === null).map(n => n.id)
  t.same(running, [], 'every shipped node runs')
  t.ok(shipped.some(n => n.type === 'shennong alert in') && shipped.some(n => n.type === 'shennong command out'))
  t.same(stack.errors, [], 'nothing logged an error')
  const health = await stack.http('/healthz')
  t.equal(health.status, 200)
  t.match(await health.json(), { status: 'ok', flows: 'started', brokers: { 'shennong-broker': { connected: true, subscriptions: [topicFilter({ channel: 'alert' })] } } })
})

t.test('the editor and its admin API refuse anybody but an admin principal', async t => {
  t.equal((await stack.http('/flows/flows')).status, 401, 'no token, no flows')
  t.match(await (await stack.http('/flows/auth/login')).json(), { type: 'credentials' }, 'the editor asks for credentials')
  t.equal((await login('ops-admin', 'wrong-secret')).status, 403, 'a wrong secret is refused')
  t.equal((await login('farmer-1', stack.secrets['farmer-1'])).status, 403, 'a farmer is refused')
  t.equal((await login('flows', stack.secrets.flows)).status, 403, 'the service principal is refused')
  t.equal((await login('nobody', 'x')).status, 403, 'an unknown id is refused')
  const ok = await login('ops-admin', stack.secrets['ops-admin'])
  t.equal(ok.status, 200)
  const token = ((await ok.json()) as { access_token: string }).access_token
  t.ok(token.length > 10)
  const flows = await stack.http('/flows/flows', { headers: { authorization: `Bearer ${token}` } })
  t.equal(flows.status, 200)
  const body = await flows.json() as Array<{ id: string }>
  t.ok(body.some(n => n.id === 'valve-command'), 'the admin sees the running flows')
  t.equal((await stack.http('/flows/flows', { headers: { authorization: 'Bearer forged' } })).status, 401)
  const editor = await stack.http('/flows/')
  t.equal(editor.status, 200, 'the editor page loads (it shows the login dialog)')
  t.match(await editor.text(), /Node-RED/)
})

t.test('HTTP-in nodes answer only requests with a principal\'s token', async t => {
  t.equal((await stack.http('/flows-api/anything')).status, 401)
  t.equal((await stack.http('/flows-api/anything', { headers: { authorization: 'Bearer farmer-1.wrong' } })).status, 401)
  const passed = await stack.http('/flows-api/anything', { headers: bearer('farmer-1', stack.secrets['farmer-1']) })
  t.equal(passed.status, 404, 'a valid token reaches Node-RED (no HTTP-in node listens there)')
})

t.test('the daily digest sends one e-mail per site from the ingest alerts API when triggered', async t => {
  const now = Date.now()
  const base = { kind: 'threshold', value: 3, seq: 1, ts: now - 3_600_000, at: now - 3_600_000 }
  store.raise({ ...base, rule: 'do-low', subject: 'pond-1', site: 'farm-1', device: 'pond-1', severity: 'yellow', message: 'DO 3 mg/L below 4' })
  store.raise({ ...base, rule: 'do-low', subject: 'pond-2', site: 'farm-1', device: 'pond-2', severity: 'red', message: 'DO 1.5 mg/L below 2' })
  store.raise({ ...base, rule: 'ph-high', subject: 'river-a', site: 'farm-2', device: 'river-a', severity: 'orange', message: 'pH 9.4 above 9' })
  store.raise({ ...base, rule: 'old', subject: 'x', site: 'farm-2', device: 'x', severity: 'blue', message: 'two days ago', at: now - 48 * 3_600_000 })
  const before = stack.mails.length
  const token = await adminToken()
  const pressed = await stack.http('/flows/inject/digest-daily', { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  t.equal(pressed.status, 200, 'the inject button of the 07:00 trigger')
  await stack.until(() => stack.mails.length - before >= 3, 10_000, 'three digest e-mails')
  await new Promise(resolve => setTimeout(resolve, 300))
  const digests = stack.mails.slice(before)
  t.same(digests.map(m => m.subject).sort(), [
    'Shennong daily digest: farm-1 (2 alerts)',
    'Shennong daily digest: farm-2 (1 alert)',
    'Shennong daily digest: farm-3 (0 alerts)'
  ], 'one message per site; a configured quiet site too; the 2-day-old alert is outside the period')
  const farm1 = digests.find(m => m.subject.includes('farm-1'))!
  t.same(farm1.to.sort(), ['farmer@farm.example', 'ops@farm.example'], 'the site\'s own recipients too')
  t.match(farm1.text, /red 1, orange 0, yellow 1/)
  t.match(farm1.text, /DO 1\.5 mg\/L below 2/)
  t.same(digests.find(m => m.subject.includes('farm-2'))!.to, ['ops@farm.example'])
  const query = ingestRequests.find(r => r.url.startsWith('/v1/alerts'))
  t.ok(query !== undefined, 'the digest asked the alerts API')
  t.match(query!.authorization, /^Bearer reader\./, 'with the configured principal\'s token')
  t.same(stack.errors, [])
})

t.test('a flow added through the admin API uses reading in and alert out without a topic string', async t => {
  const token = await adminToken()
  const flow = {
    label: 'Frost watch',
    nodes: [
      { id: 'frost-readings', type: 'shennong reading in', broker: 'shennong-broker', site: 'farm-1', devices: '', kinds: 'weather', x: 100, y: 40, wires: [['frost-check']] },
      {
        id: 'frost-check',
        type: 'function',
        func: "if (msg.payload.metrics.temperature_c > 0) return null;\nmsg.payload = { site: msg.site, device: msg.device, rule: 'frost', kind: 'flows', severity: 'yellow', message: `frost: ${msg.payload.metrics.temperature_c} °C`, event: 'opened', at: Date.now(), by: 'flows' };\nreturn msg;",
        outputs: 1,
        x: 300,
        y: 40,
        wires: [['frost-alert']]
      },
      { id: 'frost-alert', type: 'shennong alert out', broker: 'shennong-broker', x: 500, y: 40, wires: [[]] }
    ]
  }
  const added = await stack.http('/flows/flow', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(flow) })
  t.equal(added.status, 200, await added.clone().text())
  await stack.until(() => Object.values(stack.flows.server.status().brokers).some(b => b.subscriptions.includes(topicFilter({ site: 'farm-1', channel: 'telemetry' }))), 10_000, 'the telemetry subscription')

  const watcher = await stack.connect('alerts')
  await watcher.subscribeAsync(topicFilter({ site: 'farm-1', channel: 'alert' }), { qos: 1 })
  const seen: Array<{ topic: string, alert: Record<string, unknown> }> = []
  watcher.on('message', (topic, payload) => { seen.push({ topic, alert: JSON.parse(payload.toString()) as Record<string, unknown> }) })
  const gateway = await stack.connect('gw-1')
  const now = Date.now()
  await gateway.publishAsync(buildTopic({ site: 'farm-1', id: 'gw-1', channel: 'telemetry' }), JSON.stringify([
    { device: 'wx-1', kind: 'weather', ts: now, seq: 1, metrics: { temperature_c: 3.5 } },
    { device: 'soil-1', kind: 'soil', ts: now, seq: 1, metrics: { temperature_c: -4 } },
    { device: 'wx-1', kind: 'weather', ts: now + 1, seq: 2, metrics: { temperature_c: -1.5 } }
  ]), { qos: 1 })
  await stack.until(() => seen.length >= 1, 10_000, 'the frost alert')
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal(seen.length, 1, 'one reading of the array matched site, kind and the function')
  t.equal(seen[0].topic, buildTopic({ site: 'farm-1', id: 'wx-1', channel: 'alert' }))
  t.match(seen[0].alert, { rule: 'frost', device: 'wx-1', message: 'frost: -1.5 °C' })
})
