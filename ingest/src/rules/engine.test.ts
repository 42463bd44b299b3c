import t from 'tap'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { buildTopic } from '@shennong/core/topics.ts'
import { createInfluxWriter } from '../influx/create-writer.ts'
import { buildInfluxConfig } from '../influx/config.ts'
import { createInfluxSink } from '../alerts/sinks/influx-sink.ts'
import { createAlertMetrics } from '../alerts/alert-metrics.ts'
import { createMetricsRegistry } from '@shennong/core/metrics.ts'
import type { AlertEvent } from '../alerts/alert.ts'
import { startAedes, subscribeAlerts, startEngineRig, telemetry, until, writeRules } from './engine-fixture.ts'

const DO_RULE = `
rules:
  - id: pond-do-low
    kind: threshold
    description: dissolved oxygen crash
    scope: { sites: ['pond-*'], kinds: [water] }
    threshold:
      metric: do_mg_l
      levels:
        - { severity: yellow, below: 4 }
        - { severity: red, below: 2 }
      hysteresis: 0.3
`

function water (device: string, seq: number, doMgL: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { device, kind: 'water', ts: Date.now(), seq, metrics: { do_mg_l: doMgL }, ...extra }
}

t.test('readings appended to the log become alerts in the store and on MQTT; a restart neither re-fires nor forgets', async t => {
  const broker = await startAedes()
  t.teardown(() => broker.close())
  const sub = await subscribeAlerts(broker.url)
  t.teardown(() => sub.client.endAsync())
  const dataDir = t.testdir()
  writeRules(join(dataDir, 'rules'), 'ponds.yaml', DO_RULE)
  const rig = await startEngineRig({ dataDir, brokerUrl: broker.url })
  t.teardown(() => rig.close())
  const seen: AlertEvent[] = []
  rig.events.subscribe(e => seen.push(e))

  await rig.log.append([telemetry('pond-3', 'gw-1', [water('do-7', 1, 5.1), water('do-7', 2, 3.6), water('do-8', 1, 6)])])
  const first = await sub.nth(1)
  t.equal(first.topic, buildTopic({ site: 'pond-3', id: 'do-7', channel: 'alert' }), 'published on the device\'s alert topic')
  t.match(first.payload, { rule: 'pond-do-low', site: 'pond-3', device: 'do-7', severity: 'yellow', state: 'open', value: 3.6, seq: 2, event: 'opened' })
  t.match(first.payload.message, /below 4/)
  const stored = rig.store.list({ state: 'open' })
  t.equal(stored.length, 1, 'one open alert in the store')
  t.equal(stored[0].id, first.payload.id)
  t.equal(seen.length, 1, 'the event sink saw it too')

  // readings of other sites and flagged values do nothing
  await rig.log.append([telemetry('farm-1', 'gw-2', [water('do-9', 1, 1)]), telemetry('pond-3', 'gw-1', [water('do-8', 2, 1, { flags: { do_mg_l: 'bad' } })])])
  await until('the log is evaluated', async () => (await rig.log.stats()).consumers.rules.pending === 0)
  t.equal(rig.store.list().length, 1, 'out-of-scope and flagged readings raise nothing')

  // restart: the open alert stays, the same condition does not fire again
  await rig.restart()
  await rig.log.append([telemetry('pond-3', 'gw-1', [water('do-7', 3, 3.5)])])
  await until('the log is evaluated', async () => (await rig.log.stats()).consumers.rules.pending === 0)
  t.equal(seen.length, 1, 'no new event after restart for a condition that still holds')
  t.equal(rig.store.list({ state: 'open' }).length, 1, 'the open alert survived the restart')

  // escalation after restart proves the state was kept (yellow was remembered as active)
  await rig.log.append([telemetry('pond-3', 'gw-1', [water('do-7', 4, 1.5)])])
  const second = await sub.nth(2)
  t.match(second.payload, { id: first.payload.id, severity: 'red', event: 'escalated', seq: 4 })
  await rig.log.append([telemetry('pond-3', 'gw-1', [water('do-7', 5, 4.5)])])
  const third = await sub.nth(3)
  t.match(third.payload, { id: first.payload.id, state: 'resolved', event: 'resolved', resolvedBy: 'rule:pond-do-low', value: 4.5, seq: 5 })
  t.same(rig.store.history(first.payload.id).map(e => e.type), ['opened', 'escalated', 'resolved'], 'history kept')
})

