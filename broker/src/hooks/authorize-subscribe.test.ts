import t from 'tap'
import { buildTopic, topicFilter, TOPIC_ROOT } from '@shennong/core/topics.ts'
import type { MqttClient } from 'mqtt'
import { startTestBroker, metricValue } from '../test-fixture.ts'

const FAILURE = 128 // MQTT 3.1.1 §3.9.3: SUBACK return code 0x80

/** The SUBACK return codes (mqtt.js rejects a SUBACK holding a failure; the packet is on the error). */
async function granted (client: MqttClient, filters: string | string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos })).map(g => g.qos)
  } catch (err) {
    const packet = (err as { packet?: { granted: number[] } }).packet
    if (packet === undefined) throw err
    return packet.granted
  }
}

t.test('a gateway subscribes to its own cmd topic and nothing else', async t => {
  const b = await startTestBroker(t)
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const gw = await b.connect({ username: 'gw-1', password: secret })
  const own = buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'cmd' })
  t.same(await granted(gw, own, 1), [1], 'own cmd granted')
  for (const filter of [
    buildTopic({ site: 'farm-a', id: 'gw-2', channel: 'cmd' }),
    topicFilter({ channel: 'cmd' }),
    buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'telemetry' }),
    '#'
  ]) {
    t.same(await granted(gw, filter, 1), [FAILURE], `refused: ${filter}`)
  }
  t.ok(gw.connected, 'a refused subscription keeps the connection')
  t.equal(metricValue(await b.scrape(), 'shennong_broker_refused_total{reason="acl-subscribe"}'), 4)
})

t.test('a refused cmd subscription receives nothing; the own one receives its commands', async t => {
  const b = await startTestBroker(t)
  const s1 = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const svcSecret = await b.add({ id: 'ops', kind: 'service' })
  const gw = await b.connect({ username: 'gw-1', password: s1 })
  const got: string[] = []
  gw.on('message', topic => got.push(topic))
  t.same(await granted(gw, [buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'cmd' }), buildTopic({ site: 'farm-a', id: 'gw-2', channel: 'cmd' })], 1), [1, FAILURE])
  const svc = await b.connect({ username: 'ops', password: svcSecret })
  await svc.publishAsync(buildTopic({ site: 'farm-a', id: 'gw-2', channel: 'cmd' }), '{"id":"1","name":"x","args":{}}', { qos: 1 })
  await svc.publishAsync(buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'cmd' }), '{"id":"2","name":"x","args":{}}', { qos: 1 })
  await new Promise(resolve => setTimeout(resolve, 150))
  t.same(got, [buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'cmd' })])
})

t.test('a service subscribes anywhere in the namespace but not outside it', async t => {
  const b = await startTestBroker(t)
  const secret = await b.add({ id: 'ops', kind: 'service' })
  const svc = await b.connect({ username: 'ops', password: secret })
  t.same(await granted(svc, [`${TOPIC_ROOT}/#`, topicFilter({ channel: 'telemetry' })], 1), [1, 1])
  t.same(await granted(svc, ['#', '$SYS/#', '+/v1/#'], 1), [FAILURE, FAILURE, FAILURE])
})

t.test('a farmer subscribes under its own sites only; an inspector anywhere in the namespace', async t => {
  const b = await startTestBroker(t)
  const farmer = await b.add({ id: 'li-wei', kind: 'user', role: 'farmer', sites: ['farm-a'] })
  const inspector = await b.add({ id: 'insp', kind: 'user', role: 'inspector' })
  const f = await b.connect({ username: 'li-wei', password: farmer })
  t.same(await granted(f, [topicFilter({ site: 'farm-a', channel: '#' }), topicFilter({ site: 'farm-b', channel: '#' }), topicFilter({ channel: 'alert' })], 0), [0, FAILURE, FAILURE])
  const i = await b.connect({ username: 'insp', password: inspector })
  t.same(await granted(i, topicFilter({ channel: 'alert' }), 0), [0])
})
