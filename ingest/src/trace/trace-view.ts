// The public view of one batch: what `GET /v1/trace/{code}` answers and the page renders. Names
// resolved (organisation, actor, place), the batch's events and its ancestors' events, and the
// verification of every chain involved. Leaves out what only members see (principal ids).
import type { Batch, TraceEvent, VerifyResult } from './trace-model.ts'
import type { TraceService } from './trace-service.ts'

export interface Named { id: string, name: string, nameZh: string | null }

export interface EventView {
  batch: string
  seq: number
  type: string
  at: string
  organisation: Named
  actor: { id: string, name: string, role: string }
  place: (Named & { kind: string }) | null
  location: { lat: number, lon: number } | null
  data: Record<string, unknown>
  hash: string
  prev: string
  signed: boolean
  keyId: string | null
}

export interface BatchView {
  code: string
  product: string
  productZh: string | null
  variety: string | null
  quantity: { value: number, unit: string } | null
  createdAt: string
  organisation: Named
  custodian: Named
  origin: (Named & { kind: string, site: string | null, location: { lat: number, lon: number } | null }) | null
  parents: string[]
  children: string[]
  events: EventView[]
  /** Ancestors nearest first, each with its events. */
  ancestors: Array<{ code: string, product: string, productZh: string | null, events: EventView[] }>
  verification: { ok: boolean, chains: VerifyResult[] }
  links: { page: string, qr: string, json: string }
}

const iso = (ms: number): string => new Date(ms).toISOString()

export function buildBatchView (service: TraceService, batch: Batch): BatchView {
  const { store } = service
  const org = (id: string): Named => {
    const o = store.getOrganisation(id)
    return { id, name: o?.name ?? id, nameZh: o?.nameZh ?? null }
  }
  const eventView = (e: TraceEvent): EventView => {
    const actor = e.actor === 'system' ? { id: 'system', name: 'Shennong', role: 'system' } : store.getActor(e.actor)
    const place = e.place === null ? undefined : store.getPlace(e.place)
    return {
      batch: e.batch,
      seq: e.seq,
      type: e.type,
      at: iso(e.at),
      organisation: org(e.organisation),
      actor: { id: e.actor, name: actor?.name ?? e.actor, role: actor?.role ?? '' },
      place: place === undefined ? null : { id: place.id, name: place.name, nameZh: place.nameZh, kind: place.kind },
      location: e.location,
      data: e.data,
      hash: e.hash,
      prev: e.prev,
      signed: e.signature !== null,
      keyId: e.keyId
    }
  }
  const origin = store.getPlace(batch.originPlace)
  const ancestors = service.ancestors(batch.code)
  const chains = service.verifyLineage(batch.code)
  const path = encodeURIComponent(batch.code)
  return {
    code: batch.code,
    product: batch.product,
    productZh: batch.productZh,
    variety: batch.variety,
    quantity: batch.quantity,
    createdAt: iso(batch.createdAt),
    organisation: org(batch.organisation),
    custodian: org(batch.custodian),
    origin: origin === undefined ? null : { id: origin.id, name: origin.name, nameZh: origin.nameZh, kind: origin.kind, site: origin.site, location: origin.location },
    parents: batch.parents,
    children: store.children(batch.code),
    events: store.events(batch.code).map(eventView),
    ancestors: ancestors.map(a => ({ code: a.code, product: a.product, productZh: a.productZh, events: store.events(a.code).map(eventView) })),
    verification: { ok: chains.every(c => c.ok), chains },
    links: { page: `/trace/${path}`, qr: `/trace/${path}/qr.svg`, json: `/v1/trace/${path}` }
  }
}
