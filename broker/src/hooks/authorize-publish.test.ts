import t from 'tap'
import { buildTopic, TOPIC_ROOT } from '@shennong/core/topics.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { startTestBroker, metricValue, closed } from '../test-fixture.ts'

const telemetry = (site: string, id: string): string => buildTopic({ site, id, channel: 'telemetry' })
const status = (site: string, id: string): string => buildTopic({ site, id, channel: 'status' })
const reading = (seq: number): string => JSON.stringify({ device: 'soil-1', kind: 'soil', ts: 1763798400000 + seq, seq, metrics: { moisture_vwc_pct: 20 } })

t.test('appends a telemetry PUBLISH to the ingest log with topic, sender and transport, and it is there when the PUBACK arrives', async t => {
  const b = await startTestBroker(t)
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const gw = await b.connect({ username: 'gw-1', password: secret })
  const before = Date.now()
  const present = await new Promise<number>((resolve, reject) => {
    gw.publish(telemetry('farm-a', 'gw-1'), reading(1), { qos: 1 }, err => {
      if (err != null) return reject(err)
      // The PUBACK just arrived: read the log file through a second handle right now.
      b.entries().then(e => resolve(e.length), reject)
    })
  })
  t.equal(present, 1, 'the entry is committed when the PUBACK is received')
  const [entry] = await b.entries()
  t.equal(entry.payload, reading(1), 'payload stored as received')
  t.equal(entry.meta.topic, telemetry('farm-a', 'gw-1'))
  t.equal(entry.meta.sender, 'gw-1')
  t.equal(entry.meta.transport, 'mqtt')
  t.ok(entry.meta.receivedAt >= before && entry.meta.receivedAt <= Date.now())
  const text = await b.scrape()
  t.equal(metricValue(text, 'shennong_broker_publishes_total{channel="telemetry"}'), 1)
  t.equal(metricValue(text, 'shennong_broker_log_append_seconds_count'), 1)
  t.equal(metricValue(text, 'shennong_broker_log_depth'), 1)
})

t.test('holds the PUBACK until the ingest log append resolves', async t => {
  let open!: () => void
  const gate = new Promise<void>(resolve => { open = resolve })
  let committed = 0
  const b = await startTestBroker(t, {}, log => ({
    ...log,
    append: async items => {
      const ids = await log.append(items)
      committed++
      await gate
      return ids
    }
  }))
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const gw = await b.connect({ username: 'gw-1', password: secret })
  let acked = false
  const published = gw.publishAsync(telemetry('farm-a', 'gw-1'), reading(1), { qos: 1 }).then(() => { acked = true })
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal(committed, 1, 'the append has committed')
  t.notOk(acked, 'but its resolution is held, so no PUBACK yet')
  open()
  await published
  t.ok(acked, 'PUBACK once the append resolved')
})

t.test('sends PUBACKs in PUBLISH order for 500 back-to-back messages while appends resolve out of order', async t => {
  const b = await startTestBroker(t, {}, log => ({
    ...log,
    append: async items => {
      const ids = await log.append(items)
      await new Promise(resolve => setTimeout(resolve, Math.random() * 8))
      return ids
    }
  }))
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const gw = await b.connect({ username: 'gw-1', password: secret })
  const sent: number[] = []
  const acked: number[] = []
  gw.on('packetsend', p => { if (p.cmd === 'publish' && p.qos === 1 && p.messageId !== undefined) sent.push(p.messageId) })
  gw.on('packetreceive', p => { if (p.cmd === 'puback' && p.messageId !== undefined) acked.push(p.messageId) })
  // Every tenth is a status PUBLISH, decided at once: it must not overtake the telemetry before it.
  await Promise.all(Array.from({ length: 500 }, (_, i) => i % 10 === 9
    ? gw.publishAsync(status('farm-a', 'gw-1'), `{"state":"online","ts":${i}}`, { qos: 1 })
    : gw.publishAsync(telemetry('farm-a', 'gw-1'), reading(i), { qos: 1 })))
  t.equal(acked.length, 500)
  t.same(acked, sent, 'PUBACK order equals PUBLISH order')
  const entries = await b.entries()
  t.equal(entries.length, 450)
  t.same(entries.map(e => JSON.parse(e.payload).seq), Array.from({ length: 500 }, (_, i) => i).filter(i => i % 10 !== 9), 'log order equals PUBLISH order')
})

