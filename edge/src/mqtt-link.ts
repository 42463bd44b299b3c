// A small MQTT 3.1.1 client for the uplink, on mqtt-packet (parser + generate) over node:net or
// node:tls: CONNECT (client id, credentials, keepalive, clean session, last will), CONNACK return
// codes, PINGREQ/PINGRESP with a timeout that closes a dead link, QoS 0/1 PUBLISH with packet ids
// and PUBACK matching, SUBSCRIBE, incoming PUBLISH (acknowledged). No reconnect, no offline queue,
// no persistence: the uplink owns all of that (its spool). It replaces mqtt.js in the agent, whose
// stream stack was the largest part of the agent's private memory (edge/README.md).
//
// The surface is the subset of mqtt.js's MqttClient the uplink uses (events connect, message,
// error, close; publish, subscribe, end), so a ws:// or wss:// uplink can still use mqtt.js.
import { EventEmitter } from 'node:events'
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import mqttPacket from 'mqtt-packet'
import type { Packet } from 'mqtt-packet'

export interface MqttLinkOptions {
  clientId: string
  clean: boolean
  keepalive: number
  connectTimeout: number
  username?: string
  password?: string
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  rejectUnauthorized?: boolean
  will?: { topic: string, payload: Buffer, qos: 0 | 1, retain: boolean }
}

export interface PublishOptions { qos: 0 | 1, retain?: boolean }
type Callback = (err?: Error) => void

/** What the uplink needs from a client; mqtt.js's MqttClient has the same shape. */
export interface MqttLink {
  on: ((event: 'connect', fn: () => void) => unknown) &
  ((event: 'message', fn: (topic: string, payload: Buffer) => void) => unknown) &
  ((event: 'error', fn: (err: Error) => void) => unknown) &
  ((event: 'close', fn: () => void) => unknown)
  publish: (topic: string, payload: string | Buffer, opts: PublishOptions, cb?: Callback) => unknown
  subscribe: (topic: string, opts: { qos: 0 | 1 }, cb?: (err: Error | null) => void) => unknown
  end: (force?: boolean, opts?: object, cb?: () => void) => unknown
}

const REFUSED: Record<number, string> = {
  1: 'Unacceptable protocol version',
  2: 'Identifier rejected',
  3: 'Server unavailable',
  4: 'Bad username or password',
  5: 'Not authorized'
}

const PINGREQ = mqttPacket.generate({ cmd: 'pingreq' })
const DISCONNECT = mqttPacket.generate({ cmd: 'disconnect' })

