// The fleet-status subscriber: its own MQTT connection (a service principal) subscribed to every
// `status`, `cmd` and `cmd-result` topic, and its own InfluxDB writer. Each message becomes at most
// one point (status-point.ts, command-point.ts) in a bounded queue (drop-oldest, every drop counted)
// that a single writer loop drains; nothing here ever waits on InfluxDB or blocks the broker, the
// pipeline or alerting. Messages published while this connection is down are not seen, except the
// retained status, which the broker delivers again on every (re)subscribe.
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt'
import { parseTopic, topicFilter, type Channel } from '@shennong/core/topics.ts'
import type { Logger } from '@shennong/core/logger.ts'
import { createMetricsRegistry, type MetricsRegistry } from '@shennong/core/metrics.ts'
import type { InfluxConfig } from '../influx/config.ts'
import { createInfluxWriter } from '../influx/create-writer.ts'
import { createPointBuffer } from '../influx/point-buffer.ts'
import { toGatewayStatusPoint, type MapResult } from './status-point.ts'
import { createCommandMemory, toCommandResultPoint, toCommandSentPoint } from './command-point.ts'
import type { FleetStatusMqtt } from './config.ts'

export const FLEET_STATUS_CHANNELS: readonly Channel[] = ['status', 'cmd', 'cmd-result']

export interface FleetStatusOptions {
  mqtt: FleetStatusMqtt
  /** Points kept while InfluxDB is slow or down; beyond it the oldest are dropped and counted. */
  maxPending: number
  /** Points per write at most. */
  batchPoints: number
  clientId?: string
  reconnectMs?: number
  /** Extra mqtt.js options (TLS material, …). */
  options?: IClientOptions
}

export interface FleetStatusDeps {
  influxConfig: InfluxConfig
  registry?: MetricsRegistry
  logger?: Logger
  now?: () => number
}

export interface FleetStatusStats {
  /** Messages by channel and outcome (queued, malformed, ignored). */
  messages: Record<string, number>
  written: number
  /** Points dropped, by reason: overflow (queue full), rejected (by InfluxDB), failed (write gave up). */
  dropped: Record<'overflow' | 'rejected' | 'failed', number>
  pending: number
  connected: boolean
  /** Connected and every subscription granted (cleared when the connection closes). */
  subscribed: boolean
}

export interface FleetStatus {
  client: MqttClient
  /** Resolves once every queued point is written or dropped. */
  idle: (timeoutMs?: number) => Promise<void>
  stats: () => FleetStatusStats
  /** Stops subscribing, gives queued points `drainMs` (default 2000) to be written, then stops the writer. */
  close: (options?: { drainMs?: number }) => Promise<void>
}

