// A load generator for multi-process tests and benchmarks: a gateway publishing readings over MQTT
// QoS 1, counting a reading as acknowledged only when the PUBACK of its message arrived, and
// re-sending a message whose publish failed (same readings, same seq: storage makes it idempotent).
import mqtt, { type MqttClient } from 'mqtt'
import { buildTopic } from '../../core/src/topics.ts'
import { connectMqttLink, type MqttLink } from '../../edge/src/mqtt-link.ts'

export interface LoadOptions {
  mqttUrl: string
  gateway: { id: string, site: string, secret: string }
  devices: number
  perMessage: number
  /** Messages per second across all devices; 0 = as fast as the in-flight window allows. */
  messagesPerSecond: number
  /** Maximum unacknowledged messages. */
  inFlight?: number
  /** Start of the simulated timeline (ms); each reading of a device is 1 s after the previous. */
  startTs?: number
  /** Kind of the readings: `soil` (default) or `weather`, so two loads can be told apart. */
  kind?: 'soil' | 'weather'
  /** Remember every reading's publish time in `publishedAt` (memory grows with the run). */
  trackPublishTimes?: boolean
  /**
   * `mqtt.js` (default: reconnects, which the tests that kill the broker need) or `link`, the edge
   * agent's lean MQTT 3.1.1 client (no reconnect), for benchmarks, where the sender shares the
   * cores with the system it measures.
   */
  client?: 'mqtt.js' | 'link'
}

export interface Load {
  /** device → seqs acknowledged. */
  acked: Map<string, Set<number>>
  sent: () => number
  ackedCount: () => number
  /** When the publish of a reading's message was called (for latency measurements). */
  publishedAt: Map<string, number>
  /** The last reading of the message published last, and when (performance.now()). */
  lastPublished: () => { device: string, ts: number, at: number } | undefined
  /** Stop sending new messages; resolves when every sent message was acknowledged. */
  stop: (timeoutMs?: number) => Promise<void>
  client: MqttClient | MqttLink
}

export function deviceName (i: number): string {
  return `dev-${String(i).padStart(4, '0')}`
}

