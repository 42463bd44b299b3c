import t from 'tap'
import { createServer, type Server, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'
import { buildTopic } from '@shennong/core/topics.ts'
import { connectMqttLink } from './mqtt-link.ts'

/** A TCP server that answers CONNECT with the given CONNACK (or nothing) and then stays silent. */
async function silentBroker (t: { teardown: (fn: () => void) => void }, connack: number | null): Promise<{ url: string, packets: string[] }> {
  const packets: string[] = []
  const sockets: Socket[] = []
  const server: Server = createServer(socket => {
    sockets.push(socket)
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    parser.on('packet', p => {
      packets.push(p.cmd)
      if (p.cmd === 'connect' && connack !== null) socket.write(mqttPacket.generate({ cmd: 'connack', returnCode: connack, sessionPresent: false }))
    })
    socket.on('data', chunk => parser.parse(chunk))
    socket.on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close() })
  return { url: `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`, packets }
}

const options = { clientId: 'gw-1', clean: true, keepalive: 1, connectTimeout: 500 }

t.test('a link whose broker stops answering PINGREQ is closed', async t => {
  const broker = await silentBroker(t, 0)
  const link = connectMqttLink(broker.url, options)
  const errors: string[] = []
  let connectedAt = 0
  link.on('connect', () => { connectedAt = Date.now() })
  link.on('error', err => errors.push(err.message))
  await new Promise<void>(resolve => link.on('close', () => resolve()))
  const lived = Date.now() - connectedAt
  t.ok(connectedAt > 0, 'connected first')
  t.ok(lived >= 1500 && lived < 4000, `closed ${lived} ms after CONNACK (keepalive 1 s)`)
  t.same(errors, ['Keepalive timeout'])
  t.same(broker.packets, ['connect', 'pingreq'])
})

t.test('a refused CONNACK and a missing CONNACK close the link with an error', async t => {
  for (const [connack, message] of [[5, /Not authorized/], [null, /connack timeout/]] as const) {
    const broker = await silentBroker(t, connack)
    const link = connectMqttLink(broker.url, options)
    const errors: string[] = []
    link.on('error', err => errors.push(err.message))
    let connected = false
    link.on('connect', () => { connected = true })
    await new Promise<void>(resolve => link.on('close', () => resolve()))
    t.equal(connected, false)
    t.match(errors.join(), message)
  }
})

t.test('a QoS 1 publish on a closing link is answered with an error', async t => {
  const broker = await silentBroker(t, 0)
  const link = connectMqttLink(broker.url, { ...options, keepalive: 30 })
  await new Promise<void>(resolve => link.on('connect', () => resolve()))
  const result = new Promise<Error | undefined>(resolve => link.publish(buildTopic({ site: 's-1', id: 'gw-1', channel: 'telemetry' }), 'x', { qos: 1 }, resolve))
  link.end(true)
  t.match(await result, { message: 'connection closed' })
})
