import t from 'tap'
import { decodeReadings } from '../../core/src/reading.ts'
import { buildTopic, parseTopic } from '../../core/src/topics.ts'
import { runSim } from './main.ts'
import { expandRanges, type SimReport } from './report.ts'
import { collectTelemetry, startTestBroker } from './test-broker.ts'

function ackedPairs (report: SimReport): string[] {
  return Object.entries(report.devices).flatMap(([device, d]) => expandRanges(d.acknowledgedSeq).map(seq => `${device}#${seq}`)).sort()
}

function receivedPairs (payloads: string[]): string[] {
  const out = new Set<string>()
  for (const p of payloads) {
    const decoded = decodeReadings(p, { now: Date.now() })
    if (!decoded.ok) continue
    for (const item of decoded.items) if (item.validation.ok) out.add(`${item.validation.reading.device}#${item.validation.reading.seq}`)
  }
  return [...out].sort()
}

t.test('every acknowledged reading reached the broker, and every reading sent was acknowledged', async t => {
  const b = await startTestBroker()
  const auth: Array<{ clientId: string, username: string, password: string }> = []
  b.broker.authenticate = (client, username, password, done) => {
    auth.push({ clientId: client.id, username: username ?? '', password: password?.toString() ?? '' })
    done(null, username === 'test-collector' || username === undefined || password?.toString() === `secret-of-${username}`)
  }
  const topics = new Set<string>()
  b.broker.on('publish', (packet, client) => { if (client !== null) topics.add(packet.topic) })
  const c = await collectTelemetry(b.url)
  t.teardown(async () => { await c.close(); await b.close() })
  const report = await runSim({
    mqttUrl: b.url,
    credentials: [
      { site: 'farm-east', id: 'gw-farm-east', secret: 'secret-of-gw-farm-east', kinds: ['soil', 'weather'], devices: { soil: 3 } },
      { site: 'farm-west', id: 'gw-farm-west', secret: 'secret-of-gw-farm-west', kinds: ['soil'] },
      { site: 'river-a', id: 'gw-river-a', secret: 'secret-of-gw-river-a', kinds: ['water', 'air', 'vessel', 'cold_chain'] }
    ],
    devices: 'soil=5,weather=1,water=2,air=1,vessel=2,cold_chain=1',
    interval: '1m',
    duration: '2h',
    speed: 'max',
    start: '2025-07-01T00:00:00+08:00',
    seed: 11
  })
  t.equal(report.stoppedBy, 'duration')
  t.equal(report.readings.sent, 12 * 120, '12 devices × 120 intervals')
  t.equal(report.readings.acknowledged, report.readings.sent)
  t.equal(report.messages.notAcknowledged, 0)
  t.same(receivedPairs(c.payloads), ackedPairs(report), 'the broker saw exactly the acknowledged (device, seq) set')
  t.same(report.devices['soil-0001'].acknowledgedSeq, [[1, 120]], 'seq runs from 1 without gaps')
  t.equal(report.devices['soil-0004'].gateway, 'gw-farm-west', 'quotas first, the rest to other gateways of the kind')
  t.equal(report.devices['weather-0001'].site, 'farm-east')
  t.same([...new Set(auth.filter(a => a.username.startsWith('gw-')).map(a => `${a.clientId}:${a.username}:${a.password}`))].sort(),
    ['gw-farm-east:gw-farm-east:secret-of-gw-farm-east', 'gw-farm-west:gw-farm-west:secret-of-gw-farm-west', 'gw-river-a:gw-river-a:secret-of-gw-river-a'],
    'one connection per gateway: username = gateway id, password = its secret')
  const telemetry = [...topics].filter(x => parseTopic(x)?.channel === 'telemetry').sort()
  t.same(telemetry, [['farm-east', 'gw-farm-east'], ['farm-west', 'gw-farm-west'], ['river-a', 'gw-river-a']].map(([site, id]) => buildTopic({ site, id, channel: 'telemetry' })))
  const first = JSON.parse(c.payloads[0])
  t.equal(typeof first.ts, 'number', 'a lone reading (not an array) with epoch ms')
  t.ok(first.ts >= Date.parse('2025-07-01T00:00:00+08:00') && first.ts < Date.parse('2025-07-01T02:00:00+08:00'), 'ts is simulated time')
  for (const gw of ['gw-farm-east', 'gw-farm-west', 'gw-river-a']) {
    t.same(c.status.get(gw)?.map(s => s.state), ['online', 'offline'], `${gw} announces online, then offline`)
  }
})