export function createFleetStatus (options: FleetStatusOptions, deps: FleetStatusDeps): FleetStatus {
  const registry = deps.registry ?? createMetricsRegistry()
  const now = deps.now ?? Date.now
  const logger = deps.logger
  const messages = registry.counter('shennong_fleet_status_messages_total', 'Status, cmd and cmd-result messages received, by channel and outcome (queued, malformed, ignored).')
  const written = registry.counter('shennong_fleet_status_points_written_total', 'gateway_status and command points written to InfluxDB.')
  const dropped = registry.counter('shennong_fleet_status_points_dropped_total', 'gateway_status and command points dropped, by reason (overflow: queue full, drop-oldest; rejected: by InfluxDB; failed: the write gave up).')
  const writer = createInfluxWriter(deps.influxConfig, { logger: logger?.child('influx') })
  const buffer = createPointBuffer({ maxPending: options.maxPending, batchPoints: options.batchPoints }, {
    writer,
    onWritten: count => { written.inc({}, count) },
    onDropped: (why, count, detail) => {
      dropped.inc({ reason: why }, count)
      if (why === 'rejected') logger?.warn('fleet status: InfluxDB rejected points', { count, reason: detail.reason })
      if (why === 'failed') logger?.warn('fleet status: write failed; points dropped', { err: detail.err, count })
    }
  })
  registry.gauge('shennong_fleet_status_pending', 'Points waiting to be written to InfluxDB.', buffer.pending)
  registry.gauge('shennong_fleet_status_connected', 'Whether the fleet-status subscriber is connected to the broker (1) or not (0).', () => client.connected ? 1 : 0)

  const memory = createCommandMemory()
  const warnedTopics = new Set<string>()
  let closing = false
  let subscribed = false

  const client = mqtt.connect(options.mqtt.url, {
    protocolVersion: 4,
    username: options.mqtt.username,
    password: options.mqtt.password,
    clientId: options.clientId ?? `shennong-fleet-status-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: options.reconnectMs ?? 1000,
    connectTimeout: 10_000,
    clean: true,
    resubscribe: false,
    ...options.options
  })
  const filters = FLEET_STATUS_CHANNELS.map(channel => topicFilter({ channel }))
  client.on('connect', () => {
    // A clean session: subscribe again on every connect (the broker then resends retained status).
    client.subscribe(filters, { qos: 1 }, (err, granted) => {
      if (err !== undefined && err !== null) { if (!closing) logger?.warn('fleet status: subscribe failed; retried on the next connect', { err }); return }
      const refused = (granted ?? []).filter(g => g.qos === 128).map(g => g.topic)
      if (refused.length > 0) logger?.error('fleet status: the broker refused subscriptions; give the principal a service role', { refused, username: options.mqtt.username })
      else subscribed = client.connected
    })
  })
  client.on('close', () => { subscribed = false })
  client.on('error', err => { logger?.warn('fleet status: connection problem; retrying', { err }) })
  client.on('message', (topic, payload) => { handleMessage(topic, payload) })

  function handleMessage (topic: string, payload: Buffer): void {
    const parts = parseTopic(topic)
    if (parts === null || !FLEET_STATUS_CHANNELS.includes(parts.channel)) return
    const receivedAt = now()
    let result: MapResult
    if (parts.channel === 'status') result = toGatewayStatusPoint(parts, payload, receivedAt)
    else if (parts.channel === 'cmd') result = toCommandSentPoint(parts, payload, receivedAt, memory)
    else result = toCommandResultPoint(parts, payload, receivedAt, memory)
    if (!result.ok) {
      messages.inc({ channel: parts.channel, outcome: result.outcome })
      if (result.outcome === 'malformed') {
        // Once per topic at warn (a misbehaving sender repeats itself), then at debug.
        const first = !warnedTopics.has(topic) && warnedTopics.size < 1000
        if (first) warnedTopics.add(topic)
        logger?.[first ? 'warn' : 'debug']('fleet status: malformed message skipped', { topic, reason: result.reason })
      }
      return
    }
    messages.inc({ channel: parts.channel, outcome: 'queued' })
    buffer.push(result.point)
  }

  function idle (timeoutMs = 30_000): Promise<void> {
    return buffer.idle(timeoutMs).catch((err: Error) => { throw new Error(`fleet status: ${err.message}`) })
  }

  let closed: Promise<void> | undefined
  return {
    client,
    idle,
    stats: () => {
      const byOutcome: Record<string, number> = {}
      for (const channel of FLEET_STATUS_CHANNELS) {
        for (const outcome of ['queued', 'malformed', 'ignored']) byOutcome[`${channel}.${outcome}`] = messages.get({ channel, outcome })
      }
      return {
        messages: byOutcome,
        written: written.get(),
        dropped: { overflow: dropped.get({ reason: 'overflow' }), rejected: dropped.get({ reason: 'rejected' }), failed: dropped.get({ reason: 'failed' }) },
        pending: buffer.pending(),
        connected: client.connected,
        subscribed
      }
    },
    close (closeOptions = {}) {
      closed ??= (async () => {
        closing = true
        await client.endAsync(true)
        await buffer.close(closeOptions.drainMs ?? 2000)
        await writer.close()
      })()
      return closed
    }
  }
}
