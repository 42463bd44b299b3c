// Bad input against the running stack (real broker and ingest processes): every case gets its
// documented refusal or quarantine entry, is counted, and no process crashes or restarts.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import mqtt from 'mqtt'
import { startInfluxd } from './harness/influxd.ts'
import { startTestStack, type TestStack } from './harness/stack.ts'
import { buildTopic } from '../core/src/topics.ts'

const exec = promisify(execFile)
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function quarantine (stack: TestStack): Promise<Array<{ reasons: Array<{ field: string, message: string }>, payload: string }>> {
  const res = await fetch(`${stack.apiUrl}/v1/quarantine?limit=500`, { headers: { authorization: `Bearer ${stack.adminToken}` } })
  return (await res.json() as { entries: Array<{ reasons: Array<{ field: string, message: string }>, payload: string }> }).entries
}

async function metric (url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? 0 : Number(line.split(' ').pop())
}

t.test('bad input over MQTT and HTTP is refused or quarantined with its reason; the processes stay up', async t => {
  const influx = await startInfluxd({ t })
  const stack = await startTestStack({ influxUrl: influx.url })
  t.teardown(() => stack.stop())
  const pids = { broker: stack.supervisor.children().get('broker')?.pid, ingest: stack.supervisor.children().get('ingest')?.pid }
  const brokerHttp = `http://127.0.0.1:${stack.ports.brokerHttp}`
  const { id, site, secret } = stack.gateway
  const topic = buildTopic({ site, id, channel: 'telemetry' })
  const now = Date.now()
  const good = { device: 'soil-1', kind: 'soil', ts: now - 60_000, seq: 1, metrics: { moisture_vwc_pct: 21.5 } }

  const client = await mqtt.connectAsync(stack.mqttUrl, { username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 })
  const cases: Array<[string, string, RegExp]> = [
    ['malformed JSON', '{"device":"soil-1",', /payload is not valid JSON/],
    ['wrong types', JSON.stringify({ ...good, seq: 2, metrics: { moisture_vwc_pct: '21.5' } }), /must be a finite number, got the string "21.5"/],
    ['NaN as a string', JSON.stringify({ ...good, seq: 3, metrics: { moisture_vwc_pct: 'NaN' } }), /must be a finite number, got the string "NaN"/],
    ['Infinity (1e999)', `{"device":"soil-1","kind":"soil","ts":${now - 60_000},"seq":4,"metrics":{"moisture_vwc_pct":1e999}}`, /must be a finite number, got the number Infinity/],
    ['unknown kind', JSON.stringify({ ...good, seq: 5, kind: 'lava' }), /unknown kind/],
    ['unknown metric', JSON.stringify({ ...good, seq: 6, metrics: { moisture: 3 } }), /unknown metric "moisture" for kind soil/],
    ['missing fields', JSON.stringify({ device: 'soil-1', kind: 'soil' }), /ts is missing/],
    ['zone-less timestamp', JSON.stringify({ ...good, seq: 8, ts: '2025-11-22T08:00:00' }), /has no time zone/],
    ['far-future timestamp', JSON.stringify({ ...good, seq: 9, ts: now + 86_400_000 }), /in the future/]
  ]
  for (const [, payload] of cases) await client.publishAsync(topic, payload, { qos: 1 })
  await client.publishAsync(topic, JSON.stringify(good), { qos: 1 })
  await client.endAsync()

  let entries: Awaited<ReturnType<typeof quarantine>> = []
  for (let i = 0; i < 100 && entries.length < cases.length; i++) { await sleep(200); entries = await quarantine(stack) }
  t.equal(entries.length, cases.length, 'one quarantine entry per bad message')
  const all = entries.map(e => e.reasons.map(r => `${r.field}: ${r.message}`).join('; ')).join('\n')
  for (const [name, , reason] of cases) t.match(all, reason, `${name}: quarantined with its reason`)

  // Oversized payload: refused (the connection closes, no PUBACK), counted.
  const big = await mqtt.connectAsync(stack.mqttUrl, { username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 })
  const oversize = new Promise<string>(resolve => {
    big.publish(topic, Buffer.alloc(300 * 1024, 'x'), { qos: 1 }, err => resolve(err === undefined || err === null ? 'acknowledged' : 'refused'))
    big.once('close', () => resolve('refused'))
  })
  t.equal(await oversize, 'refused', 'oversized payload refused')
  big.end(true)

  // Another device's topic: refused, counted, never reaches the log.
  const other = await mqtt.connectAsync(stack.mqttUrl, { username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 })
  const foreign = new Promise<string>(resolve => {
    other.publish(buildTopic({ site, id: 'someone-else', channel: 'telemetry' }), JSON.stringify(good), { qos: 1 }, err => resolve(err === undefined || err === null ? 'acknowledged' : 'refused'))
    other.once('close', () => resolve('refused'))
  })
  t.equal(await foreign, 'refused', 'publishing to another device\'s topic is refused')
  other.end(true)

  // Bad and missing credentials: CONNACK refused.
  await t.rejects(mqtt.connectAsync(stack.mqttUrl, { username: id, password: 'wrong', protocolVersion: 4, reconnectPeriod: 0 }), 'bad secret refused')
  await t.rejects(mqtt.connectAsync(stack.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0 }), 'missing credentials refused')

  t.ok(await metric(brokerHttp, 'shennong_broker_refused_total', 'reason="payload-too-large"') >= 1, 'oversize counted')
  t.ok(await metric(brokerHttp, 'shennong_broker_refused_total', 'reason="acl-publish"') >= 1, 'foreign topic counted')
  t.ok(await metric(brokerHttp, 'shennong_broker_refused_total', 'reason="bad-credentials"') >= 1, 'bad secret counted')
  t.ok(await metric(brokerHttp, 'shennong_broker_refused_total', 'reason="missing-credentials"') >= 1, 'missing credentials counted')

  // HTTP without a token, with a bad one, and invalid input with a gateway token.
  t.equal((await fetch(`${stack.apiUrl}/v1/sites/${site}/latest`)).status, 401, 'no token: 401')
  t.equal((await fetch(`${stack.apiUrl}/v1/sites/${site}/latest`, { headers: { authorization: 'Bearer admin.wrong' } })).status, 401, 'bad token: 401')
  const res = await fetch(`${stack.apiUrl}/v1/readings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${id}.${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...good, seq: 10, metrics: { moisture_vwc_pct: 'wet' } })
  })
  t.equal(res.status, 400, 'invalid HTTP reading: 400')
  t.match(await res.text(), /metrics.moisture_vwc_pct/)

  // Still up, never restarted.
  t.equal((await fetch(`${brokerHttp}/healthz`)).status, 200, 'broker healthy')
  t.equal((await fetch(`${stack.apiUrl}/healthz`)).status, 200, 'ingest healthy')
  t.same({ broker: stack.supervisor.children().get('broker')?.pid, ingest: stack.supervisor.children().get('ingest')?.pid }, pids, 'no process restarted')
})

t.test('a third-party MQTT 3.1.1 client (mosquitto_pub) with a principal\'s credential gets a reading stored, and an unknown metric quarantined', async t => {
  const influx = await startInfluxd({ t })
  const stack = await startTestStack({ influxUrl: influx.url })
  t.teardown(() => stack.stop())
  const { id, site, secret } = stack.gateway
  const topic = buildTopic({ site, id, channel: 'telemetry' })
  const pub = async (message: string): Promise<void> => {
    await exec('mosquitto_pub', ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(stack.ports.mqtt), '-u', id, '-P', secret, '-q', '1', '-t', topic, '-m', message])
  }
  const ts = Date.now() - 5000
  await pub(JSON.stringify({ device: 'soil-0012', kind: 'soil', ts, seq: 4711, metrics: { moisture_vwc_pct: 23.4, temperature_c: 18.1, ec_us_cm: 540 } }))
  await pub(JSON.stringify({ device: 'soil-0012', kind: 'soil', ts: ts + 1000, seq: 4712, metrics: { moisture: 23.4 } }))
  let body = ''
  for (let i = 0; i < 100; i++) {
    const q = encodeURIComponent('SELECT moisture_vwc_pct, temperature_c, ec_us_cm, seq FROM soil WHERE device = \'soil-0012\'')
    body = await (await fetch(`${influx.url}/query?db=shennong&epoch=ms&q=${q}`)).text()
    if (body.includes('4711')) break
    await sleep(200)
  }
  const series = (JSON.parse(body) as { results: Array<{ series?: Array<{ columns: string[], values: unknown[][] }> }> }).results[0].series?.[0]
  t.same(series?.columns, ['time', 'moisture_vwc_pct', 'temperature_c', 'ec_us_cm', 'seq'])
  t.same(series?.values, [[ts, 23.4, 18.1, 540, 4711]], 'stored per ARCHITECTURE §5')
  let entries: Awaited<ReturnType<typeof quarantine>> = []
  for (let i = 0; i < 100 && entries.length === 0; i++) { entries = await quarantine(stack); await sleep(100) }
  t.equal(entries.length, 1)
  t.match(entries[0]?.reasons[0], { field: 'metrics.moisture', message: /unknown metric "moisture" for kind soil/ })
})