t.test('hot reload keeps rule state and refuses a broken rule file with every problem', async t => {
  const broker = await startAedes()
  t.teardown(() => broker.close())
  const dataDir = t.testdir()
  writeRules(join(dataDir, 'rules'), 'ponds.yaml', DO_RULE)
  const rig = await startEngineRig({ dataDir, brokerUrl: broker.url })
  t.teardown(() => rig.close())
  const seen: AlertEvent[] = []
  rig.events.subscribe(e => seen.push(e))

  await rig.log.append([telemetry('pond-1', 'gw-1', [water('do-1', 1, 3.5)])])
  await until('the alert opens', () => seen.length === 1)

  // change the rule (a new orange level): the watcher reloads it, the subject keeps its state
  writeFileSync(join(rig.rulesDir, 'ponds.yaml'), DO_RULE.replace("- { severity: red, below: 2 }", "- { severity: orange, below: 3 }\n        - { severity: red, below: 2 }"))
  await until('the watcher reloads', () => rig.metrics.reloads.get({ outcome: 'ok' }) === 1)
  await rig.log.append([telemetry('pond-1', 'gw-1', [water('do-1', 2, 3.4)])])
  await until('the log is evaluated', async () => (await rig.log.stats()).consumers.rules.pending === 0)
  t.equal(seen.length, 1, 'still yellow after the reload: nothing re-fired')
  await rig.log.append([telemetry('pond-1', 'gw-1', [water('do-1', 3, 2.5)])])
  await until('the new level fires', () => seen.length === 2)
  t.match(seen[1], { type: 'escalated', alert: { severity: 'orange' } })

  // a broken file: every problem reported, the rules in force stay
  writeFileSync(join(rig.rulesDir, 'broken.yaml'), 'rules:\n  - id: Bad Id\n    kind: threshold\n    threshold: { metric: nope, levels: [] }\n  - id: x\n    kind: nosuch\n')
  const result = rig.engine.reload()
  t.equal(result.ok, false)
  const text = result.issues.map(i => `${i.path}: ${i.message}`).join('\n')
  t.match(text, /broken\.yaml: rules\[0\]\.id/)
  t.match(text, /broken\.yaml: rules\[0\]\.threshold\.levels/)
  t.match(text, /broken\.yaml: rules\[1\]\.kind: unknown rule kind "nosuch"/)
  t.equal(rig.engine.rules().length, 1, 'the valid rules stay in force')
})

t.test('an InfluxDB that hangs does not delay the MQTT sink, and its buffer is bounded with drops counted', async t => {
  // A server that accepts connections and never answers: InfluxDB hung.
  const sockets = new Set<Socket>()
  const hung = createServer(s => { sockets.add(s) })
  await new Promise<void>(resolve => hung.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); hung.close() })
  const writer = createInfluxWriter(buildInfluxConfig({ url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`, timeout: '30s' }))
  const broker = await startAedes()
  t.teardown(() => broker.close())
  const sub = await subscribeAlerts(broker.url)
  t.teardown(() => sub.client.endAsync())
  const dataDir = t.testdir()
  writeRules(join(dataDir, 'rules'), 'ponds.yaml', DO_RULE)
  const influxMetrics = createAlertMetrics(createMetricsRegistry())
  const influxSink = createInfluxSink({ maxPending: 3, batchPoints: 1 }, { writer, metrics: influxMetrics })
  const rig = await startEngineRig({
    dataDir,
    brokerUrl: broker.url,
    extraSinks: [influxSink]
  })
  t.teardown(async () => { await rig.close(); await writer.close() })

  const started = performance.now()
  const readings = []
  for (let i = 0; i < 6; i++) readings.push(water(`do-${i}`, 1, 3))
  await rig.log.append([telemetry('pond-2', 'gw-1', readings)])
  await sub.nth(6)
  const elapsed = performance.now() - started
  t.ok(elapsed < 3000, `all six alerts reached MQTT in ${Math.round(elapsed)} ms while InfluxDB hangs`)
  t.equal(rig.store.list({ state: 'open' }).length, 6)
  t.equal(influxSink.pending(), 4, 'the InfluxDB sink holds one write in flight and three queued')
  t.equal(influxMetrics.dropped.get({ sink: 'influx' }), 2, 'the two oldest beyond the bound were dropped and counted')
  t.equal((await rig.log.stats()).consumers.rules.pending, 0, 'the log entries were released')
})
