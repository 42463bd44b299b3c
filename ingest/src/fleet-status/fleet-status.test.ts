// The subscriber against the real broker (ACL, service principal, retained status) and a real
// influxd: what gateways and the platform publish ends up as gateway_status and command points.
import t from 'tap'
import { createServer, type AddressInfo } from 'node:net'
import { buildTopic } from '@shennong/core/topics.ts'
import { createMetricsRegistry } from '@shennong/core/metrics.ts'
import { startTestBroker, type TestBroker } from '../../../broker/src/test-fixture.ts'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { buildInfluxConfig } from '../influx/config.ts'
import { createInfluxQuery } from '../influx/query.ts'
import { eventually, startIngestFixture } from '../testing/ingest-fixture.ts'
import { createFleetStatus } from './fleet-status.ts'

const SITE = 'pond-7'
const GW = 'gw-pond-7'
const status = buildTopic({ site: SITE, id: GW, channel: 'status' })
const cmd = buildTopic({ site: SITE, id: GW, channel: 'cmd' })
const cmdResult = buildTopic({ site: SITE, id: GW, channel: 'cmd-result' })

async function principals (broker: TestBroker): Promise<{ service: { username: string, password: string }, gateway: string, flows: string }> {
  return {
    service: { username: 'svc-ingest', password: await broker.add({ id: 'svc-ingest', kind: 'service', role: 'service' }) },
    gateway: await broker.add({ id: GW, kind: 'gateway', sites: [SITE] }),
    flows: await broker.add({ id: 'svc-flows', kind: 'service', role: 'service' })
  }
}

t.test('retained status, commands and results published through the broker become points', async t => {
  const influxd = await startInfluxd({ t })
  const influxConfig = buildInfluxConfig({ url: influxd.url, timeout: '2s', retry: { initialDelay: '50ms', maxDelay: '300ms' } })
  const query = createInfluxQuery(influxConfig)
  await query.ensureDatabase()
  const broker = await startTestBroker(t)
  const p = await principals(broker)
  const gateway = await broker.connect({ username: GW, password: p.gateway, clientId: GW })
  const ts = Date.now() - 5000
  // Published before the subscriber exists: the broker keeps it (retained) and hands it over.
  await gateway.publishAsync(status, JSON.stringify({ state: 'online', ts, spool: { depth: 42, bytes: 100, oldestUnsentAgeMs: 90_000, dropped: { overflow: 0, expired: 0 } }, clock: { state: 'synchronised' }, sources: { bus: { devices: { 'soil-1': { polls: 5, failures: 1, consecutiveFailures: 1, errors: { timeout: 1 } } } } } }), { qos: 1, retain: true })

  const registry = createMetricsRegistry()
  const fleet = createFleetStatus({ mqtt: { url: `mqtt://127.0.0.1:${broker.ports.mqttPort}`, ...p.service }, maxPending: 100, batchPoints: 10 }, { influxConfig, registry })
  t.teardown(() => fleet.close({ drainMs: 0 }))
  await eventually(() => fleet.stats().messages['status.queued'] === 1, 10_000, 'the retained status')

  const flows = await broker.connect({ username: 'svc-flows', password: p.flows })
  await flows.publishAsync(cmd, JSON.stringify({ id: 'c-17', name: 'valve', args: { device: 'valve-0001', value: 1 } }), { qos: 1 })
  await eventually(() => fleet.stats().messages['cmd.queued'] === 1, 10_000, 'the command')
  await gateway.publishAsync(cmdResult, JSON.stringify({ id: 'c-17', ok: true, device: 'valve-0001', name: 'valve', result: { function: 5, register: 0, value: 1 }, ts: Date.now() }), { qos: 1 })
  await gateway.publishAsync(cmdResult, JSON.stringify({ id: 'c-18', ok: false, error: { code: 'ERR_CMD_UNKNOWN', message: 'this gateway has no device "pump-9" that takes commands' } }), { qos: 1 })
  await gateway.publishAsync(status, 'not json', { qos: 1 })
  await gateway.publishAsync(status, JSON.stringify({ state: 'offline', reason: 'stopped' }), { qos: 1, retain: true })
  await eventually(() => fleet.stats().messages['status.queued'] === 2 && fleet.stats().messages['cmd-result.queued'] === 2, 10_000, 'every message')
  await fleet.idle(10_000)

  const stats = fleet.stats()
  t.equal(stats.messages['status.malformed'], 1, 'the malformed status was counted and skipped')
  t.equal(stats.written, 5, 'two status points, one command, two results')
  t.same(stats.dropped, { overflow: 0, rejected: 0, failed: 0 })
  t.match(registry.render(), /shennong_fleet_status_messages_total\{channel="status",outcome="malformed"\} 1/)

  const [st] = await query.query('SELECT "online", "spool_depth", "oldest_unsent_age_s", "clock_ok", "source_errors", "errors_timeout", "source_devices_failing", "reason" FROM "gateway_status" GROUP BY "site", "gateway"')
  const series = st.series?.[0]
  t.same(series?.tags, { site: SITE, gateway: GW })
  t.same(series?.values[0], [ts, 1, 42, 90, 1, 1, 1, 1, null], 'the online status at its own ts')
  t.same(series?.values[1].slice(1), [0, null, null, null, null, null, null, 'stopped'], 'then the clean stop')

  const [cm] = await query.query('SELECT "id", "ok", "args", "value", "message", "error_code", "result" FROM "command" GROUP BY "site", "gateway", "device", "name", "phase"')
  const rows = (cm.series ?? []).map(s => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, s.values[0][i]])) }))
  t.match(rows, [
    { device: 'gw-pond-7', name: '', phase: 'result', id: 'c-18', ok: 0, error_code: 'ERR_CMD_UNKNOWN', message: /pump-9/ },
    { device: 'valve-0001', name: 'valve', phase: 'result', id: 'c-17', ok: 1, args: '{"device":"valve-0001","value":1}', result: '{"function":5,"register":0,"value":1}' },
    { device: 'valve-0001', name: 'valve', phase: 'sent', id: 'c-17', ok: null, args: '{"device":"valve-0001","value":1}', value: 1 }
  ])
  t.equal(rows.length, 3)
})

