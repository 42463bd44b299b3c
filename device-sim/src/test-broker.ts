// An in-process Aedes broker on a free loopback port, and a subscriber that collects what the
// simulator published: the real parts the device-sim tests run against.
import { createServer, type AddressInfo } from 'node:net'
import { Aedes, type AedesOptions } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import { topicFilter } from '../../core/src/topics.ts'

export interface TestBroker {
  url: string
  broker: Aedes
  close: () => Promise<void>
}

export async function startTestBroker (options: AedesOptions = {}): Promise<TestBroker> {
  const broker = await Aedes.createBroker(options)
  const server = createServer(broker.handle)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `mqtt://127.0.0.1:${port}`,
    broker,
    close: async () => {
      await new Promise<void>(resolve => broker.close(() => resolve()))
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

export interface Collector {
  client: MqttClient
  /** Telemetry payloads as received, in order. */
  payloads: string[]
  /** Retained/last status payload per gateway id. */
  status: Map<string, Array<{ state: string }>>
  close: () => Promise<void>
}

export async function collectTelemetry (url: string): Promise<Collector> {
  const client = await mqtt.connectAsync(url, { clientId: 'test-collector', clean: true })
  const payloads: string[] = []
  const status = new Map<string, Array<{ state: string }>>()
  client.on('message', (topic, payload) => {
    const parts = topic.split('/')
    if (parts[4] === 'telemetry') payloads.push(payload.toString('utf8'))
    else if (parts[4] === 'status') status.set(parts[3], [...(status.get(parts[3]) ?? []), JSON.parse(payload.toString('utf8'))])
  })
  await client.subscribeAsync([topicFilter({ channel: 'telemetry' }), topicFilter({ channel: 'status' })], { qos: 1 })
  return { client, payloads, status, close: async () => { await client.endAsync() } }
}
