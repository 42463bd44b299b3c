// Issue 4 end to end, through real processes: the simulator dries a plot (gateway gw-test over the
// stack's MQTT) until the drought rule fires in ingest's rule engine → the alert is in the API
// (GET /v1/alerts), on MQTT (…/{device}/alert, seen by a service subscriber of the test) and in
// InfluxDB (measurement `alert`) → the Node-RED flows process posts every event to a webhook
// receiver run by the test, and sends the irrigation valve command to a real edge agent (its own
// process, gateway gw-valves), which writes the coil of a Modbus slave simulated on a socat pty and
// answers cmd-result. Then a second plot dries with influxd killed: the API, MQTT, the webhook and
// the valve work just the same, and the alert points land in InfluxDB once it is back.
import t, { type Test } from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import mqtt from 'mqtt'
import { stringify } from 'yaml'
import { startInfluxd } from './harness/influxd.ts'
import { startTestStack } from './harness/stack.ts'
import { storedSeqs } from './harness/load.ts'
import { runSim } from '../device-sim/src/main.ts'
import { expandRanges } from '../device-sim/src/report.ts'
import { openPtyPair } from '../device-sim/src/serial/pty-pair.ts'
import { startModbusBusSim } from '../device-sim/src/serial/modbus-slave-sim.ts'
import { buildTopic, parseTopic, topicFilter } from '../core/src/topics.ts'

const SITE = 'site-test'
const RULE = 'field-drought'
const VALVE_GW = 'gw-valves'
const WATCHER = 'svc-watch'
const FIELD_CAPACITY = 35
const CONFIRM_TIMEOUT_MS = 10_000
const SEVERITIES = ['blue', 'yellow', 'orange', 'red']
const PLOTS = {
  'plot-a': { prefix: 'pa-', valve: 'valve-a', address: 9, seed: 11 },
  'plot-b': { prefix: 'pb-', valve: 'valve-b', address: 10, seed: 12 }
} as const
type PlotId = keyof typeof PLOTS

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until (what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
    await sleep(100)
  }
}

interface AlertMessage {
  id: number, rule: string, kind: string, subject: string, site: string, device: string, severity: string,
  state: string, value: number, seq: number, message: string, event: string, eventId: number, at: number, by: string
}
interface Command { id: string, name: string, args: { device: string, value: number } }
interface CommandResult { id: string, ok: boolean, device?: string, result?: { function: number, register: number, value: number }, error?: unknown }

