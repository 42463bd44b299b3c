// Test fixture: a plain Aedes broker in this process on a TCP port that survives restarts (stop,
// start again on the same port), with an in-process subscriber that sees every message before
// its PUBACK goes out. Used only by tests.
import { createServer, type Server, type Socket } from 'node:net'
import { Aedes } from 'aedes'

export interface BrokerFixture {
  port: number
  url: string
  broker: () => Aedes
  /** Messages seen on `filter` since the fixture started (across restarts). */
  received: Array<{ topic: string, payload: Buffer, retain: boolean }>
  start: () => Promise<void>
  stop: () => Promise<void>
  publish: (topic: string, payload: string) => Promise<void>
}

export async function startBrokerFixture (filter: string): Promise<BrokerFixture> {
  let broker: Aedes | undefined
  let server: Server | undefined
  const sockets = new Set<Socket>()
  const received: BrokerFixture['received'] = []
  let port = 0

  async function start (): Promise<void> {
    const b = await Aedes.createBroker()
    await new Promise<void>(resolve => b.subscribe(filter, (packet, cb) => {
      received.push({ topic: packet.topic, payload: Buffer.from(packet.payload as Buffer), retain: packet.retain })
      cb()
    }, () => resolve()))
    const s = createServer(socket => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      b.handle(socket)
    })
    await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(port, '127.0.0.1', () => resolve()) })
    port = (s.address() as { port: number }).port
    broker = b
    server = s
  }

  async function stop (): Promise<void> {
    const s = server
    const b = broker
    server = undefined
    broker = undefined
    for (const socket of sockets) socket.destroy()
    if (s !== undefined) await new Promise<void>(resolve => s.close(() => resolve()))
    if (b !== undefined) await new Promise<void>(resolve => b.close(() => resolve()))
  }

  await start()
  return {
    get port () { return port },
    get url () { return `mqtt://127.0.0.1:${port}` },
    broker: () => { if (broker === undefined) throw new Error('broker stopped'); return broker },
    received,
    start,
    stop,
    publish: (topic, payload) => new Promise<void>((resolve, reject) => {
      if (broker === undefined) { reject(new Error('broker stopped')); return }
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, err => (err != null ? reject(err) : resolve()))
    })
  }
}
