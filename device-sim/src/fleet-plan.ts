// Which devices exist and which site gateway speaks for each. Devices of a kind are numbered
// `<kind>-0001…` (cold_chain → cold-chain-0001) and handed out in contiguous runs: to the gateways of
// the credentials file (those whose `kinds` include the kind; quotas from their `devices`, the rest
// split evenly over those without a quota), to the sites listed for the kind, or in demo mode to generated sites of
// `devicesPerSite` devices each (farm-01, river-01, …), one gateway `gw-<site>` per site.
import { KINDS, type Kind } from '../../core/src/catalog.ts'
import { ShennongError } from '../../core/src/errors.ts'
import type { GatewayCredential } from './credentials.ts'

export interface DevicePlan {
  id: string
  kind: Kind
  /** Index among the devices of its kind, 0-based. */
  index: number
  site: string
  gateway: string
}

export interface GatewayPlan {
  site: string
  id: string
  secret: string
  devices: DevicePlan[]
}

export interface FleetPlanOptions {
  devices: Partial<Record<Kind, number>>
  gateways?: readonly GatewayCredential[]
  sitesByKind?: Partial<Record<Kind, readonly string[]>>
  devicesPerSite: number
  devicePrefix: string
}

/** Site name stems in demo mode: weather stations share the farms' sites and gateways. */
export const DEMO_SITE: Record<Kind, string> = {
  soil: 'farm',
  weather: 'farm',
  water: 'river',
  air: 'city',
  vessel: 'port',
  cold_chain: 'fleet'
}

export function deviceId (prefix: string, kind: Kind, n: number): string {
  return `${prefix}${kind.replace('_', '-')}-${String(n).padStart(4, '0')}`
}

function split (total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))
}

export function planFleet (options: FleetPlanOptions): GatewayPlan[] {
  const byId = new Map<string, GatewayPlan>()
  const gatewayFor = (site: string, id: string, secret: string): GatewayPlan => {
    let g = byId.get(id)
    if (g === undefined) {
      g = { site, id, secret, devices: [] }
      byId.set(id, g)
    }
    return g
  }
  const creds = options.gateways ?? []
  const anyKinds = creds.some(g => g.kinds !== undefined)
  for (const kind of KINDS) {
    const n = options.devices[kind] ?? 0
    if (n <= 0) continue
    let targets: Array<{ gateway: GatewayPlan, quota?: number }>
    const sites = options.sitesByKind?.[kind]
    if (sites !== undefined && sites.length > 0) {
      targets = sites.map(site => {
        if (creds.length === 0) return { gateway: gatewayFor(site, `gw-${site}`, '') }
        const c = creds.find(g => g.site === site)
        if (c === undefined) throw new ShennongError('ERR_SIM_CREDENTIALS', `no gateway in the credentials for site "${site}" (listed for ${kind})`)
        return { gateway: gatewayFor(c.site, c.id, c.secret), quota: c.devices?.[kind] }
      })
    } else if (creds.length > 0) {
      const matching = creds.filter(g => !anyKinds || (g.kinds ?? []).includes(kind))
      if (matching.length === 0) throw new ShennongError('ERR_SIM_CREDENTIALS', `no gateway in the credentials carries kind "${kind}" (add it to a gateway's "kinds")`)
      targets = matching.map(c => ({ gateway: gatewayFor(c.site, c.id, c.secret), quota: c.devices?.[kind] }))
    } else {
      const count = Math.ceil(n / options.devicesPerSite)
      targets = Array.from({ length: count }, (_, i) => {
        const site = `${DEMO_SITE[kind]}-${String(i + 1).padStart(2, '0')}`
        return { gateway: gatewayFor(site, `gw-${site}`, ''), quota: options.devicesPerSite }
      })
    }
    // Quotas first, in order; what is left is split evenly over the targets without a quota (over
    // all of them when every target has one).
    const counts = targets.map(() => 0)
    let left = n
    targets.forEach((t, i) => {
      const take = Math.min(left, t.quota ?? 0)
      counts[i] += take
      left -= take
    })
    const open = targets.map((t, i) => i).filter(i => targets[i].quota === undefined)
    const spread = open.length > 0 ? open : targets.map((t, i) => i)
    split(left, spread.length).forEach((extra, k) => { counts[spread[k]] += extra })
    let next = 0
    targets.forEach((t, i) => {
      for (let k = 0; k < counts[i]; k++, next++) {
        t.gateway.devices.push({ id: deviceId(options.devicePrefix, kind, next + 1), kind, index: next, site: t.gateway.site, gateway: t.gateway.id })
      }
    })
  }
  return [...byId.values()].filter(g => g.devices.length > 0)
}
