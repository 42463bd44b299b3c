import t from 'tap'
import { loadIngestConfig } from '../config.ts'
import { resolveFleetStatusMqtt } from './config.ts'

const alerts = { url: 'mqtt://broker:1883', username: 'svc-ingest', password: 'alerts-secret' }

t.test('defaults to the alerts.mqtt service principal, and is off without a broker URL', async t => {
  const c = loadIngestConfig({ value: {}, env: {} })
  t.same(c.fleetStatus, { enabled: 'on', mqtt: { url: '', username: '', password: '' }, maxPending: 10_000, batchPoints: 500 })
  t.equal(resolveFleetStatusMqtt(c.fleetStatus, c.alerts.mqtt), undefined, 'no URL anywhere: off')
  t.same(resolveFleetStatusMqtt(c.fleetStatus, alerts), alerts, 'alerts.mqtt when its own section is empty')
})

t.test('its own section wins part by part; enabled: off turns it off; the password comes from the environment', async t => {
  const c = loadIngestConfig({ value: { fleetStatus: { mqtt: { url: 'mqtts://other:8883', username: 'svc-fleet' } } }, env: { SHENNONG_FLEET_STATUS_MQTT_PASSWORD: 'fleet-secret' } })
  t.same(resolveFleetStatusMqtt(c.fleetStatus, alerts), { url: 'mqtts://other:8883', username: 'svc-fleet', password: 'fleet-secret' })
  const own = loadIngestConfig({ value: { fleetStatus: { mqtt: { url: 'mqtt://other:1883' } } }, env: {} })
  t.same(resolveFleetStatusMqtt(own.fleetStatus, alerts), { url: 'mqtt://other:1883', username: 'svc-ingest', password: 'alerts-secret' })
  const off = loadIngestConfig({ value: { fleetStatus: { enabled: 'off' } }, env: {} })
  t.equal(resolveFleetStatusMqtt(off.fleetStatus, alerts), undefined)
})
