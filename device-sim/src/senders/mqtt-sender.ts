// MQTT transport (ARCHITECTURE §2): one connection per site gateway, username = gateway id,
// password = its secret, QoS 1 on `shennong/v1/{site}/{gateway}/telemetry`. On connect the gateway
// publishes a retained `status` {"state":"online"}; its last will is the retained "offline". A
// message counts as acknowledged only when its PUBACK arrived (mqtt.js resolves publishAsync then;
// across a reconnect it re-sends unacknowledged messages itself).
import mqtt, { type MqttClient } from 'mqtt'
import { ShennongError } from '../../../core/src/errors.ts'
import { buildTopic } from '../../../core/src/topics.ts'
import type { GatewayEndpoint, Sender, SendResult } from './sender.ts'

export interface MqttSenderConfig {
  url: string
  connectTimeoutMs?: number
  /** Time allowed for the final "offline" status, and again for a clean DISCONNECT. Default 1 s. */
  closeTimeoutMs?: number
}

function statusPayload (state: 'online' | 'offline', gateway: GatewayEndpoint): string {
  return JSON.stringify({ state, ts: Date.now(), agent: 'device-sim', devices: gateway.devices })
}

async function within<T> (promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export function createMqttSender (config: MqttSenderConfig): Sender {
  const clients = new Map<string, { client: MqttClient, gateway: GatewayEndpoint }>()
  const errors: Record<string, number> = {}
  const count = (kind: string): void => { errors[kind] = (errors[kind] ?? 0) + 1 }
  const connectTimeout = config.connectTimeoutMs ?? 10_000

  async function connect (gateway: GatewayEndpoint): Promise<MqttClient> {
    const statusTopic = buildTopic({ site: gateway.site, id: gateway.id, channel: 'status' })
    const client = mqtt.connect(config.url, {
      clientId: gateway.id,
      username: gateway.id,
      ...(gateway.secret !== '' ? { password: gateway.secret } : {}),
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout,
      will: { topic: statusTopic, payload: Buffer.from(statusPayload('offline', gateway)), qos: 1, retain: true }
    })
    client.on('offline', () => count('disconnects'))
    client.on('error', () => count('connection_errors'))
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error & { code?: unknown }): void => {
        clearTimeout(timer)
        client.end(true)
        reject(new ShennongError('ERR_SIM_CONNECT', `gateway ${gateway.id} cannot connect to ${config.url}: ${err.message}`, { cause: err }))
      }
      const timer = setTimeout(() => fail(new Error(`no CONNACK within ${connectTimeout} ms`)), connectTimeout)
      client.once('connect', () => { clearTimeout(timer); client.off('error', onError); resolve() })
      // A CONNACK refusal (bad credentials, not authorized) is final; a socket error is retried.
      const onError = (err: Error & { code?: unknown }): void => { if (typeof err.code === 'number') fail(err) }
      client.on('error', onError)
    })
    await client.publishAsync(statusTopic, statusPayload('online', gateway), { qos: 1, retain: true })
    return client
  }

  return {
    transport: 'mqtt',
    async open (gateways: readonly GatewayEndpoint[]): Promise<void> {
      try {
        for (const g of gateways) clients.set(g.id, { client: await connect(g), gateway: g })
      } catch (err) {
        await Promise.all([...clients.values()].map(async c => await c.client.endAsync(true)))
        clients.clear()
        throw err
      }
    },
    async send (gateway: GatewayEndpoint, payload: string): Promise<SendResult> {
      const client = clients.get(gateway.id)?.client
      if (client === undefined) return { ok: false, reason: 'not_connected' }
      try {
        await client.publishAsync(buildTopic({ site: gateway.site, id: gateway.id, channel: 'telemetry' }), payload, { qos: 1 })
        return { ok: true }
      } catch (err) {
        count('publish_failed')
        return { ok: false, reason: (err as Error).message }
      }
    },
    async close (): Promise<void> {
      const closeTimeout = config.closeTimeoutMs ?? 1000
      await Promise.all([...clients.values()].map(async ({ client, gateway }) => {
        if (client.connected) {
          const topic = buildTopic({ site: gateway.site, id: gateway.id, channel: 'status' })
          await within(client.publishAsync(topic, statusPayload('offline', gateway), { qos: 1, retain: true }).catch(() => undefined), closeTimeout)
        }
        if (await within(client.endAsync(false).then(() => true), closeTimeout) === undefined) await client.endAsync(true)
      }))
      clients.clear()
    },
    errors: () => ({ ...errors })
  }
}
