// Uplink (issue 3 §3, ARCHITECTURE §6.1): spooled readings go to the broker in batches (max readings,
// max bytes, max delay) as QoS 1 PUBLISHes; an entry leaves the spool only after the PUBACK of the
// message that carried it. One MQTT client per connection (mqtt-link.ts; mqtt.js, loaded only then,
// for ws:// and wss:// URLs), no automatic reconnect: on close the
// unacknowledged batches are handed out again from the spool (at-least-once; InfluxDB's point
// identity makes a redelivered reading one point) and the next attempt waits with backoff + jitter.
import { readFileSync } from 'node:fs'
import type { IClientOptions } from 'mqtt'
import { connectMqttLink, type MqttLink } from './mqtt-link.ts'
import { buildTopic } from '@shennong/core/topics.ts'
import type { DurableQueue, QueueEntry } from '@shennong/core/queue/durable-queue.ts'
import type { Logger } from '@shennong/core/logger.ts'

export const UPLINK_CONSUMER = 'uplink'

export interface UplinkConfig {
  url: string
  clientId: string
  site: string
  id: string
  username?: string
  password?: string
  tls?: { ca?: string, cert?: string, key?: string, rejectUnauthorized: boolean }
  batch: { maxReadings: number, maxBytes: number, maxDelayMs: number }
  inflight: number
  keepaliveS: number
  connectTimeoutMs: number
  reconnect: { minMs: number, maxMs: number, jitter: number }
  statusIntervalMs: number
}

export interface UplinkDeps {
  spool: DurableQueue
  logger: Logger
  /** The agent stats published in the retained status (besides state and ts). */
  status: () => Promise<Record<string, unknown>>
  onCommand: (payload: Buffer) => void
  now?: () => number
  random?: () => number
}

export interface UplinkStats {
  connected: boolean
  connects: number
  disconnects: number
  batches: number
  readings: number
  inflight: number
  lastConnectError: string | null
}

export interface Uplink {
  start: () => void
  stop: () => Promise<void>
  publishCommandResult: (result: Record<string, unknown>) => void
  stats: () => UplinkStats
  /** Publishes the retained status now (if connected). */
  publishStatus: () => Promise<void>
}