/** An HTTP receiver for the flows' webhook: records every request, answers 204. */
async function startWebhookReceiver (): Promise<{ url: string, requests: Array<{ method: string, url: string, headers: IncomingHttpHeaders, body: string }>, close: () => Promise<void> }> {
  const requests: Array<{ method: string, url: string, headers: IncomingHttpHeaders, body: string }> = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/shennong`,
    requests,
    close: async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) }
  }
}

async function influxQuery (url: string, q: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${url}/query?db=shennong&epoch=ms&q=${encodeURIComponent(q)}`)
  const body = await res.json() as { results: Array<{ series?: Array<{ columns: string[], values: unknown[][] }>, error?: string }> }
  const result = body.results[0]
  if (result.error !== undefined) {
    if (/database not found/.test(result.error)) return []
    throw new Error(result.error)
  }
  return (result.series ?? []).flatMap(s => s.values.map(v => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
}

t.test('drought → alert in the API, on MQTT and in InfluxDB → webhook and valve; InfluxDB down changes nothing for the alert path', async t => {
  const influx = await startInfluxd({ t })
  const receiver = await startWebhookReceiver()
  const pty = await openPtyPair()
  const bus = await startModbusBusSim({ path: pty.device, addresses: Object.values(PLOTS).map(p => p.address) })

  const stack = await startTestStack({
    influxUrl: influx.url,
    principals: [
      { id: VALVE_GW, kind: 'gateway', sites: [SITE], description: 'the edge agent driving the irrigation valves' },
      { id: WATCHER, kind: 'service', role: 'service', description: 'the test\'s MQTT subscriber' }
    ],
    // The drought rule (field capacity per plot) is in place before ingest starts.
    prepare: dataDir => {
      mkdirSync(join(dataDir, 'rules'), { recursive: true })
      writeFileSync(join(dataDir, 'rules', 'drought.yaml'), stringify({
        rules: [{
          id: RULE,
          kind: 'drought',
          description: 'relative soil moisture of the test plots',
          drought: {
            plots: Object.entries(PLOTS).map(([id, p]) => ({ id, site: SITE, devices: [`${p.prefix}soil-*`], fieldCapacityPct: FIELD_CAPACITY }))
          }
        }]
      }))
    },
    // Reading writes retry quickly once influxd is back (the default bound is 30 s).
    ingest: { influx: { retry: { maxDelay: '2s' } } },
    flows: {
      webhooks: [{ url: receiver.url, headers: { 'x-test-receiver': 'alerts-e2e' } }],
      webhookRetry: { attempts: 6, initialDelay: '500ms', maxDelay: '4s' },
      irrigation: {
        minSeverity: 'yellow',
        confirmTimeout: `${CONFIRM_TIMEOUT_MS}ms`,
        valves: Object.entries(PLOTS).map(([plot, p]) => ({ site: SITE, plot, gateway: VALVE_GW, valve: p.valve, command: 'valve', openValue: 1 }))
      }
    }
  })
  let watcher: mqtt.MqttClient | undefined
  t.teardown(async () => {
    await watcher?.endAsync(true)
    await stack.stop() // the edge agent is one of its supervised children
    await bus.close()
    await pty.close()
    await receiver.close()
  })
  const verbose = process.env.SHENNONG_TEST_VERBOSE === '1'

  // The test's own subscriber, a service principal: alerts of the site, the valve gateway's cmd,
  // cmd-result and status.
  const alerts: Array<{ topic: string, alert: AlertMessage }> = []
  const commands: Array<{ at: number, cmd: Command }> = []
  const results: CommandResult[] = []
  let valveGatewayOnline = false
  watcher = await mqtt.connectAsync(stack.mqttUrl, { clientId: WATCHER, username: WATCHER, password: stack.secrets[WATCHER], protocolVersion: 4, clean: true, reconnectPeriod: 500 })
  watcher.on('message', (topic, payload) => {
    const parts = parseTopic(topic)
    if (parts === null) return
    const body = JSON.parse(payload.toString())
    if (parts.channel === 'alert') alerts.push({ topic, alert: body })
    else if (parts.channel === 'cmd') commands.push({ at: Date.now(), cmd: body })
    else if (parts.channel === 'cmd-result') results.push(body)
    else if (parts.channel === 'status' && parts.id === VALVE_GW) valveGatewayOnline = body.state === 'online'
  })
  await watcher.subscribeAsync([
    topicFilter({ site: SITE, channel: 'alert' }),
    buildTopic({ site: SITE, id: VALVE_GW, channel: 'cmd' }),
    buildTopic({ site: SITE, id: VALVE_GW, channel: 'cmd-result' }),
    buildTopic({ site: SITE, id: VALVE_GW, channel: 'status' })
  ], { qos: 1 })

  // The real edge agent, its own process: the valves are coils of Modbus slaves on an RS-485 bus
  // (a socat pty pair; the slaves are simulated in this process).
  const edgeDir = join(stack.dataDir, 'edge')
  mkdirSync(edgeDir, { recursive: true })
  const edgeFile = join(edgeDir, 'edge.yaml')
  writeFileSync(edgeFile, stringify({
    site: SITE,
    id: VALVE_GW,
    dataDir: edgeDir,
    logLevel: 'warn',
    spool: { sync: 'normal' },
    uplink: { url: stack.mqttUrl, reconnect: { min: '200ms', max: '2s' }, statusInterval: '10s' },
    sources: {
      modbus: [{
        name: 'valve-bus',
        port: pty.host,
        timeout: '300ms',
        retries: 2,
        devices: Object.values(PLOTS).map(p => ({ device: p.valve, address: p.address, commands: { valve: { function: 5, register: 0, allowed: [0, 1] } } }))
      }]
    }
  }))
  stack.supervisor.start({
    name: 'edge',
    command: process.execPath,
    args: [resolve(import.meta.dirname, '..', 'bin', 'shennong.ts'), 'edge', '-c', edgeFile],
    env: { SHENNONG_EDGE_PASSWORD: stack.secrets[VALVE_GW] },
    onLine: line => { if (verbose) process.stderr.write(`edge   | ${line}\n`) }
  })
  await until('the edge agent (gw-valves) online', () => valveGatewayOnline)

  const admin = { authorization: `Bearer ${stack.adminToken}` }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${stack.apiUrl}${path}`, { headers: admin })
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
    return await res.json() as T
  }
  const rulesReadings = async (): Promise<number> => {
    const res = await fetch(`${stack.apiUrl}/metrics`, { headers: admin })
    const m = /^shennong_rules_readings_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(await res.text())
    return m === null ? 0 : Number(m[1])
  }
  let readingsSent = 0

  /** Dries one plot through the simulator and checks the alert path up to the valve. */
  async function dryPlot (t: Test, plot: PlotId) {
    const p = PLOTS[plot]
    const probe = `${p.prefix}soil-0001`
    // Two simulated days, a reading every 30 min, losing 8 %VWC a day from 26–32 %VWC: the relative
    // moisture (field capacity 35 %VWC) falls past 60 % (light, blue) and 50 % (moderate, yellow).
    const report = await runSim({
      mqttUrl: stack.mqttUrl,
      credentials: [{ ...stack.gateway, kinds: ['soil'] }],
      devices: 'soil=1',
      devicePrefix: p.prefix,
      dry: true,
      dryRate: 8,
      interval: '30m',
      duration: '2d',
      speed: 'max',
      seed: p.seed
    })
    t.equal(report.messages.notAcknowledged, 0, `${plot}: every simulated reading was acknowledged by the broker`)
    t.ok(report.devices[probe] !== undefined, `${plot}: the simulator's dry probe is ${probe}`)
    readingsSent += report.readings.acknowledged
    await until(`the rule engine to evaluate the ${readingsSent} readings so far`, async () => await rulesReadings() >= readingsSent)

    // The API: one unresolved alert of the drought rule for the plot, at least moderate (yellow).
    const { alerts: listed } = await api<{ alerts: Array<AlertMessage & { openedAt: string }> }>(`/v1/alerts?rule=${RULE}&site=${SITE}`)
    const forPlot = listed.filter(a => a.subject === plot)
    t.equal(forPlot.length, 1, `${plot}: one alert in GET /v1/alerts`)
    const alert = forPlot[0]
    t.match(alert, { rule: RULE, kind: 'drought', subject: plot, site: SITE, device: probe, state: 'open', message: new RegExp(`plot ${plot}: relative soil moisture .* drought`) })
    t.ok(SEVERITIES.indexOf(alert.severity) >= 1, `${plot}: severity ${alert.severity} is at least yellow`)
    t.ok(alert.value <= 50, `${plot}: relative moisture ${alert.value} % is moderate drought or worse`)
    const { history } = await api<{ history: Array<{ id: number, type: string, severity: string, by: string }> }>(`/v1/alerts/${alert.id}`)
    t.equal(history[0].type, 'opened', 'its history starts with opened')
    t.ok(history.slice(1).every(h => h.type === 'escalated'), `then only escalates: ${history.map(h => `${h.type} ${h.severity}`).join(', ')}`)
    t.equal(history.at(-1)?.severity, alert.severity)

    // MQTT: every event of the alert, in order, on …/{site}/{probe}/alert.
    await until(`${plot}: the alert's ${history.length} events on MQTT`, () => alerts.filter(a => a.alert.id === alert.id).length >= history.length)
    const published = alerts.filter(a => a.alert.id === alert.id)
    t.same(published.map(a => a.topic), history.map(() => buildTopic({ site: SITE, id: probe, channel: 'alert' })), `${plot}: published on the probe's alert topic`)
    t.same(published.map(a => [a.alert.eventId, a.alert.event, a.alert.severity]), history.map(h => [h.id, h.type, h.severity]), `${plot}: the MQTT events are the alert's history`)
    t.match(published.at(-1)?.alert, { rule: RULE, kind: 'drought', subject: plot, site: SITE, device: probe, state: 'open', severity: alert.severity, by: `rule:${RULE}` })

    // The webhook: Node-RED posted each event, body as published on MQTT, with a delivery id.
    await until(`${plot}: the webhook deliveries`, () => published.every(m => receiver.requests.some(r => r.headers['x-shennong-delivery'] === `${alert.id}-${m.alert.eventId}`)))
    for (const m of published) {
      const got = receiver.requests.filter(r => r.headers['x-shennong-delivery'] === `${alert.id}-${m.alert.eventId}`)
      t.equal(got.length, 1, `${plot}: ${m.alert.event} ${m.alert.severity} delivered once`)
      t.equal(got[0].method, 'POST')
      t.equal(got[0].headers['content-type']?.split(';')[0], 'application/json')
      t.equal(got[0].headers['x-test-receiver'], 'alerts-e2e', 'with the webhook\'s configured headers')
      t.same(JSON.parse(got[0].body), m.alert, `${plot}: the webhook body is the alert as published on MQTT`)
    }

    // The valve: one command per opened/escalated event at yellow or above, executed by the edge
    // agent (the slave's coil is on) and confirmed on cmd-result.
    const irrigating = published.filter(m => SEVERITIES.indexOf(m.alert.severity) >= 1)
    t.ok(irrigating.length >= 1, `${plot}: ${irrigating.length} event(s) ask for irrigation`)
    const toValve = (): Array<{ at: number, cmd: Command }> => commands.filter(c => c.cmd.args?.device === p.valve)
    await until(`${plot}: ${irrigating.length} valve command(s) and their results`, () =>
      toValve().length >= irrigating.length && toValve().every(c => results.some(r => r.id === c.cmd.id)))
    const sent = toValve()
    t.equal(sent.length, irrigating.length, `${plot}: one valve command per irrigating event`)
    for (const { cmd } of sent) {
      t.match(cmd, { id: /^flows-/, name: 'valve', args: { device: p.valve, value: 1 } }, `${plot}: the edge agent's valve command`)
      t.match(results.find(r => r.id === cmd.id), { ok: true, device: p.valve, result: { function: 5, register: 0, value: 1 } }, `${plot}: cmd-result ok from the gateway`)
    }
    const slave = bus.slave(p.address)
    t.equal(slave.coils.get(0), true, `${plot}: ${p.valve}'s coil is on`)
    t.same(slave.writes, sent.map(() => ({ function: 5, register: 0, values: [1] })), `${plot}: the slave got one coil write per command`)
    return { alert, published, acknowledged: expandRanges(report.devices[probe].acknowledgedSeq) }
  }

  // 1. InfluxDB up.
  const first = await dryPlot(t, 'plot-a')
  const alertPoints = async (id: number): Promise<Array<Record<string, unknown>>> =>
    await influxQuery(influx.url, `SELECT * FROM "alert" WHERE "rule" = '${RULE}' AND "id" = ${id}`)
  const checkPoints = async (t: Test, what: string, run: Awaited<ReturnType<typeof dryPlot>>): Promise<void> => {
    await until(`${what}: ${run.published.length} alert points in InfluxDB`, async () => (await alertPoints(run.alert.id)).length >= run.published.length, 60_000)
    const points = await alertPoints(run.alert.id)
    t.same(
      points.map(p => [p.time, p.event, p.severity, p.site, p.device, p.seq]).sort(),
      run.published.map(m => [m.alert.at, m.alert.event, m.alert.severity, m.alert.site, m.alert.device, m.alert.seq]).sort(),
      `${what}: one point per event in measurement alert (time = event time, tags site, device, rule, severity)`)
  }
  await checkPoints(t, 'plot-a', first)

  // 2. InfluxDB killed; a second plot dries. Nothing on the alert path may notice.
  await influx.kill()
  t.equal(influx.pid(), undefined, 'influxd is down')
  const second = await dryPlot(t, 'plot-b')
  t.equal(influx.pid(), undefined, 'influxd was down for the whole second alert path')
  t.same(await alertPoints(first.alert.id).then(() => 'reachable', () => 'unreachable'), 'unreachable', 'InfluxDB did not answer meanwhile')
  const { alerts: both } = await api<{ alerts: AlertMessage[] }>(`/v1/alerts?rule=${RULE}&state=open`)
  t.same(both.map(a => a.subject).sort(), ['plot-a', 'plot-b'], 'both plots\' alerts are open in the API')

  // 3. InfluxDB back: the second plot's alert points and readings arrive; the first ones stay.
  await influx.restart()
  await checkPoints(t, 'plot-b (written after influxd restarted)', second)
  await checkPoints(t, 'plot-a (still there)', first)
  const probeB = `${PLOTS['plot-b'].prefix}soil-0001`
  await until('plot-b\'s readings in InfluxDB', async () => ((await storedSeqs(influx.url, 'soil')).byDevice.get(probeB)?.length ?? 0) >= second.acknowledged.length, 60_000)
  t.same((await storedSeqs(influx.url, 'soil')).byDevice.get(probeB)?.sort((x, y) => x - y), second.acknowledged, 'plot-b\'s acknowledged readings landed too, each once')

  // No valve went unconfirmed (flows would publish a valve-unconfirmed alert after confirmTimeout).
  const lastCommand = Math.max(...commands.map(c => c.at))
  const wait = lastCommand + CONFIRM_TIMEOUT_MS + 1500 - Date.now()
  if (wait > 0) await sleep(wait)
  t.same(alerts.filter(a => a.alert.rule === 'valve-unconfirmed').map(a => a.alert.message), [], 'every valve command was confirmed: no valve-unconfirmed alert')
  t.same(receiver.requests.filter(r => JSON.parse(r.body).rule === 'valve-unconfirmed').length, 0, 'and none reached the webhook')
})
