// The gateways the simulator speaks as: `{ "gateways": [{ "site", "id", "secret", "kinds"?,
// "devices"? }] }`, the shape `shennong demo` writes (other top-level keys, such as `users`, are
// ignored). `kinds` lists the kinds a gateway carries; `devices` how many of each.
import { readFileSync } from 'node:fs'
import { isKind, type Kind } from '../../core/src/catalog.ts'
import { ShennongError } from '../../core/src/errors.ts'
import { isSegment } from '../../core/src/topics.ts'

export interface GatewayCredential {
  site: string
  id: string
  secret: string
  kinds?: Kind[]
  devices?: Partial<Record<Kind, number>>
}

export function parseCredentials (value: unknown, origin = 'credentials'): GatewayCredential[] {
  const problems: string[] = []
  const list = (value as { gateways?: unknown } | null)?.gateways
  if (!Array.isArray(list)) throw new ShennongError('ERR_SIM_CREDENTIALS', `${origin}: expected { "gateways": [{ "site", "id", "secret" }, …] }`)
  const gateways: GatewayCredential[] = []
  list.forEach((raw: unknown, i: number) => {
    const g = (raw ?? {}) as Record<string, unknown>
    const at = `${origin}: gateways[${i}]`
    if (!isSegment(g.site)) problems.push(`${at}.site must be a topic segment ([a-z0-9][a-z0-9_-]*), got ${JSON.stringify(g.site)}`)
    if (!isSegment(g.id)) problems.push(`${at}.id must be a topic segment ([a-z0-9][a-z0-9_-]*), got ${JSON.stringify(g.id)}`)
    if (g.secret !== undefined && typeof g.secret !== 'string') problems.push(`${at}.secret must be a string`)
    const kinds = g.kinds
    if (kinds !== undefined && (!Array.isArray(kinds) || !kinds.every(isKind))) problems.push(`${at}.kinds must list catalog kinds, got ${JSON.stringify(kinds)}`)
    const devices = g.devices
    if (devices !== undefined && (typeof devices !== 'object' || devices === null || !Object.entries(devices).every(([k, n]) => isKind(k) && Number.isInteger(n) && (n as number) >= 0))) {
      problems.push(`${at}.devices must map kinds to device counts, got ${JSON.stringify(devices)}`)
    }
    gateways.push({
      site: g.site as string,
      id: g.id as string,
      secret: typeof g.secret === 'string' ? g.secret : '',
      ...(Array.isArray(kinds) ? { kinds: kinds as Kind[] } : {}),
      ...(devices !== undefined ? { devices: devices as Partial<Record<Kind, number>> } : {})
    })
  })
  if (problems.length > 0) throw new ShennongError('ERR_SIM_CREDENTIALS', problems.join('\n'))
  return gateways
}

export function loadCredentials (file: string): GatewayCredential[] {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (cause) {
    throw new ShennongError('ERR_SIM_CREDENTIALS', `cannot read credentials ${file}: ${(cause as Error).message}`, { cause })
  }
  return parseCredentials(value, file)
}
