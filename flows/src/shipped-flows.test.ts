import t from 'tap'
import type { MqttClient } from 'mqtt'
import { buildTopic, topicFilter } from '@shennong/core/topics.ts'
import { startStack } from './test-fixture.ts'

// One stack for the whole file: Node-RED runs once per process.
const stack = await startStack(t)
const rules = await stack.connect('alerts') // publishes alerts the way the rule engine's MQTT sink does

let nextId = 100
function alert (over: Record<string, unknown> = {}): Record<string, unknown> {
  const id = nextId++
  const now = Date.now()
  return {
    id, rule: 'do-low', kind: 'threshold', subject: 'pond-1', site: 'farm-1', device: 'pond-1', severity: 'yellow', state: 'open',
    openedAt: now, updatedAt: now, value: 3.1, message: `DO 3.1 mg/L below 4 (#${id})`, seq: 17, ts: now,
    acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, details: {},
    event: 'opened', eventId: id * 10, at: now, by: 'rule:do-low', ...over
  }
}

async function publish (a: Record<string, unknown>): Promise<void> {
  await rules.publishAsync(buildTopic({ site: a.site as string, id: a.device as string, channel: 'alert' }), JSON.stringify(a), { qos: 1 })
}

const delivery = (a: Record<string, unknown>): string => `${String(a.id)}-${String(a.eventId)}`
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

t.test('an alert published on MQTT is POSTed to the webhook', async t => {
  const a = alert()
  await publish(a)
  await stack.until(() => stack.webhook.requests.some(r => r.headers['x-shennong-delivery'] === delivery(a)), 10_000, 'the webhook POST')
  const got = stack.webhook.requests.filter(r => r.headers['x-shennong-delivery'] === delivery(a))
  t.equal(got.length, 1)
  t.equal(got[0].method, 'POST')
  t.equal(got[0].url, '/hook')
  t.match(got[0].headers, { 'content-type': /^application\/json/, authorization: 'Bearer hook-secret' }, 'with the configured headers')
  t.same(JSON.parse(got[0].body), a, 'the body is the alert as published')
})

t.test('a webhook that fails twice then succeeds gets the alert once, after exponential backoff', async t => {
  const a = alert({ severity: 'orange' })
  stack.webhook.failNext(2)
  const start = stack.webhook.requests.length
  await publish(a)
  await stack.until(() => stack.webhook.requests.some(r => r.headers['x-shennong-delivery'] === delivery(a) && r.status === 200), 10_000, 'the delivery after two failures')
  await sleep(500) // longer than any further backoff would be
  const got = stack.webhook.requests.slice(start).filter(r => r.headers['x-shennong-delivery'] === delivery(a))
  t.same(got.map(r => r.status), [500, 500, 200], 'two failures, then delivered once, then nothing more')
  t.same(got.map(r => JSON.parse(r.body)), [a, a, a], 'every attempt carries the alert, not the previous answer')
  t.same(got.map(r => r.headers.authorization), ['Bearer hook-secret', 'Bearer hook-secret', 'Bearer hook-secret'], 'retries keep the request headers')
})

t.test('a webhook that keeps failing is given up after the configured attempts', async t => {
  const a = alert({ severity: 'blue' })
  stack.webhook.failNext(1000)
  const start = stack.webhook.requests.length
  t.teardown(() => { stack.webhook.failNext(0) })
  await publish(a)
  await stack.until(() => stack.logs.some(l => typeof l.msg === 'string' && l.msg.includes('gave up after 5 attempt(s)')), 10_000, 'giving up')
  await sleep(600)
  t.equal(stack.webhook.requests.slice(start).filter(r => r.headers['x-shennong-delivery'] === delivery(a)).length, 5, 'webhookRetry.attempts in all, no more')
  stack.webhook.failNext(0)
})

t.test('a new alert at or above email.minSeverity is e-mailed to the configured and the site\'s recipients', async t => {
  const before = stack.mails.length
  const blue = alert({ severity: 'blue', message: 'a blue one, below email.minSeverity' })
  const resolved = alert({ severity: 'red', event: 'resolved', state: 'resolved', message: 'resolved events are not e-mailed' })
  const red = alert({ severity: 'red', device: 'pond-2', subject: 'pond-2', value: 1.4, message: 'DO 1.4 mg/L below 2' })
  await publish(blue)
  await publish(resolved)
  await publish(red)
  await stack.until(() => stack.mails.length > before, 10_000, 'the e-mail')
  await sleep(300)
  const mails = stack.mails.slice(before)
  t.equal(mails.length, 1, 'only the new red alert')
  t.equal(mails[0].from, 'shennong@farm.example')
  t.same(mails[0].to.sort(), ['farmer@farm.example', 'ops@farm.example'])
  t.equal(mails[0].subject, '[Shennong red I] farm-1/pond-2: DO 1.4 mg/L below 2')
  t.match(mails[0].text, /rule: +do-low \(threshold\)/)
  t.match(mails[0].text, /value: +1\.4/)
  t.match(mails[0].text, new RegExp(`alert id ${String(red.id)}`))
})

interface Gateway { client: MqttClient, commands: Array<Record<string, unknown>> }

async function gateway (answer: (cmd: Record<string, unknown>) => Record<string, unknown> | null): Promise<Gateway> {
  const client = await stack.connect('gw-1')
  const commands: Array<Record<string, unknown>> = []
  await client.subscribeAsync(buildTopic({ site: 'farm-1', id: 'gw-1', channel: 'cmd' }), { qos: 1 })
  client.on('message', (_topic, payload) => {
    const cmd = JSON.parse(payload.toString()) as Record<string, unknown>
    commands.push(cmd)
    const result = answer(cmd)
    if (result !== null) client.publish(buildTopic({ site: 'farm-1', id: 'gw-1', channel: 'cmd-result' }), JSON.stringify(result), { qos: 1 })
  })
  return { client, commands }
}