export function connectMqttLink (url: string, options: MqttLinkOptions): MqttLink {
  const u = new URL(url)
  const secure = u.protocol === 'mqtts:' || u.protocol === 'ssl:' || u.protocol === 'tls:'
  if (!secure && u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new Error(`unsupported uplink URL scheme ${u.protocol}`)
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
  const port = u.port !== '' ? Number(u.port) : secure ? 8883 : 1883

  const events = new EventEmitter()
  // An 'error' without a listener must not throw: the uplink always listens, but be safe.
  events.on('error', () => {})
  const socket: Socket = secure
    ? tlsConnect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: options.rejectUnauthorized ?? true
    })
    : netConnect({ host, port })
  socket.setNoDelay(true)
  const parser = mqttPacket.parser({ protocolVersion: 4 })

  let connected = false
  let closed = false
  let ending = false
  let pingOutstanding = false
  let nextId = 0
  const pubacks = new Map<number, Callback>()
  const subacks = new Map<number, (err: Error | null) => void>()
  const endCallbacks: Array<() => void> = []
  let keepaliveTimer: NodeJS.Timeout | undefined
  const connectTimer = setTimeout(() => { fail(new Error('connack timeout')) }, options.connectTimeout)

  function send (packet: Packet | Buffer, cb?: () => void): void {
    if (closed) return
    socket.write(Buffer.isBuffer(packet) ? packet : mqttPacket.generate(packet), cb === undefined ? undefined : () => cb())
  }

  function allocateId (): number {
    for (let i = 0; i < 65535; i++) {
      nextId = nextId >= 65535 ? 1 : nextId + 1
      if (!pubacks.has(nextId) && !subacks.has(nextId)) return nextId
    }
    throw new Error('no free MQTT packet id')
  }

  function fail (err: Error): void {
    if (closed) return
    events.emit('error', err)
    socket.destroy()
  }

  function onClose (): void {
    if (closed) return
    closed = true
    connected = false
    clearTimeout(connectTimer)
    clearInterval(keepaliveTimer)
    events.emit('close')
    // Nothing in flight survives the connection (clean session): tell the waiters.
    const lost = new Error('connection closed')
    for (const cb of pubacks.values()) cb(lost)
    for (const cb of subacks.values()) cb(lost)
    pubacks.clear()
    subacks.clear()
    for (const cb of endCallbacks.splice(0)) cb()
  }

  parser.on('packet', (packet: Packet) => {
    pingOutstanding = false
    switch (packet.cmd) {
      case 'connack': {
        if (connected) return
        clearTimeout(connectTimer)
        const rc = packet.returnCode ?? 0
        if (rc !== 0) { fail(new Error(`Connection refused: ${REFUSED[rc] ?? `return code ${rc}`}`)); return }
        connected = true
        if (options.keepalive > 0) {
          keepaliveTimer = setInterval(() => {
            if (pingOutstanding) { fail(new Error('Keepalive timeout')); return }
            pingOutstanding = true
            send(PINGREQ)
          }, options.keepalive * 1000)
        }
        events.emit('connect')
        return
      }
      case 'puback': {
        const id = packet.messageId as number
        const cb = pubacks.get(id)
        if (cb !== undefined) { pubacks.delete(id); cb() }
        return
      }
      case 'suback': {
        const id = packet.messageId as number
        const cb = subacks.get(id)
        if (cb === undefined) return
        subacks.delete(id)
        cb(packet.granted.some(g => (typeof g === 'number' ? g : (g as { qos: number }).qos) === 0x80) ? new Error('subscription refused by the broker') : null)
        return
      }
      case 'publish': {
        if (packet.qos === 1) send({ cmd: 'puback', messageId: packet.messageId })
        else if (packet.qos === 2) send({ cmd: 'pubrec', messageId: packet.messageId })
        events.emit('message', packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload))
        return
      }
      case 'pubrel':
        send({ cmd: 'pubcomp', messageId: packet.messageId })
        return
      default:
        // pingresp (handled above) and anything a broker should not send a client.
    }
  })
  parser.on('error', (err: Error) => { fail(err) })

  socket.on(secure ? 'secureConnect' : 'connect', () => {
    send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: options.clientId,
      clean: options.clean,
      keepalive: options.keepalive,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: Buffer.from(options.password) } : {}),
      ...(options.will !== undefined ? { will: { ...options.will } } : {})
    })
  })
  socket.on('data', (chunk: Buffer) => { parser.parse(chunk) })
  socket.on('error', (err: Error) => { if (!closed && !ending) events.emit('error', err) })
  socket.on('close', onClose)

  const link: MqttLink = {
    on (event: string, fn: (...args: any[]) => void) { events.on(event, fn); return link },
    publish (topic, payload, opts, cb) {
      if (!connected || ending) { cb?.(new Error('not connected')); return link }
      const body = typeof payload === 'string' ? Buffer.from(payload) : payload
      if (opts.qos === 0) {
        send({ cmd: 'publish', topic, payload: body, qos: 0, retain: opts.retain ?? false, dup: false }, cb)
        return link
      }
      const messageId = allocateId()
      pubacks.set(messageId, cb ?? (() => {}))
      send({ cmd: 'publish', topic, payload: body, qos: 1, retain: opts.retain ?? false, dup: false, messageId })
      return link
    },
    subscribe (topic, opts, cb) {
      if (!connected || ending) { cb?.(new Error('not connected')); return link }
      const messageId = allocateId()
      subacks.set(messageId, cb ?? (() => {}))
      send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos: opts.qos }] })
      return link
    },
    end (force, _opts, cb) {
      if (cb !== undefined) { if (closed) queueMicrotask(cb); else endCallbacks.push(cb) }
      if (closed) return link
      ending = true
      if (force === true || !connected) { socket.destroy(); return link }
      send(DISCONNECT, () => socket.end())
      return link
    }
  }
  return link
}
