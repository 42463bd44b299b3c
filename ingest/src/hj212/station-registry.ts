// The station registry: MN → site, device, password, kind, DataTime zone and factor mapping.
// Built once from the config (inline list plus stationsFile); every problem is reported together.
import { timingSafeEqual } from 'node:crypto'
import { metricSpec } from '@shennong/core/catalog.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { FactorMapping, StationConfig } from './config.ts'
import { BUILTIN_FACTORS } from './factor-table.ts'

export interface Station {
  readonly mn: string
  readonly site: string
  readonly device: string
  readonly kind: 'air' | 'water'
  /** Minutes east of UTC of the station's DataTime. */
  readonly tzOffsetMinutes: number
  readonly minuteInterval: number
  readonly factors: ReadonlyMap<string, FactorMapping>
  /** Constant-time password check. */
  readonly checkPassword: (pw: string) => boolean
}

export interface StationRegistry {
  get: (mn: string) => Station | undefined
  readonly size: number
  list: () => Station[]
}

function parseOffset (text: string): number {
  const sign = text.startsWith('-') ? -1 : 1
  return sign * (Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6)))
}

function passwordChecker (password: string): (pw: string) => boolean {
  const expected = Buffer.from(password)
  return pw => {
    const got = Buffer.from(pw)
    return got.length === expected.length && timingSafeEqual(got, expected)
  }
}

export function buildStationRegistry (stations: readonly StationConfig[]): StationRegistry {
  const problems: string[] = []
  const byMn = new Map<string, Station>()
  const devices = new Map<string, string>()
  stations.forEach((s, i) => {
    const at = `hj212.stations[${i}] (${s.mn})`
    if (byMn.has(s.mn)) problems.push(`${at}: MN registered twice`)
    const key = `${s.site}/${s.device}`
    if (devices.has(key)) problems.push(`${at}: device ${key} already belongs to ${devices.get(key)}`)
    devices.set(key, s.mn)
    const offset = parseOffset(s.timezone)
    if (Math.abs(offset) > 14 * 60) problems.push(`${at}: timezone ${s.timezone} is not within ±14:00`)
    const factors = new Map<string, FactorMapping>(s.defaultFactors === 'builtin' ? Object.entries(BUILTIN_FACTORS[s.kind]) : [])
    for (const [code, mapping] of Object.entries(s.factors)) factors.set(code, { metric: mapping.metric, scale: mapping.scale ?? 1, offset: mapping.offset ?? 0 })
    for (const [code, mapping] of factors) {
      if (metricSpec(s.kind, mapping.metric) === undefined) problems.push(`${at}: factor ${code} maps to "${mapping.metric}", which is not a ${s.kind} metric in the catalog`)
      if (mapping.scale !== undefined && (!Number.isFinite(mapping.scale) || mapping.scale === 0)) problems.push(`${at}: factor ${code} has scale ${mapping.scale}`)
    }
    byMn.set(s.mn, Object.freeze({
      mn: s.mn,
      site: s.site,
      device: s.device,
      kind: s.kind,
      tzOffsetMinutes: offset,
      minuteInterval: s.minuteInterval,
      factors,
      checkPassword: passwordChecker(s.password)
    }))
  })
  if (problems.length > 0) {
    throw new ShennongError('ERR_CONFIG_INVALID', `the HJ 212 station registry has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(p => `  - ${p}`).join('\n')}`, { details: { issues: problems } })
  }
  return { get: mn => byMn.get(mn), size: byMn.size, list: () => [...byMn.values()] }
}