async function watchAlerts (): Promise<Array<{ topic: string, alert: Record<string, unknown> }>> {
  const client = await stack.connect('alerts')
  const seen: Array<{ topic: string, alert: Record<string, unknown> }> = []
  await client.subscribeAsync(topicFilter({ site: 'farm-1', channel: 'alert' }), { qos: 1 })
  client.on('message', (topic, payload) => { seen.push({ topic, alert: JSON.parse(payload.toString()) as Record<string, unknown> }) })
  return seen
}

const drought = (over: Record<string, unknown> = {}): Record<string, unknown> =>
  alert({ rule: 'wheat-drought', kind: 'drought', subject: 'plot-a', device: 'soil-a1', severity: 'orange', value: 38, message: 'moderate drought on plot-a (R 38 %)', ...over })

t.test('a drought alert opens the plot\'s valve; the gateway\'s ok result confirms it', async t => {
  const gw = await gateway(cmd => ({ id: cmd.id, ok: true, device: (cmd.args as { device: string }).device, name: cmd.name, result: { function: 5, register: 0, value: 1 }, ts: Date.now() }))
  t.teardown(() => { gw.client.end(true) })
  const seen = await watchAlerts()
  const a = drought()
  await publish(a)
  await stack.until(() => gw.commands.length >= 1, 10_000, 'the valve command')
  t.match(gw.commands[0], { id: /^flows-/, name: 'valve', args: { device: 'valve-0001', value: 1 } }, 'the edge agent\'s valve command (docs/edge.md)')
  await stack.until(() => stack.logs.some(l => typeof l.msg === 'string' && l.msg.includes(`valve valve-0001 at farm-1 opened for drought on plot plot-a (alert ${String(a.id)})`)), 5_000, 'the confirmation')
  await sleep(2000) // past irrigation.confirmTimeout (1.5 s)
  t.equal(gw.commands.length, 1, 'one command')
  t.same(seen.filter(s => s.alert.rule === 'valve-unconfirmed'), [], 'confirmed: no valve-unconfirmed alert')
})

t.test('a drought alert below irrigation.minSeverity, or for a plot without a valve, sends no command', async t => {
  const gw = await gateway(() => null)
  t.teardown(() => { gw.client.end(true) })
  await publish(drought({ severity: 'blue' }))
  await publish(drought({ subject: 'plot-z' }))
  await publish(alert({ kind: 'threshold', subject: 'plot-a' }))
  await stack.until(() => stack.logs.some(l => typeof l.msg === 'string' && l.msg.includes('no valve for plot plot-z at farm-1')), 5_000, 'the warning')
  await sleep(300)
  t.same(gw.commands, [])
})

t.test('a drought alert whose valve command is not confirmed in time raises a valve-unconfirmed alert', async t => {
  const gw = await gateway(() => null) // a gateway that never answers
  t.teardown(() => { gw.client.end(true) })
  const seen = await watchAlerts()
  const webhookBefore = stack.webhook.requests.length
  const a = drought({ severity: 'red' })
  const sent = Date.now()
  await publish(a)
  await stack.until(() => seen.some(s => s.alert.rule === 'valve-unconfirmed'), 10_000, 'the valve-unconfirmed alert')
  t.ok(Date.now() - sent >= 1400, 'only after irrigation.confirmTimeout')
  const raised = seen.find(s => s.alert.rule === 'valve-unconfirmed')!
  t.equal(raised.topic, buildTopic({ site: 'farm-1', id: 'valve-0001', channel: 'alert' }))
  t.match(raised.alert, {
    rule: 'valve-unconfirmed', site: 'farm-1', device: 'valve-0001', subject: 'valve-0001', severity: 'orange', state: 'open', event: 'opened', by: 'flows',
    message: /valve valve-0001 \(gateway gw-1\) did not confirm opening for drought on plot plot-a/,
    details: { error: { code: 'timeout' }, command: { name: 'valve', site: 'farm-1', gateway: 'gw-1', id: gw.commands[0].id }, cause: { alert: a.id, rule: 'wheat-drought' } }
  })
  await stack.until(() => stack.webhook.requests.slice(webhookBefore).some(r => JSON.parse(r.body).rule === 'valve-unconfirmed'), 10_000, 'the notification')
  t.pass('the valve-unconfirmed alert goes out through the notification flows like any alert')
})

t.test('a gateway that refuses the valve command raises valve-unconfirmed with its error', async t => {
  const gw = await gateway(cmd => ({ id: cmd.id, ok: false, error: { code: 'ERR_CMD_REFUSED', message: 'command valve does not allow value 1' }, ts: Date.now() }))
  t.teardown(() => { gw.client.end(true) })
  const seen = await watchAlerts()
  const sent = Date.now()
  await publish(drought())
  await stack.until(() => seen.some(s => s.alert.rule === 'valve-unconfirmed'), 10_000, 'the valve-unconfirmed alert')
  t.ok(Date.now() - sent < 1400, 'at once, without waiting for the timeout')
  t.match(seen.find(s => s.alert.rule === 'valve-unconfirmed')!.alert, { details: { error: { code: 'ERR_CMD_REFUSED' } }, message: /command valve does not allow value 1/ })
})

t.test('nothing in the shipped flows logged an error', async t => {
  t.same(stack.errors, [])
})
