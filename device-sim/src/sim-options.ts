// runSim's options, as a person or a test writes them, and their resolution into a FleetConfig:
// durations as strings with units, device counts and faults as `k=v,…` text or objects, times as
// ISO 8601 or as an offset from the start ("6h"). Every problem is reported at once.
import { isKind, KINDS, type Kind } from '../../core/src/catalog.ts'
import { parseDuration } from '../../core/src/duration.ts'
import { ShennongError } from '../../core/src/errors.ts'
import type { Logger } from '../../core/src/logger.ts'
import { loadCredentials, type GatewayCredential } from './credentials.ts'
import { parseFaults, type FaultSpec } from './faults.ts'
import type { FleetConfig } from './fleet.ts'
import { deviceId, planFleet } from './fleet-plan.ts'
import { HOUR, PORT_ZHOUSHAN, type LatLon } from './models/model.ts'

export interface SimOptions {
  mqttUrl?: string
  httpUrl?: string
  /** A credentials file, or its gateways. Omitted: demo mode (generated sites, no secrets). */
  credentials?: string | readonly GatewayCredential[]
  /** `soil=10,water=4` or `{ soil: 10, water: 4 }`. Default: soil=10,water=4,air=4,weather=2,vessel=5,cold_chain=2. */
  devices?: string | Partial<Record<Kind, number>>
  /** `soil=farm-a+farm-b,water=river-1` or an object: the sites that carry each kind. */
  sites?: string | Partial<Record<Kind, readonly string[]>>
  devicesPerSite?: number
  devicePrefix?: string
  interval?: string | number
  perMessage?: number
  duration?: string | number
  messages?: number
  seed?: number
  /** ISO 8601 time or epoch ms of the first reading. */
  start?: string | number
  /** Time acceleration (simulated ms per wall ms), or 'max'. Default 1. */
  speed?: number | 'max'
  seqStart?: number
  window?: number
  faults?: string | FaultSpec
  burstTicks?: number
  /** A soil plot that dries steadily: true (the first soil device) or device ids. */
  dry?: boolean | string | readonly string[]
  /** %VWC per day for dry plots. Default 4. */
  dryRate?: number
  waterEpisode?: string | number
  airEpisode?: string | number
  excursion?: string | number
  excursionDuration?: string | number
  port?: LatLon
  drainTimeout?: string | number
  httpRetries?: number
  /** Write the report here as JSON. */
  report?: string
  logger?: Logger
  /** Aborting stops the run; runSim still resolves with the report. */
  signal?: AbortSignal
}

export type Transport = { kind: 'mqtt', url: string } | { kind: 'http', url: string, retries: number }

export interface ResolvedSim {
  fleet: FleetConfig
  transport: Transport
}

export const DEFAULT_DEVICES = 'soil=10,water=4,air=4,weather=2,vessel=5,cold_chain=2'

function parseList<T> (text: string, what: string, value: (v: string, key: string) => T, problems: string[]): Partial<Record<Kind, T>> {
  const out: Partial<Record<Kind, T>> = {}
  for (const part of text.split(',').map(s => s.trim()).filter(s => s !== '')) {
    const [key, v = ''] = part.split('=')
    if (!isKind(key)) problems.push(`${what}: unknown kind "${key}"; one of ${KINDS.join(', ')}`)
    else out[key] = value(v, key)
  }
  return out
}

