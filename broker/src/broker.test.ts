import t from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import mqtt from 'mqtt'
import { WebSocket } from 'ws'
import { buildTopic } from '@shennong/core/topics.ts'
import { startTestBroker, metricValue } from './test-fixture.ts'

const telemetry = buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'telemetry' })

function selfSignedCert (dir: string): { cert: string, key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' })
  return { cert, key }
}

t.test('serves MQTT over TLS with the configured certificate, and a client that trusts it publishes', async t => {
  const dir = t.testdir()
  const { cert, key } = selfSignedCert(dir)
  const b = await startTestBroker(t, { dataDir: dir, mqtt: { tls: { port: 0, cert, key } } })
  t.type(b.ports.tlsPort, 'number')
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${b.ports.tlsPort}`, { protocolVersion: 4, reconnectPeriod: 0, username: 'gw-1', password: secret, ca: readFileSync(cert), rejectUnauthorized: true })
  t.teardown(() => { client.end(true) })
  await client.publishAsync(telemetry, '{"seq":1}', { qos: 1 })
  t.same((await b.entries()).map(e => e.payload), ['{"seq":1}'])
  const untrusting = mqtt.connectAsync(`mqtts://127.0.0.1:${b.ports.tlsPort}`, { protocolVersion: 4, reconnectPeriod: 0, username: 'gw-1', password: secret, rejectUnauthorized: true })
  await t.rejects(untrusting, 'a client that does not trust the certificate cannot connect')
})

t.test('serves MQTT over WebSocket on the configured path', async t => {
  const b = await startTestBroker(t, { ws: { port: 0 } })
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const client = await mqtt.connectAsync(`ws://127.0.0.1:${b.ports.wsPort}/mqtt`, { protocolVersion: 4, reconnectPeriod: 0, username: 'gw-1', password: secret })
  t.teardown(() => { client.end(true) })
  await client.publishAsync(telemetry, '{"seq":2}', { qos: 1 })
  t.same((await b.entries()).map(e => [e.payload, e.meta.sender]), [['{"seq":2}', 'gw-1']])
  const wrong = new WebSocket(`ws://127.0.0.1:${b.ports.wsPort}/elsewhere`, 'mqtt')
  const status = await new Promise<number>(resolve => wrong.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))
  t.equal(status, 400, 'another path is not upgraded')
})

t.test('answers /healthz and /metrics in Prometheus text, and 404 elsewhere', async t => {
  const b = await startTestBroker(t)
  const base = `http://127.0.0.1:${b.ports.httpPort}`
  const health = await fetch(`${base}/healthz`)
  t.equal(health.status, 200)
  t.equal(((await health.json()) as { status: string }).status, 'ok')
  const metrics = await fetch(`${base}/metrics`)
  t.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await metrics.text()
  t.match(text, /# TYPE shennong_broker_refused_total counter/)
  t.match(text, /# TYPE shennong_broker_log_append_seconds histogram/)
  t.equal(metricValue(text, 'shennong_broker_log_depth'), 0)
  t.equal(metricValue(text, 'shennong_broker_refused_total{reason="rate-limit"}'), 0, 'known reasons start at 0')
  t.equal((await fetch(`${base}/nope`)).status, 404)
})

t.test('close() waits for pending appends, then the log holds every acknowledged message', async t => {
  let release!: () => void
  const held = new Promise<void>(resolve => { release = resolve })
  const b = await startTestBroker(t, {}, log => ({ ...log, append: async items => { await held; return await log.append(items) } }))
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const client = await b.connect({ username: 'gw-1', password: secret })
  client.publish(telemetry, '{"seq":3}', { qos: 1 })
  await new Promise(resolve => setTimeout(resolve, 100))
  let closed = false
  const closing = b.broker.close().then(() => { closed = true })
  await new Promise(resolve => setTimeout(resolve, 100))
  t.notOk(closed, 'close is waiting for the append')
  release()
  await closing
  t.same((await b.entries()).map(e => e.payload), ['{"seq":3}'], 'the pending append was committed')
  t.equal((await fetch(`http://127.0.0.1:${b.ports.httpPort}/healthz`).catch(() => null)), null, 'the HTTP listener is closed')
})
