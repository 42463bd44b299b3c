import t from 'tap'
import mqtt from 'mqtt'
import { buildTopic } from '@shennong/core/topics.ts'
import { startTestBroker, metricValue } from '../test-fixture.ts'

const refusedCode = async (p: Promise<unknown>): Promise<number | undefined> => {
  try {
    await p
  } catch (err) {
    return (err as { code?: number }).code
  }
  return undefined
}

t.test('connects with a principal id as user name and its secret as password', async t => {
  const b = await startTestBroker(t)
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const client = await b.connect({ username: 'gw-1', password: secret })
  t.ok(client.connected)
  t.equal(metricValue(await b.scrape(), 'shennong_broker_connects_total'), 1)
  t.equal(metricValue(await b.scrape(), 'shennong_broker_connections'), 1)
})

t.test('refuses a wrong secret, an unknown user and missing credentials with CONNACK 4 or 5, and counts them', async t => {
  const b = await startTestBroker(t)
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  t.equal(await refusedCode(b.connect({ username: 'gw-1', password: secret + 'x' })), 4, 'wrong secret: bad user name or password')
  t.equal(await refusedCode(b.connect({ username: 'nobody', password: secret })), 4, 'unknown principal')
  t.equal(await refusedCode(b.connect({ username: 'gw-1' })), 4, 'user name without password')
  t.equal(await refusedCode(b.connect({})), 5, 'anonymous: not authorized')
  const text = await b.scrape()
  t.equal(metricValue(text, 'shennong_broker_refused_total{reason="bad-credentials"}'), 3)
  t.equal(metricValue(text, 'shennong_broker_refused_total{reason="missing-credentials"}'), 1)
  t.equal(metricValue(text, 'shennong_broker_connects_total'), 0)
})

t.test('accepts anonymous clients only with auth demo-anonymous, and still refuses a wrong secret there', async t => {
  const b = await startTestBroker(t, { auth: 'demo-anonymous' })
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const anon = await b.connect({})
  t.ok(anon.connected, 'anonymous accepted in demo mode')
  t.equal(await refusedCode(b.connect({ username: 'gw-1', password: secret.slice(1) })), 4)
  await anon.publishAsync(buildTopic({ site: 'demo', id: 'soil-1', channel: 'telemetry' }), '{"x":1}', { qos: 1 })
  const [entry] = await b.entries()
  t.equal(entry.meta.sender, 'anonymous', 'the log names the anonymous sender')
})

t.test('refuses a last will outside the principal\'s own status topic with CONNACK 5', async t => {
  const b = await startTestBroker(t)
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const foreign = { topic: buildTopic({ site: 'farm-a', id: 'gw-2', channel: 'status' }), payload: Buffer.from('{}'), qos: 1 as const, retain: true }
  t.equal(await refusedCode(b.connect({ username: 'gw-1', password: secret, will: foreign })), 5)
  const onTelemetry = { ...foreign, topic: buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'telemetry' }) }
  t.equal(await refusedCode(b.connect({ username: 'gw-1', password: secret, will: onTelemetry })), 5)
  t.equal(metricValue(await b.scrape(), 'shennong_broker_refused_total{reason="will"}'), 2)
  const own = { ...foreign, topic: buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'status' }) }
  t.ok((await b.connect({ username: 'gw-1', password: secret, will: own })).connected)
})

t.test('speaks MQTT 3.1.1 only: MQTT 3.1 and 5 get CONNACK 1 (unacceptable protocol version)', async t => {
  const b = await startTestBroker(t)
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const v3 = mqtt.connectAsync(`mqtt://127.0.0.1:${b.ports.mqttPort}`, { protocolVersion: 3, protocolId: 'MQIsdp', username: 'gw-1', password: secret, reconnectPeriod: 0 })
  t.equal(await refusedCode(v3), 1)
  t.equal(metricValue(await b.scrape(), 'shennong_broker_refused_total{reason="protocol"}'), 1)
})