t.test('refuses publishes outside the principal\'s own topics: nothing reaches the log or subscribers, the connection closes', async t => {
  const b = await startTestBroker(t)
  const gwSecret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const svcSecret = await b.add({ id: 'ops', kind: 'service' })
  const svc = await b.connect({ username: 'ops', password: svcSecret })
  await svc.subscribeAsync(`${TOPIC_ROOT}/#`, { qos: 1 })
  const seen: string[] = []
  svc.on('message', topic => seen.push(topic))

  const cases: Array<[string, string]> = [
    ['another device\'s topic', telemetry('farm-a', 'gw-2')],
    ['another site', telemetry('farm-b', 'gw-1')],
    ['outside the namespace', 'farm-a/gw-1/telemetry'],
    ['a platform channel', buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'cmd' })]
  ]
  for (const [what, topic] of cases) {
    const gw = await b.connect({ username: 'gw-1', password: gwSecret })
    let acked = false
    gw.publish(topic, reading(1), { qos: 1 }, err => { if (err == null) acked = true })
    await closed(gw)
    t.notOk(acked, `${what}: no PUBACK`)
  }
  const ok = await b.connect({ username: 'gw-1', password: gwSecret })
  await ok.publishAsync(telemetry('farm-a', 'gw-1'), reading(2), { qos: 1 })
  await new Promise(resolve => setTimeout(resolve, 100))
  t.same(seen, [telemetry('farm-a', 'gw-1')], 'subscribers saw only the allowed publish')
  t.same((await b.entries()).map(e => e.meta.topic), [telemetry('farm-a', 'gw-1')], 'the log holds only the allowed publish')
  t.equal(metricValue(await b.scrape(), 'shennong_broker_refused_total{reason="acl-publish"}'), 4)
})

t.test('lets a service publish cmd and alert anywhere in the namespace, but not telemetry', async t => {
  const b = await startTestBroker(t)
  const svcSecret = await b.add({ id: 'ops', kind: 'service' })
  const svc = await b.connect({ username: 'ops', password: svcSecret })
  await svc.publishAsync(buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'cmd' }), '{"id":"c1","name":"ping","args":{}}', { qos: 1 })
  await svc.publishAsync(buildTopic({ site: 'farm-b', id: 'soil-9', channel: 'alert' }), '{"id":"a1"}', { qos: 1 })
  let acked = false
  svc.publish(telemetry('farm-a', 'gw-1'), reading(1), { qos: 1 }, err => { if (err == null) acked = true })
  await closed(svc)
  t.notOk(acked)
  t.same(await b.entries(), [], 'cmd and alert do not go to the ingest log')
})

t.test('refuses an oversized payload, counts it, and keeps serving other clients', async t => {
  const b = await startTestBroker(t, { limits: { maxPayloadBytes: 1024 } })
  const s1 = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const s2 = await b.add({ id: 'gw-2', kind: 'gateway', sites: ['farm-a'] })
  const big = await b.connect({ username: 'gw-1', password: s1 })
  const other = await b.connect({ username: 'gw-2', password: s2 })
  let acked = false
  big.publish(telemetry('farm-a', 'gw-1'), 'x'.repeat(2000), { qos: 1 }, err => { if (err == null) acked = true })
  await closed(big)
  t.notOk(acked, 'no PUBACK for the oversized publish')
  await other.publishAsync(telemetry('farm-a', 'gw-2'), 'y'.repeat(1024), { qos: 1 })
  t.same((await b.entries()).map(e => e.meta.sender), ['gw-2'], 'only the publish within the limit was logged')
  t.equal(metricValue(await b.scrape(), 'shennong_broker_refused_total{reason="payload-too-large"}'), 1)
})

