// `cmd` handling (ARCHITECTURE §2): {"id","name","args":{"device",…}} in, {"id","ok",…} out on
// `cmd-result`. A command runs between polls of its bus. Redelivered commands (QoS 1) are answered
// from memory, never executed twice.
import { ShennongError } from '@shennong/core/errors.ts'
import type { CommandRequest } from './sources/source.ts'

export interface CommandTarget {
  devices: string[]
  execute?: (cmd: CommandRequest) => Promise<Record<string, unknown>>
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>
}

export interface CommandMemory { results: Map<string, Record<string, unknown>> }

const MEMORY_SIZE = 1000

function refuse (id: unknown, code: string, message: string, ts: number): Record<string, unknown> {
  return { id: id ?? null, ok: false, error: { code, message }, ts }
}

export function createCommandMemory (): CommandMemory { return { results: new Map() } }

export async function handleCommand (payload: Buffer, targets: CommandTarget[], now: () => number, memory: CommandMemory): Promise<Record<string, unknown>> {
  let msg: unknown
  try { msg = JSON.parse(payload.toString('utf8')) } catch {
    return refuse(null, 'ERR_CMD_INVALID', 'command payload is not JSON; send {"id","name","args":{"device",…}}', now())
  }
  const m = msg as { id?: unknown, name?: unknown, args?: unknown }
  if (typeof msg !== 'object' || msg === null || (typeof m.id !== 'string' && typeof m.id !== 'number') || typeof m.name !== 'string' || typeof m.args !== 'object' || m.args === null || Array.isArray(m.args)) {
    return refuse(m?.id, 'ERR_CMD_INVALID', 'a command is {"id": string|number, "name": string, "args": {"device": string, …}}', now())
  }
  const key = String(m.id)
  const seen = memory.results.get(key)
  if (seen !== undefined) return seen
  const args = m.args as Record<string, unknown>
  const device = args.device
  let result: Record<string, unknown>
  const target = typeof device === 'string' ? targets.find(t => t.devices.includes(device)) : undefined
  if (typeof device !== 'string') result = refuse(m.id, 'ERR_CMD_INVALID', 'args.device names the device the command is for', now())
  else if (target === undefined || target.execute === undefined) result = refuse(m.id, 'ERR_CMD_UNKNOWN', `this gateway has no device "${device}" that takes commands`, now())
  else {
    const execute = target.execute
    try {
      const out = await target.exclusive(() => execute({ device, name: m.name as string, args }))
      result = { id: m.id, ok: true, device, name: m.name, result: out, ts: now() }
    } catch (err) {
      const e = err as ShennongError
      result = { ...refuse(m.id, e.code ?? 'ERR_CMD_FAILED', e.message, now()), device, name: m.name }
    }
  }
  memory.results.set(key, result)
  if (memory.results.size > MEMORY_SIZE) memory.results.delete(memory.results.keys().next().value as string)
  return result
}
