// Commands (ARCHITECTURE §2) as points of measurement `command`: one point when the platform sends
// a `cmd` (phase `sent`) and one when the gateway answers on `cmd-result` (phase `result`).
// Tags: site and gateway (the topic), device (args.device, else the topic's id), name, phase — all
// bounded. Fields: id, args (JSON text), value (args.value as a number, for state timelines),
// ok (integer 0/1), message and error_code (a refusal or failure), result (JSON text).
// A result that leaves out device or name (the edge does when it refuses a command) takes them from
// the command it answers, remembered by id.
import { isSegment, type TopicParts } from '@shennong/core/topics.ts'
import type { Point } from '../influx/writer.ts'
import { cut, decodeObject, pointTime, type MapResult } from './status-point.ts'

export const COMMAND_MEASUREMENT = 'command'
/** Command names go in a tag: short and plain. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/

interface Remembered { device: string, name: string, args: string }

/** The commands seen lately, by site, gateway and id (oldest forgotten first). */
export interface CommandMemory {
  get: (key: string) => Remembered | undefined
  set: (key: string, value: Remembered) => void
}

export function createCommandMemory (size = 10_000): CommandMemory {
  const map = new Map<string, Remembered>()
  return {
    get: key => map.get(key),
    set (key, value) {
      map.delete(key)
      map.set(key, value)
      if (map.size > size) map.delete(map.keys().next().value as string)
    }
  }
}

function idOf (v: unknown): string | undefined {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? cut(String(v)) : undefined
}

function json (v: unknown): string {
  return cut(JSON.stringify(v) ?? 'null')
}

/** A `cmd` published by the platform (Node-RED, the API): {"id","name","args":{…}}. */
export function toCommandSentPoint (topic: Pick<TopicParts, 'site' | 'id'>, payload: Buffer, receivedAt: number, memory: CommandMemory): MapResult {
  const decoded = decodeObject(payload)
  if (!decoded.ok) return decoded
  const c = decoded.value
  const id = idOf(c.id)
  if (id === undefined) return { ok: false, outcome: 'malformed', reason: 'a command has an id (string or number)' }
  if (typeof c.name !== 'string' || !NAME_RE.test(c.name)) return { ok: false, outcome: 'malformed', reason: 'a command has a name ([A-Za-z0-9_.:-], up to 64 characters)' }
  const args = typeof c.args === 'object' && c.args !== null && !Array.isArray(c.args) ? c.args as Record<string, unknown> : {}
  const device = isSegment(args.device) ? args.device : topic.id
  const argsText = json(args)
  memory.set(`${topic.site}/${topic.id}/${id}`, { device, name: c.name, args: argsText })
  const fields: Point['fields'] = { id, args: argsText }
  if (typeof args.value === 'number' && Number.isFinite(args.value)) fields.value = args.value
  else if (typeof args.value === 'boolean') fields.value = args.value ? 1 : 0
  return {
    ok: true,
    point: { measurement: COMMAND_MEASUREMENT, tags: { site: topic.site, gateway: topic.id, device, name: c.name, phase: 'sent' }, fields, ts: pointTime(c.ts, receivedAt) }
  }
}

/** A `cmd-result` published by the gateway: {"id","ok",…, "error":{"code","message"}}. */
export function toCommandResultPoint (topic: Pick<TopicParts, 'site' | 'id'>, payload: Buffer, receivedAt: number, memory: CommandMemory): MapResult {
  const decoded = decodeObject(payload)
  if (!decoded.ok) return decoded
  const r = decoded.value
  if (typeof r.ok !== 'boolean') return { ok: false, outcome: 'malformed', reason: 'a command result has ok: true or false' }
  const id = idOf(r.id)
  const sent = id === undefined ? undefined : memory.get(`${topic.site}/${topic.id}/${id}`)
  const device = isSegment(r.device) ? r.device : sent?.device ?? topic.id
  const name = typeof r.name === 'string' && NAME_RE.test(r.name) ? r.name : sent?.name ?? ''
  const fields: Point['fields'] = { ok: { int: r.ok ? 1 : 0 } }
  if (id !== undefined) fields.id = id
  if (sent !== undefined) fields.args = sent.args
  const error = typeof r.error === 'object' && r.error !== null ? r.error as Record<string, unknown> : undefined
  if (typeof error?.code === 'string') fields.error_code = cut(error.code)
  if (typeof error?.message === 'string') fields.message = cut(error.message)
  else if (typeof r.message === 'string') fields.message = cut(r.message)
  if (r.result !== undefined) fields.result = json(r.result)
  return {
    ok: true,
    point: { measurement: COMMAND_MEASUREMENT, tags: { site: topic.site, gateway: topic.id, device, name, phase: 'result' }, fields, ts: pointTime(r.ts, receivedAt) }
  }
}
