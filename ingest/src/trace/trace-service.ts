// What the API does beyond storing: measured facts from InfluxDB put into events before they are
// hashed (a catch's vessel position, a transport's cold-chain profile), the sensor history sealed
// in at harvest or catch and on demand, lineage walks. Routes check roles; this checks nothing
// about who asks.
import { ShennongError } from '@shennong/core/errors.ts'
import { computeColdChainProfile, computeSensorSummary, vesselPositionAt, type SensorScope, type SummaryDeps } from './sensor-summary.ts'
import { digestOf } from './trace-chain.ts'
import { traceError } from './trace-errors.ts'
import type { Batch, TraceEvent, VerifyResult } from './trace-model.ts'
import type { EventInput, TraceStore, Who } from './trace-store.ts'

/** Default cold-chain range (°C) when a transport names none: chilled produce and fish, 0–4 °C. */
export const DEFAULT_COLD_RANGE = { min: 0, max: 4 }
const PRODUCTION_TYPES = new Set(['created', 'planting', 'stocking', 'input', 'irrigation', 'harvest', 'catch'])

export interface TraceService {
  store: TraceStore
  /** Fills in measured facts, appends, and after a harvest or catch seals the sensor history in. */
  append: (code: string, input: EventInput) => Promise<TraceEvent[]>
  /** The event with measured facts filled in, and its hash, without writing (for client signing). */
  prepare: (code: string, input: EventInput) => Promise<{ content: TraceEvent | Omit<TraceEvent, 'id' | 'hash' | 'signature' | 'keyId' | 'recordedAt'>, hash: string }>
  /** Computes the sensor summary of the batch's places over [from, to] and appends it as an event. */
  sealSensorHistory: (code: string, who: Who, window?: { from?: number, to?: number }) => Promise<TraceEvent>
  /** Ancestors, nearest first, each once. */
  ancestors: (code: string) => Batch[]
  /** The batch's and every ancestor's verification. */
  verifyLineage: (code: string) => VerifyResult[]
}

export function createTraceService (deps: { store: TraceStore } & SummaryDeps & { now?: () => number }): TraceService {
  const { store } = deps
  const now = deps.now ?? Date.now

  const ancestors = (code: string): Batch[] => {
    const seen = new Set<string>([code])
    const out: Batch[] = []
    let frontier = store.getBatch(code)?.parents ?? []
    while (frontier.length > 0) {
      const next: string[] = []
      for (const p of frontier) {
        if (seen.has(p)) continue
        seen.add(p)
        const b = store.getBatch(p)
        if (b === undefined) continue
        out.push(b)
        next.push(...b.parents)
      }
      frontier = next
    }
    return out
  }

  async function sensors<T> (what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof ShennongError && err.code.startsWith('ERR_INFLUX')) throw traceError(503, 'ERR_TRACE_SENSORS', `${what}: ${err.message}`)
      throw err
    }
  }

  async function enrich (code: string, input: EventInput): Promise<EventInput> {
    const batch = store.getBatch(code)
    if (batch === undefined) throw traceError(404, 'ERR_TRACE_NOT_FOUND', `no batch ${JSON.stringify(code)}`)
    if (input.type === 'catch') {
      const vessel = [input.place, batch.originPlace].map(p => p == null ? undefined : store.getPlace(p)).find(p => p?.kind === 'vessel' && p.site !== null)
      if (vessel === undefined) throw traceError(400, 'ERR_TRACE_INVALID', 'a catch needs a vessel place (the event\'s place or the batch\'s origin) with a site and its devices')
      const position = await sensors('vessel position', async () => await vesselPositionAt(deps, { site: vessel.site as string, devices: vessel.devices }, input.at))
      return {
        ...input,
        place: vessel.id,
        location: input.location ?? (position === null ? null : { lat: position.lat, lon: position.lon }),
        data: { ...input.data, position }
      }
    }
    if (input.type === 'transport' && input.data.coldChain !== undefined) {
      const cold = input.data.coldChain as { site: string, device: string, range?: { min: number, max: number } }
      const range = cold.range ?? DEFAULT_COLD_RANGE
      const window = { from: input.data.departedAt as number, to: input.data.arrivedAt as number }
      const profile = await sensors('cold-chain profile', async () => await computeColdChainProfile(deps, { site: cold.site, device: cold.device }, window, range))
      const { queries, ...rest } = profile
      const sealed = { site: cold.site, device: cold.device, range, query: queries, profile: rest }
      return { ...input, data: { ...input.data, coldChain: { ...sealed, digest: digestOf(sealed) } } }
    }
    return input
  }

  function scopesOf (code: string): SensorScope[] {
    const batches = [store.getBatch(code) as Batch, ...ancestors(code)]
    const placeIds = new Set<string>()
    for (const b of batches) {
      placeIds.add(b.originPlace)
      for (const e of store.events(b.code)) if (PRODUCTION_TYPES.has(e.type) && e.place !== null) placeIds.add(e.place)
    }
    return [...placeIds].sort().map(id => store.getPlace(id)).filter(p => p !== undefined && p.site !== null).map(p => ({
      place: p!.id, site: p!.site as string, devices: p!.devices, waterBody: p!.kind === 'pond' ? 'lake' as const : 'river' as const
    }))
  }

  function productionStart (code: string): number {
    const batches = [store.getBatch(code) as Batch, ...ancestors(code)]
    let start = Infinity
    for (const b of batches) for (const e of store.events(b.code)) if (PRODUCTION_TYPES.has(e.type) && e.at < start) start = e.at
    return start
  }

  const service: TraceService = {
    store,
    async prepare (code, input) {
      return store.prepare(code, await enrich(code, input))
    },
    async append (code, input) {
      const event = store.append(code, await enrich(code, input))
      if (event.type !== 'harvest' && event.type !== 'catch') return [event]
      const summary = await service.sealSensorHistory(code, { organisation: event.organisation, actor: 'system' }, { to: event.at })
      return [event, summary]
    },
    async sealSensorHistory (code, who, window = {}) {
      const batch = store.getBatch(code)
      if (batch === undefined) throw traceError(404, 'ERR_TRACE_NOT_FOUND', `no batch ${JSON.stringify(code)}`)
      const events = store.events(code)
      const harvest = events.find(e => e.type === 'harvest' || e.type === 'catch')
      const to = window.to ?? harvest?.at ?? now()
      const from = window.from ?? productionStart(code)
      if (!Number.isFinite(from) || from > to) throw traceError(400, 'ERR_TRACE_INVALID', `the window ${from}…${to} is empty; give from ≤ to`)
      const scopes = scopesOf(code)
      const summary = await sensors('sensor summary', async () => await computeSensorSummary(deps, scopes, { from, to }))
      const { queries, ...rest } = summary
      // digest: SHA-256 of the canonical JSON of this data object without `digest`.
      const data = { window: { from, to }, query: queries, summary: rest }
      return store.append(code, { ...who, type: 'sensor-summary', at: to, place: null, data: { ...data, digest: digestOf(data) } })
    },
    ancestors,
    verifyLineage (code) {
      return [store.verify(code), ...ancestors(code).map(b => store.verify(b.code))]
    }
  }
  return service
}