t.test('refuses publishes beyond the per-principal rate, counts them, and keeps serving other principals', async t => {
  const b = await startTestBroker(t, { limits: { publishRate: { perSecond: 1, burst: 5 } } })
  const s1 = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const s2 = await b.add({ id: 'gw-2', kind: 'gateway', sites: ['farm-a'] })
  const fast = await b.connect({ username: 'gw-1', password: s1 })
  const other = await b.connect({ username: 'gw-2', password: s2 })
  let acks = 0
  for (let i = 0; i < 10; i++) fast.publish(telemetry('farm-a', 'gw-1'), reading(i), { qos: 1 }, err => { if (err == null) acks++ })
  await closed(fast)
  t.equal(acks, 5, 'the burst is acknowledged, the rest is not')
  t.equal((await b.entries()).length, 5)
  t.ok(metricValue(await b.scrape(), 'shennong_broker_refused_total{reason="rate-limit"}') >= 1, 'counted')
  await other.publishAsync(telemetry('farm-a', 'gw-2'), reading(1), { qos: 1 })
  t.equal((await b.entries()).length, 6, 'another principal is unaffected')
  const again = await b.connect({ username: 'gw-1', password: s1 })
  let acked = false
  again.publish(telemetry('farm-a', 'gw-1'), reading(11), { qos: 1 }, err => { if (err == null) acked = true })
  await closed(again)
  t.notOk(acked, 'the bucket is per principal, not per connection')
})

t.test('refuses a telemetry publish whose append fails (ingest log full), without PUBACK', async t => {
  const b = await startTestBroker(t, { ingestLog: { maxEntries: 1, onFull: 'backpressure', backpressureTimeout: '200ms' } })
  const secret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const gw = await b.connect({ username: 'gw-1', password: secret })
  await gw.publishAsync(telemetry('farm-a', 'gw-1'), reading(1), { qos: 1 })
  let acked = false
  gw.publish(telemetry('farm-a', 'gw-1'), reading(2), { qos: 1 }, err => { if (err == null) acked = true })
  await closed(gw)
  t.notOk(acked)
  t.equal((await b.entries()).length, 1)
  t.equal(metricValue(await b.scrape(), 'shennong_broker_refused_total{reason="log-full"}'), 1)
})

t.test('retains status and delivers the last will to a service when a gateway\'s socket is destroyed', async t => {
  const b = await startTestBroker(t)
  const gwSecret = await b.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  const svcSecret = await b.add({ id: 'ops', kind: 'service' })
  const topic = status('farm-a', 'gw-1')
  const gw = await b.connect({ username: 'gw-1', password: gwSecret, will: { topic, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } })
  // Published without the retain flag: the broker retains status anyway (ARCHITECTURE §2).
  await gw.publishAsync(topic, '{"state":"online"}', { qos: 1, retain: false })

  const svc = await b.connect({ username: 'ops', password: svcSecret })
  const messages: Array<{ payload: string, retain: boolean }> = []
  svc.on('message', (_topic, payload, packet) => messages.push({ payload: payload.toString(), retain: packet.retain }))
  const offline = new Promise<void>(resolve => svc.on('message', (_t, payload) => { if (payload.toString().includes('offline')) resolve() }))
  await svc.subscribeAsync(buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'status' }).replace('/gw-1/', '/+/'), { qos: 1 })
  await new Promise(resolve => setTimeout(resolve, 100))
  t.same(messages, [{ payload: '{"state":"online"}', retain: true }], 'the retained status reaches a late subscriber')

  gw.stream.destroy()
  await offline
  t.same(messages[1], { payload: '{"state":"offline"}', retain: false }, 'the will is delivered live')
  const late = await b.connect({ username: 'ops', password: svcSecret, clientId: 'late' })
  const retained = new Promise<string>(resolve => late.on('message', (_t, payload) => resolve(payload.toString())))
  await late.subscribeAsync(topic, { qos: 1 })
  t.equal(await retained, '{"state":"offline"}', 'the will replaced the retained status')
  t.equal(metricValue(await b.scrape(), 'shennong_broker_publishes_total{channel="status"}'), 2)
})