export function resolveSimOptions (o: SimOptions, wallNow: number): ResolvedSim {
  const problems: string[] = []
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try { return fn() } catch (err) { problems.push((err as Error).message); return fallback }
  }
  const duration = (v: string | number | undefined, name: string, fallback: number): number => {
    if (v === undefined) return fallback
    const ms = attempt(() => parseDuration(v), fallback)
    if (ms > 0) return ms
    problems.push(`${name} must be longer than 0`)
    return fallback
  }
  const positiveInt = (v: number | undefined, name: string, fallback: number, min = 1): number => {
    if (v === undefined) return fallback
    if (!Number.isSafeInteger(v) || v < min) { problems.push(`${name} must be a whole number ≥ ${min}, got ${v}`); return fallback }
    return v
  }

  let transport: Transport = { kind: 'mqtt', url: '' }
  if ((o.mqttUrl === undefined) === (o.httpUrl === undefined)) problems.push('give exactly one of --mqtt-url or --http-url')
  else if (o.mqttUrl !== undefined) transport = { kind: 'mqtt', url: o.mqttUrl }
  else transport = { kind: 'http', url: o.httpUrl as string, retries: positiveInt(o.httpRetries, 'http retries', 5, 0) }

  const devices = typeof o.devices === 'object'
    ? o.devices
    : parseList(o.devices ?? DEFAULT_DEVICES, 'devices', (v, k) => {
      const n = Number(v)
      if (!Number.isSafeInteger(n) || n < 0) problems.push(`devices: ${k}=${v} is not a whole number`)
      return n
    }, problems)
  const sitesByKind = typeof o.sites === 'object'
    ? o.sites
    : o.sites === undefined ? undefined : parseList(o.sites, 'sites', v => v.split('+').filter(s => s !== ''), problems)
  const gateways = typeof o.credentials === 'string' ? attempt(() => loadCredentials(o.credentials as string), []) : o.credentials
  const intervalMs = duration(o.interval, 'interval', 5000)
  const perMessage = positiveInt(o.perMessage, 'readings per message', 1)
  const durationMs = o.duration === undefined ? undefined : duration(o.duration, 'duration', 60_000)
  const messages = o.messages === undefined ? undefined : positiveInt(o.messages, 'messages', 1)
  const speed = o.speed === 'max' ? Infinity : o.speed ?? 1
  if (!(speed > 0)) problems.push(`speed must be a positive number or "max", got ${String(o.speed)}`)
  const devicesPerSite = positiveInt(o.devicesPerSite, 'devices per site', 10)
  const devicePrefix = o.devicePrefix ?? ''
  const faultText = o.faults
  const faults = typeof faultText === 'object' ? faultText : attempt(() => parseFaults(faultText ?? ''), {})

  // Backfilling (speed > 1) starts in the past so that the simulated span ends about now.
  let startTs = wallNow
  if (o.start !== undefined) {
    startTs = typeof o.start === 'number' ? o.start : Date.parse(o.start)
    if (!Number.isFinite(startTs)) { problems.push(`start "${String(o.start)}" is not an ISO 8601 time`); startTs = wallNow }
  } else if (speed > 1) {
    const total = Object.values(devices).reduce((a, b) => a + (b ?? 0), 0)
    const span = durationMs ?? (messages !== undefined && total > 0 ? Math.ceil(messages * perMessage / total) * intervalMs : 0)
    startTs = wallNow - Math.ceil(span / intervalMs) * intervalMs
  }
  const at = (v: string | number | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined
    if (typeof v === 'number') return v
    if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(v.trim())) return startTs + parseDuration(v)
    const t = Date.parse(v)
    if (!Number.isFinite(t)) { problems.push(`${name} "${v}" is neither an offset from the start ("6h") nor an ISO 8601 time`); return undefined }
    return t
  }

  let dry: readonly string[] = []
  if (o.dry === true) dry = [deviceId(devicePrefix, 'soil', 1)]
  else if (typeof o.dry === 'string') dry = o.dry.split(',').map(s => s.trim()).filter(s => s !== '')
  else if (Array.isArray(o.dry)) dry = o.dry

  const scenario: FleetConfig['scenario'] = {
    dry,
    dryRatePctPerDay: o.dryRate ?? 4,
    coldChainExcursionMs: duration(o.excursionDuration, 'excursion duration', 2 * HOUR),
    port: o.port ?? PORT_ZHOUSHAN
  }
  const water = at(o.waterEpisode, 'water episode')
  const airAt = at(o.airEpisode, 'air episode')
  const excursion = at(o.excursion, 'excursion')
  if (water !== undefined) scenario.waterEpisodeAt = water
  if (airAt !== undefined) scenario.airEpisodeAt = airAt
  if (excursion !== undefined) scenario.coldChainExcursionAt = excursion

  const fleet: FleetConfig = {
    devices,
    ...(gateways !== undefined ? { gateways } : {}),
    ...(sitesByKind !== undefined ? { sitesByKind } : {}),
    devicesPerSite,
    devicePrefix,
    intervalMs,
    perMessage,
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(messages !== undefined ? { messages } : {}),
    startTs,
    speed,
    seed: positiveInt(o.seed, 'seed', 1, 0),
    seqStart: positiveInt(o.seqStart, 'seq start', 1, 0),
    window: positiveInt(o.window, 'window', 32),
    faults,
    burstTicks: positiveInt(o.burstTicks, 'burst ticks', 10),
    drainTimeoutMs: duration(o.drainTimeout, 'drain timeout', 10_000),
    scenario
  }
  if (problems.length === 0) {
    const planned = attempt(() => planFleet(fleet), [])
    const known = new Set(planned.flatMap(g => g.devices.map(d => d.id)))
    for (const id of dry) if (!known.has(id)) problems.push(`dry plot "${id}" is not a device of this fleet`)
    if (problems.length === 0 && planned.length === 0) problems.push('the fleet has no devices; use --devices soil=10,…')
  }
  if (problems.length > 0) {
    throw new ShennongError('ERR_SIM_OPTIONS', `device-sim options have ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(p => `  - ${p}`).join('\n')}`, { details: { problems } })
  }
  return { fleet, transport }
}
