// Source `mqtt-local`: sensors on the gateway's LAN that publish JSON to a local broker (Tasmota,
// ESPHome, Zigbee2MQTT, home-made ESP32 boards). Each subscription maps a topic filter and JSON
// fields to readings; `{1}`, `{2}`… in the device template are the topic's wildcard segments.
import mqtt, { type MqttClient } from 'mqtt'
import { CATALOG, isKind, type Kind } from '@shennong/core/catalog.ts'
import { parseTimestamp } from '@shennong/core/reading.ts'
import { isSegment } from '@shennong/core/topics.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { MqttLocalConfig } from './mqtt-local-config.ts'
import type { ReadingDraft, Source, SourceDefinition, SourceIo } from '../source.ts'


/** MQTT 3.1.1 §4.7 filter matching; returns the wildcard segments or null. */
export function matchFilter (filter: string, topic: string): string[] | null {
  const f = filter.split('/')
  const t = topic.split('/')
  const caught: string[] = []
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') { caught.push(t.slice(i).join('/')); return caught }
    if (i >= t.length) return null
    if (f[i] === '+') caught.push(t[i])
    else if (f[i] !== t[i]) return null
  }
  return f.length === t.length ? caught : null
}

function pick (obj: unknown, path: string): unknown {
  let node = obj
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

export interface MessageMapper { handle: (topic: string, payload: Buffer) => void }

export function createMessageMapper (config: MqttLocalConfig, io: SourceIo, now: () => number = Date.now): MessageMapper {
  const subs = config.subscriptions.map(s => {
    if (!isKind(s.kind)) throw new ShennongError('ERR_EDGE_CONFIG', `mqtt-local ${config.name}: unknown kind "${s.kind}"`)
    const kind: Kind = s.kind
    const unknown = Object.values(s.fields).filter(m => !Object.hasOwn(CATALOG[kind], m))
    if (unknown.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `mqtt-local ${config.name}: ${unknown.join(', ')} not in the catalog for kind ${kind}`)
    return { ...s, kind }
  })
  return {
    handle (topic, payload) {
      const sub = subs.find(s => matchFilter(s.filter, topic) !== null)
      if (sub === undefined) return
      const caught = matchFilter(sub.filter, topic) as string[]
      const device = sub.device.replace(/\{(\d+)\}/g, (_m, n: string) => (caught[Number(n) - 1] ?? '').toLowerCase())
      if (!isSegment(device)) { io.fault(`${config.name}`, 'device', new ShennongError('ERR_EDGE_CONFIG', `topic ${topic} gives device "${device}", not a valid id`)); return }
      let body: unknown
      try { body = JSON.parse(payload.toString('utf8')) } catch { io.fault(device, 'parse'); return }
      const metrics: Record<string, number> = {}
      for (const [path, metric] of Object.entries(sub.fields)) {
        const v = pick(body, path)
        const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
        if (typeof n === 'number' && Number.isFinite(n)) metrics[metric] = n
      }
      if (Object.keys(metrics).length === 0) { io.fault(device, 'parse'); return }
      const draft: ReadingDraft = { device, kind: sub.kind, metrics }
      if (sub.ts !== undefined) {
        const ts = parseTimestamp(pick(body, sub.ts))
        if (typeof ts === 'number') draft.ts = ts
        else { io.fault(device, 'ts'); draft.ts = now() }
      }
      io.emit(draft)
    }
  }
}

function create (config: MqttLocalConfig): Source {
  createMessageMapper(config, { emit: () => {}, fault: () => {} })
  let client: MqttClient | undefined
  return {
    devices: config.devices,
    tasks: [],
    async start (io) {
      const mapper = createMessageMapper(config, io)
      const c = mqtt.connect(config.url, { username: config.username, password: config.password, reconnectPeriod: 2000, clean: true })
      client = c
      c.on('connect', () => { c.subscribe(config.subscriptions.map(s => s.filter), { qos: 1 }) })
      c.on('error', err => io.fault(config.name, 'connection', err))
      c.on('message', (topic, payload) => mapper.handle(topic, payload))
    },
    async stop () {
      const c = client
      client = undefined
      if (c !== undefined) await new Promise<void>(resolve => c.end(true, {}, () => resolve()))
    }
  }
}

export const mqttLocal: SourceDefinition<MqttLocalConfig> = {
  kind: 'mqtt-local',
  create: config => create(config)
}