export function startLoad (options: LoadOptions): Load {
  let connected = false
  const client: MqttClient | MqttLink = options.client === 'link'
    ? connectMqttLink(options.mqttUrl, {
      clientId: `load-${Math.random().toString(36).slice(2, 10)}`,
      clean: true,
      keepalive: 60,
      connectTimeout: 5000,
      username: options.gateway.id,
      password: options.gateway.secret
    })
    : mqtt.connect(options.mqttUrl, {
      username: options.gateway.id,
      password: options.gateway.secret,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 250,
      connectTimeout: 5000,
      resubscribe: false
    })
  client.on('error', () => { /* mqtt.js reconnects by itself; failures are counted per message */ })
  client.on('close', () => { connected = false })
  const topic = buildTopic({ site: options.gateway.site, id: options.gateway.id, channel: 'telemetry' })
  const acked = new Map<string, Set<number>>()
  const publishedAt = new Map<string, number>()
  const seqs = new Array<number>(options.devices).fill(0)
  const startTs = options.startTs ?? Date.now() - 86_400_000
  const window = options.inFlight ?? 200
  let outstanding = 0
  let sent = 0
  let ackedCount = 0
  let stopped = false
  let device = 0
  let waiters: Array<() => void> = []
  let lastMessage: { device: string, ts: number, at: number } | undefined

  /**
   * The next message: `perMessage` consecutive readings of one device. Its payload is written
   * directly as the JSON text JSON.stringify gives for the same readings (the sender shares the
   * cores with the system under test, so it should cost little); a resend reuses it.
   */
  interface Message { device: string, firstSeq: number, count: number, lastTs: number, payload: string }

  // The metric values cycle, so their JSON text is made once.
  const cycle = (n: number, f: (i: number) => number): string[] => Array.from({ length: n }, (_, i) => String(f(i)))
  const moisture = cycle(100, i => 20 + i / 10)
  const soilTemperature = cycle(50, i => 15 + i / 10)
  const humidity = cycle(40, i => 40 + i)
  const kind = options.kind ?? 'soil'

  function readingJson (device: string, seq: number): string {
    const ts = startTs + seq * 1000
    const metrics = kind === 'weather'
      ? `{"temperature_c":${soilTemperature[seq % 50]},"humidity_pct":${humidity[seq % 40]}}`
      : `{"moisture_vwc_pct":${moisture[seq % 100]},"temperature_c":${soilTemperature[seq % 50]}}`
    return `{"device":"${device}","kind":"${kind}","ts":${ts},"seq":${seq},"metrics":${metrics}}`
  }

  function nextMessage (): Message {
    const d = device
    device = (device + 1) % options.devices
    const name = deviceName(d)
    const firstSeq = seqs[d] + 1
    seqs[d] += options.perMessage
    const parts: string[] = []
    for (let i = 0; i < options.perMessage; i++) parts.push(readingJson(name, firstSeq + i))
    const payload = options.perMessage === 1 ? parts[0] : `[${parts.join(',')}]`
    return { device: name, firstSeq, count: options.perMessage, lastTs: startTs + (firstSeq + options.perMessage - 1) * 1000, payload }
  }

  function send (message: Message): void {
    outstanding++
    const now = performance.now()
    lastMessage = { device: message.device, ts: message.lastTs, at: now }
    if (options.trackPublishTimes === true) for (let i = 0; i < message.count; i++) publishedAt.set(`${message.device}:${message.firstSeq + i}`, now)
    client.publish(topic, message.payload, { qos: 1 }, err => {
      if (err !== undefined && err !== null) {
        // Not acknowledged: it may or may not have been stored, so it is sent again.
        outstanding--
        setTimeout(() => send(message), 200)
        return
      }
      outstanding--
      let set = acked.get(message.device)
      if (set === undefined) { set = new Set(); acked.set(message.device, set) }
      for (let i = 0; i < message.count; i++) {
        const seq = message.firstSeq + i
        if (!set.has(seq)) { set.add(seq); ackedCount++ }
      }
      if (outstanding === 0) { for (const w of waiters) w(); waiters = [] }
      pump()
    })
    sent++
  }

  let budget = 0
  let last = performance.now()
  let timer: NodeJS.Timeout | undefined
  function pump (): void {
    if (stopped || (options.client === 'link' && !connected)) return
    if (options.messagesPerSecond > 0) {
      const now = performance.now()
      budget = Math.min(budget + (now - last) * options.messagesPerSecond / 1000, options.messagesPerSecond)
      last = now
    }
    while (outstanding < window && (options.messagesPerSecond === 0 || budget >= 1)) {
      if (options.messagesPerSecond > 0) budget--
      send(nextMessage())
    }
  }
  timer = setInterval(pump, 10)
  client.on('connect', () => { connected = true; pump() })

  return {
    acked,
    publishedAt,
    lastPublished: () => lastMessage,
    sent: () => sent,
    ackedCount: () => ackedCount,
    client,
    async stop (timeoutMs = 60_000) {
      stopped = true
      clearInterval(timer)
      timer = undefined
      if (outstanding > 0) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`${outstanding} messages still unacknowledged after ${timeoutMs} ms`)), timeoutMs)
          waiters.push(() => { clearTimeout(t); resolve() })
        })
      }
      if (options.client === 'link') await new Promise<void>(resolve => { (client as MqttLink).end(false, {}, resolve) })
      else await (client as MqttClient).endAsync()
    }
  }
}

/** Reads every (device, seq) of a measurement back from InfluxDB (1.x /query). */
export async function storedSeqs (influxUrl: string, measurement: string, database = 'shennong'): Promise<{ points: number, byDevice: Map<string, number[]> }> {
  const byDevice = new Map<string, number[]>()
  let points = 0
  const q = `SELECT "seq" FROM "${measurement}" GROUP BY "device"`
  const res = await fetch(`${influxUrl}/query?db=${database}&epoch=ms&q=${encodeURIComponent(q)}`)
  const body = await res.json() as { results: Array<{ series?: Array<{ tags: { device: string }, values: Array<[number, number]> }>, error?: string }> }
  const result = body.results[0]
  if (result.error !== undefined) throw new Error(result.error)
  for (const s of result.series ?? []) {
    const list = s.values.map(v => v[1])
    points += list.length
    byDevice.set(s.tags.device, list)
  }
  return { points, byDevice }
}

/** Compares acknowledged and stored sets: what is missing, what is extra, what is duplicated. */
export function compareSets (acked: Map<string, Set<number>>, stored: Map<string, number[]>): { missing: string[], extra: string[], duplicated: string[] } {
  const missing: string[] = []
  const extra: string[] = []
  const duplicated: string[] = []
  for (const [device, seqs] of acked) {
    const have = new Set(stored.get(device) ?? [])
    for (const s of seqs) if (!have.has(s)) missing.push(`${device}:${s}`)
  }
  for (const [device, list] of stored) {
    const want = acked.get(device) ?? new Set()
    const seen = new Set<number>()
    for (const s of list) {
      if (seen.has(s)) duplicated.push(`${device}:${s}`)
      seen.add(s)
      if (!want.has(s)) extra.push(`${device}:${s}`)
    }
  }
  return { missing, extra, duplicated }
}