t.test('readings per message batches a gateway\'s readings into JSON arrays', async t => {
  const b = await startTestBroker()
  const c = await collectTelemetry(b.url)
  t.teardown(async () => { await c.close(); await b.close() })
  const report = await runSim({ mqttUrl: b.url, devices: 'soil=3,water=2', interval: '30s', duration: '1h', perMessage: 10, speed: 'max', seed: 3 })
  t.equal(report.readings.sent, 5 * 120)
  t.equal(report.readings.acknowledged, report.readings.sent)
  const sizes = c.payloads.map(p => JSON.parse(p)).map(v => Array.isArray(v) ? v.length : -1)
  t.ok(sizes.every(n => n === 10 || (n > 0 && n < 10)), 'arrays of at most 10')
  t.equal(sizes.filter(n => n < 10).length <= 2, true, 'only each gateway\'s last message is partial')
  t.equal(report.messages.sent, c.payloads.length)
  t.same(receivedPairs(c.payloads), ackedPairs(report))
})

t.test('a reading counts as acknowledged only when its PUBACK arrived', async t => {
  const b = await startTestBroker()
  let held = 0
  b.broker.authorizePublish = (client, packet, done) => {
    // Telemetry is never authorized: the broker never appends it, so it never sends the PUBACK.
    if (parseTopic(packet.topic)?.channel === 'telemetry') { held++; return }
    done(null)
  }
  t.teardown(async () => { await b.close() })
  // The window is full and stays full: the run can only end by being stopped.
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 500)
  const report = await runSim({ mqttUrl: b.url, devices: 'soil=2', interval: '10s', messages: 6, window: 4, speed: 'max', drainTimeout: '300ms', signal: controller.signal })
  t.equal(report.stoppedBy, 'signal')
  t.ok(held >= 4, 'the broker held the publishes')
  t.equal(report.messages.sent, 4, 'no more than the window was sent without acknowledgement')
  t.equal(report.messages.acknowledged, 0)
  t.equal(report.readings.acknowledged, 0)
  t.same(report.devices['soil-0001'].acknowledgedSeq, [])
  t.same(report.devices['soil-0001'].seq, [[1, 2]])
})

t.test('stopping a run (Ctrl-C) settles in-flight messages and reports what was acknowledged', async t => {
  const b = await startTestBroker()
  const c = await collectTelemetry(b.url)
  t.teardown(async () => { await c.close(); await b.close() })
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 400)
  const report = await runSim({ mqttUrl: b.url, devices: 'vessel=3,cold_chain=2', interval: '1s', speed: 50, signal: controller.signal })
  t.equal(report.stoppedBy, 'signal')
  t.ok(report.readings.sent > 20, `sent ${report.readings.sent}`)
  t.equal(report.readings.acknowledged, report.readings.sent)
  t.same(receivedPairs(c.payloads), ackedPairs(report))
})

t.test('a gateway whose credentials the broker refuses stops the run with ERR_SIM_CONNECT', async t => {
  const b = await startTestBroker()
  b.broker.authenticate = (client, username, password, done) => {
    const err = Object.assign(new Error('bad username or password'), { returnCode: 4 as const })
    done(err, false)
  }
  t.teardown(b.close)
  await t.rejects(runSim({ mqttUrl: b.url, credentials: [{ site: 'farm-a', id: 'gw-farm-a', secret: 'wrong' }], devices: 'soil=1', duration: '1m', speed: 'max' }), { code: 'ERR_SIM_CONNECT' })
})
