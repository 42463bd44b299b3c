import t from 'tap'
import mqtt from 'mqtt'
import { buildTopic } from '@shennong/core/topics.ts'
import { startBroker } from '../../broker/src/main.ts'
import { startStack } from './test-fixture.ts'

t.test('after a broker restart the Shennong nodes reconnect, subscribe again and deliver', async t => {
  const stack = await startStack(t)
  const port = stack.broker.ports.mqttPort
  await stack.broker.close()
  await stack.until(async () => (await stack.http('/healthz')).status === 503, 10_000, 'healthz to notice the outage')
  t.equal((await stack.http('/healthz')).status, 503, 'unhealthy while the broker is away')

  const broker = await startBroker({ dataDir: stack.dataDir, mqtt: { port }, http: { port: 0 }, logLevel: 'silent' })
  t.teardown(async () => { await broker.close() })
  await stack.until(async () => (await stack.http('/healthz')).status === 200 && Object.values(stack.flows.server.status().brokers).every(b => b.subscriptions.length > 0), 15_000, 'reconnect and subscriptions')

  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, username: 'alerts', password: stack.secrets.alerts, reconnectPeriod: 0 })
  t.teardown(() => { client.end(true) })
  const now = Date.now()
  const alert = { id: 7, rule: 'do-low', kind: 'threshold', subject: 'pond-1', site: 'farm-1', device: 'pond-1', severity: 'red', state: 'open', openedAt: now, updatedAt: now, value: 1.2, message: 'DO 1.2 mg/L below 2', seq: 3, ts: now, event: 'opened', eventId: 70, at: now, by: 'rule:do-low', details: {} }
  await client.publishAsync(buildTopic({ site: 'farm-1', id: 'pond-1', channel: 'alert' }), JSON.stringify(alert), { qos: 1 })
  await stack.until(() => stack.webhook.requests.some(r => r.headers['x-shennong-delivery'] === '7-70' && r.status === 200), 10_000, 'the webhook')
  await stack.until(() => stack.mails.some(m => m.subject.includes('DO 1.2 mg/L below 2')), 10_000, 'the e-mail')
  t.equal(stack.logs.filter(l => typeof l.msg === 'string' && l.msg.startsWith('broker mqtt://')).length, 1, 'one warning for the outage, not one per reconnect attempt')
})