t.test('while InfluxDB does not answer, the queue stays bounded (oldest dropped, counted) and the broker is never held up', async t => {
  // A port that accepts connections and never answers: every write hangs until its timeout, then retries.
  const silent = createServer(() => {})
  await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { silent.close() })
  const influxConfig = buildInfluxConfig({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeout: '10s' })
  const broker = await startTestBroker(t)
  const p = await principals(broker)
  const fleet = createFleetStatus({ mqtt: { url: `mqtt://127.0.0.1:${broker.ports.mqttPort}`, ...p.service }, maxPending: 5, batchPoints: 10 }, { influxConfig })
  await eventually(() => fleet.stats().subscribed, 10_000, 'subscribed')
  const gateway = await broker.connect({ username: GW, password: p.gateway, clientId: GW })
  const started = performance.now()
  for (let i = 0; i < 20; i++) await gateway.publishAsync(status, JSON.stringify({ state: 'online', ts: Date.now() - 1000 + i, spool: { depth: i } }), { qos: 1 })
  t.ok(performance.now() - started < 5000, 'twenty QoS 1 publishes acknowledged without waiting on InfluxDB')
  await eventually(() => fleet.stats().messages['status.queued'] === 20, 10_000, 'all delivered to the subscriber')
  const stats = fleet.stats()
  t.equal(stats.pending, 6, 'one point in the hanging write, five queued')
  t.equal(stats.dropped.overflow, 14, 'the rest dropped oldest-first and counted')
  const closing = performance.now()
  await fleet.close({ drainMs: 0 })
  t.ok(performance.now() - closing < 3000, 'close does not wait for the hanging write')
})

t.test('ingest runs the subscriber with the service principal of alerts.mqtt', async t => {
  const broker = await startTestBroker(t)
  const p = await principals(broker)
  const fixture = await startIngestFixture(t, { alerts: { mqtt: { url: `mqtt://127.0.0.1:${broker.ports.mqttPort}`, ...p.service } }, rules: { watch: 'off' } })
  t.ok(fixture.ingest.fleetStatus !== undefined, 'on by default once a broker is configured')
  await eventually(() => fixture.ingest.fleetStatus?.stats().subscribed, 10_000, 'subscribed')
  const gateway = await broker.connect({ username: GW, password: p.gateway, clientId: GW })
  await gateway.publishAsync(status, JSON.stringify({ state: 'online', ts: Date.now() - 1000, spool: { depth: 7, oldestUnsentAgeMs: 0 } }), { qos: 1, retain: true })
  const rows = await eventually(async () => {
    const r = await fixture.rows('SELECT "online", "spool_depth" FROM "gateway_status"')
    return r.length > 0 ? r : undefined
  }, 15_000, 'the status point')
  t.match(rows, [{ online: 1, spool_depth: 7 }])
  const metrics = await (await fetch(`${fixture.ingest.url}/metrics`)).text()
  t.match(metrics, /shennong_fleet_status_points_written_total 1/)
  t.match(metrics, /shennong_fleet_status_connected 1/)
})

t.test('without a broker URL ingest has no subscriber', async t => {
  const fixture = await startIngestFixture(t, { rules: { watch: 'off' } })
  t.equal(fixture.ingest.fleetStatus, undefined)
})