export function createUplink (config: UplinkConfig, deps: UplinkDeps): Uplink {
  const { spool, logger } = deps
  const now = deps.now ?? Date.now
  const random = deps.random ?? Math.random
  const topics = {
    telemetry: buildTopic({ site: config.site, id: config.id, channel: 'telemetry' }),
    status: buildTopic({ site: config.site, id: config.id, channel: 'status' }),
    cmd: buildTopic({ site: config.site, id: config.id, channel: 'cmd' }),
    cmdResult: buildTopic({ site: config.site, id: config.id, channel: 'cmd-result' })
  }
  const tlsFiles = config.tls === undefined
    ? {}
    : {
        ca: config.tls.ca !== undefined ? readFileSync(config.tls.ca) : undefined,
        cert: config.tls.cert !== undefined ? readFileSync(config.tls.cert) : undefined,
        key: config.tls.key !== undefined ? readFileSync(config.tls.key) : undefined,
        rejectUnauthorized: config.tls.rejectUnauthorized
      }

  const stats: UplinkStats = { connected: false, connects: 0, disconnects: 0, batches: 0, readings: 0, inflight: 0, lastConnectError: null }
  let client: MqttLink | undefined
  let epoch = 0
  let failedAttempts = 0
  let stopping = false
  let reconnectTimer: NodeJS.Timeout | undefined
  let statusTimer: NodeJS.Timeout | undefined
  /** Entries handed out by the spool and not yet published, oldest first. */
  let buffer: QueueEntry[] = []
  let pumping = false
  let kick: (() => void) | undefined

  function wakePump (): void { kick?.() }

  function connect (): void {
    const my = ++epoch
    const options = {
      clientId: config.clientId,
      clean: true,
      connectTimeout: config.connectTimeoutMs,
      keepalive: config.keepaliveS,
      username: config.username,
      password: config.password,
      ...tlsFiles,
      will: { topic: topics.status, payload: Buffer.from(JSON.stringify({ state: 'offline', ts: now(), reason: 'connection lost' })), qos: 1 as const, retain: true }
    }
    if (/^wss?:/i.test(config.url)) {
      // MQTT over WebSocket: mqtt.js, loaded only for such a URL.
      import('mqtt').then(m => {
        if (my !== epoch || stopping) return
        const jsOptions: IClientOptions = { ...options, reconnectPeriod: 0 }
        attach(m.default.connect(config.url, jsOptions) as unknown as MqttLink, my)
      }, (err: Error) => { logger.error('mqtt.js could not be loaded for a WebSocket uplink', { err }) })
      return
    }
    let link: MqttLink
    try {
      link = connectMqttLink(config.url, options)
    } catch (err) {
      stats.lastConnectError = (err as Error).message
      logger.error('uplink cannot connect', { err: err as Error, url: config.url })
      return
    }
    attach(link, my)
  }

  function attach (c: MqttLink, my: number): void {
    client = c
    c.on('connect', () => {
      if (my !== epoch) return
      failedAttempts = 0
      stats.connected = true
      stats.connects++
      stats.lastConnectError = null
      logger.info('uplink connected', { url: config.url })
      c.subscribe(topics.cmd, { qos: 1 }, err => { if (err != null) logger.warn('cmd subscription failed', { err }) })
      publishStatus().catch(() => {})
      void pump(c, my)
    })
    c.on('message', (_topic, payload) => { deps.onCommand(payload) })
    c.on('error', err => {
      if (my !== epoch) return
      stats.lastConnectError = err.message
      logger.warn('uplink error', { err })
    })
    c.on('close', () => {
      if (my !== epoch) return
      epoch++
      if (stats.connected) stats.disconnects++
      stats.connected = false
      stats.inflight = 0
      buffer = []
      spool.rewind(UPLINK_CONSUMER)
      c.end(true)
      wakePump()
      if (stopping) return
      failedAttempts++
      const base = Math.min(config.reconnect.maxMs, config.reconnect.minMs * 2 ** Math.min(failedAttempts - 1, 20))
      const delay = Math.round(base * (1 - config.reconnect.jitter + 2 * config.reconnect.jitter * random()))
      logger.info('uplink closed; reconnecting', { inMs: delay, attempt: failedAttempts })
      reconnectTimer = setTimeout(connect, delay)
    })
  }

  function waitFor (ms: number, alsoData: boolean): Promise<void> {
    return new Promise(resolve => {
      let done = false
      const finish = (): void => { if (done) return; done = true; clearTimeout(t); kick = undefined; resolve() }
      const t = setTimeout(finish, Math.min(ms, 1000))
      kick = finish
      // The queue's own wait holds a timer until it fires: keep it short so stop() is not held up.
      if (alsoData) spool.waitForData(Math.min(ms, 1000)).then(finish, finish)
    })
  }

  /** Cuts the next batch from the front of the buffer: returns it and whether a limit closed it. */
  function cutBatch (): { entries: QueueEntry[], full: boolean } {
    const { maxReadings, maxBytes } = config.batch
    let bytes = 2
    let n = 0
    while (n < buffer.length && n < maxReadings) {
      const size = buffer[n].payload.byteLength + (n === 0 ? 0 : 1)
      if (n > 0 && bytes + size > maxBytes) break
      bytes += size
      n++
    }
    return { entries: buffer.slice(0, n), full: n === maxReadings || n < buffer.length }
  }

  async function pump (c: MqttLink, my: number): Promise<void> {
    if (pumping) { wakePump(); return }
    pumping = true
    try {
      while (my === epoch && !stopping) {
        if (stats.inflight >= config.inflight) { await waitFor(1000, false); continue }
        if (buffer.length < config.batch.maxReadings) {
          const more = await spool.read(UPLINK_CONSUMER, config.batch.maxReadings)
          if (my !== epoch) break
          if (more.length > 0) buffer = buffer.concat(more)
        }
        if (buffer.length === 0) { await waitFor(1000, true); continue }
        const { entries, full } = cutBatch()
        const age = now() - entries[0].appendedAt
        if (!full && age < config.batch.maxDelayMs) { await waitFor(config.batch.maxDelayMs - age, true); continue }
        buffer = buffer.slice(entries.length)
        publishBatch(c, my, entries)
      }
    } finally {
      pumping = false
    }
    // A new connection may have come up while this loop was finishing.
    if (!stopping && client !== undefined && stats.connected && my !== epoch) void pump(client, epoch)
  }

  function publishBatch (c: MqttLink, my: number, entries: QueueEntry[]): void {
    const parts = entries.map(e => Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength))
    const payload = Buffer.concat([Buffer.from('['), ...parts.flatMap((p, i) => i === 0 ? [p] : [Buffer.from(','), p]), Buffer.from(']')])
    const ids = entries.map(e => e.id)
    stats.inflight++
    c.publish(topics.telemetry, payload, { qos: 1 }, err => {
      if (my !== epoch) return
      stats.inflight--
      if (err != null) { logger.warn('publish failed', { err }); wakePump(); return }
      spool.release(UPLINK_CONSUMER, ids).then(() => {
        stats.batches++
        stats.readings += ids.length
        wakePump()
      }, (releaseErr: Error) => { logger.error('spool release failed', { err: releaseErr }) })
    })
  }

  async function publishStatus (): Promise<void> {
    const c = client
    if (c === undefined || !stats.connected) return
    const body = { state: 'online', ts: now(), ...(await deps.status()) }
    await new Promise<void>(resolve => c.publish(topics.status, JSON.stringify(body), { qos: 1, retain: true }, () => resolve()))
  }

  return {
    start () {
      stopping = false
      connect()
      statusTimer = setInterval(() => { publishStatus().catch(() => {}) }, config.statusIntervalMs)
    },
    async stop () {
      stopping = true
      clearTimeout(reconnectTimer)
      clearInterval(statusTimer)
      wakePump()
      const c = client
      // Let PUBACKs of batches in flight come back, so they are released rather than sent again.
      const deadline = now() + 3000
      while (stats.connected && stats.inflight > 0 && now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
      if (c !== undefined && stats.connected) {
        const body = JSON.stringify({ state: 'offline', ts: now(), reason: 'stopped' })
        await new Promise<void>(resolve => {
          const t = setTimeout(resolve, 2000)
          c.publish(topics.status, body, { qos: 1, retain: true }, () => { clearTimeout(t); resolve() })
        })
      }
      epoch++
      stats.connected = false
      if (c !== undefined) {
        await new Promise<void>(resolve => {
          const t = setTimeout(() => { c.end(true); resolve() }, 2000)
          c.end(false, {}, () => { clearTimeout(t); resolve() })
        })
      }
    },
    publishCommandResult (result) {
      const c = client
      if (c === undefined || !stats.connected) { logger.warn('cmd-result not sent: uplink down', { id: result.id }); return }
      c.publish(topics.cmdResult, JSON.stringify(result), { qos: 1 })
    },
    stats: () => ({ ...stats }),
    publishStatus
  }
}
