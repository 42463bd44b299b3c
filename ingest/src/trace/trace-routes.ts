// The traceability API (issue 6), an encapsulated Fastify plugin.
// Public, no token: GET /v1/trace/{code} (JSON), GET /trace/{code} (page), GET /trace/{code}/qr.svg.
// With a token (ARCHITECTURE §9): admin everything; farmer creates and extends the batches of the
// organisations it acts for (as their member) while they hold them; inspector reads and exports
// everything and records inspections for its own organisation. Nobody lists batches without a token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { parseTimestamp } from '@shennong/core/reading.ts'
import type { Principal } from '@shennong/core/principals.ts'
import { ANONYMOUS, READ_ROLES, type Access } from '../auth/access.ts'
import { checkEventData } from './event-data.ts'
import { traceError } from './trace-errors.ts'
import { formatEventsCsv } from './trace-export.ts'
import type { Batch, ClientEventType, EventContent } from './trace-model.ts'
import { pickLang, renderTracePage } from './trace-page.ts'
import { formatQrSvg } from './trace-qr.ts'
import type { TraceService } from './trace-service.ts'
import type { EventInput } from './trace-store.ts'
import { buildBatchView } from './trace-view.ts'
import {
  ActorBody, BatchBody, CodeParams, EventBody, ExportQuery, IdParams, KeyBody, ListQuery, MergeBody, OrganisationBody,
  PageQuery, PlaceBody, SignedEventBody, SplitBody, SummaryBody
} from './trace-schemas.ts'

export interface TraceRoutesOptions {
  access: Access
  service: TraceService
  /** Absolute base of the public page for QR codes (https://trace.example.cn); default: from the request. */
  publicUrl?: string
  now?: () => number
}

/** Path words under /v1/trace that cannot be lot codes (the public lookup would not reach them). */
export const RESERVED_CODES = ['batches', 'organisations', 'places', 'actors', 'merges', 'export']

function time (name: string, value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value === 'number') return value
  if (/^\d{1,16}$/.test(value)) return Number(value)
  const t = parseTimestamp(value)
  if (typeof t === 'string') throw traceError(400, 'ERR_TRACE_INVALID', `${name}: ${t.replace(/^ts/, name)}`)
  return t
}

export const traceRoutes: FastifyPluginAsyncTypebox<TraceRoutesOptions> = async (app, options) => {
  const { access, service } = options
  const { store } = service
  const now = options.now ?? Date.now
  const read = access.guard({ roles: READ_ROLES })
  const write = access.guard({ roles: ['admin', 'farmer', 'inspector'] })
  const admin = access.guard({ roles: ['admin'] })

  const named = (request: FastifyRequest): Principal => {
    const p = access.principalOf(request)
    if (p.id === ANONYMOUS.id) throw traceError(403, 'ERR_TRACE_FORBIDDEN', 'traceability records beyond the public lookup need a token, also in demo mode')
    return p
  }
  const orgsOf = (p: Principal): string[] | undefined => p.role === 'admin' || p.role === 'inspector' ? undefined : store.organisationsOf(p.id)
  const actsFor = (p: Principal, organisation: string): void => {
    if (p.role === 'admin') return
    if (!store.organisationsOf(p.id).includes(organisation)) throw traceError(403, 'ERR_TRACE_FORBIDDEN', `${p.id} does not act for organisation ${organisation}`)
  }
  const batchOf = (code: string): Batch => {
    const b = store.getBatch(code)
    if (b === undefined) throw traceError(404, 'ERR_TRACE_NOT_FOUND', `no batch ${JSON.stringify(code)}`)
    return b
  }
  const readable = (p: Principal, code: string): Batch => {
    const b = batchOf(code)
    const mine = orgsOf(p)
    if (mine === undefined) return b
    const involved = new Set([b.organisation, b.custodian, ...store.events(code).map(e => e.organisation)])
    if (!mine.some(o => involved.has(o))) throw traceError(403, 'ERR_TRACE_FORBIDDEN', `batch ${code} belongs to another organisation`)
    return b
  }
  /** The principal may append `type` to the batch for `organisation`. */
  const writable = (p: Principal, code: string, organisation: string, type: string): Batch => {
    const b = batchOf(code)
    actsFor(p, organisation)
    if (p.role === 'admin') return b
    if (p.role === 'inspector') {
      if (type !== 'inspection') throw traceError(403, 'ERR_TRACE_FORBIDDEN', 'an inspector records inspections only')
      return b
    }
    if (b.custodian !== organisation) throw traceError(403, 'ERR_TRACE_FORBIDDEN', `batch ${code} is held by ${b.custodian}, not ${organisation}`)
    return b
  }
  const eventInput = (body: { type: ClientEventType, at?: number | string, place?: string, location?: { lat: number, lon: number }, data: Record<string, unknown>, organisation: string, actor: string }): EventInput => ({
    type: body.type, at: time('at', body.at, now()), place: body.place ?? null, location: body.location ?? null,
    data: checkEventData(body.type, body.data), organisation: body.organisation, actor: body.actor
  })
  const baseUrl = (request: FastifyRequest): string => (options.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '')

  // ── public ────────────────────────────────────────────────────────────────────────────────
  app.get('/v1/trace/:code', { schema: { params: CodeParams, summary: 'Public: one batch by its lot code, with its chain, ancestors and verification', security: [] } }, async (request) => {
    return buildBatchView(service, batchOf(request.params.code)) as never
  })
  app.get('/trace/:code', { schema: { params: CodeParams, querystring: PageQuery, hide: true } }, async (request, reply) => {
    const view = buildBatchView(service, batchOf(request.params.code))
    const qrSvg = await formatQrSvg(`${baseUrl(request)}${view.links.page}`)
    const lang = pickLang(request.query.lang, request.headers['accept-language'])
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'")
    reply.type('text/html; charset=utf-8')
    return renderTracePage(view, { lang, qrSvg })
  })
  app.get('/trace/:code/qr.svg', { schema: { params: CodeParams, hide: true } }, async (request, reply) => {
    batchOf(request.params.code)
    reply.type('image/svg+xml')
    return await formatQrSvg(`${baseUrl(request)}/trace/${encodeURIComponent(request.params.code)}`)
  })

  // ── organisations, actors, places, keys ──────────────────────────────────────────────────
  app.post('/v1/trace/organisations', { schema: { body: OrganisationBody }, onRequest: admin }, async (request, reply) => {
    reply.code(201)
    return store.addOrganisation(request.body) as never
  })
  app.get('/v1/trace/organisations', { onRequest: read }, async (request) => {
    const mine = orgsOf(named(request))
    return { organisations: store.listOrganisations().filter(o => mine === undefined || mine.includes(o.id)) } as never
  })
  app.post('/v1/trace/organisations/:id/keys', { schema: { params: IdParams, body: KeyBody }, onRequest: write }, async (request, reply) => {
    actsFor(named(request), request.params.id)
    reply.code(201)
    return store.addKey(request.params.id, request.body.publicKey) as never
  })
  app.post('/v1/trace/actors', { schema: { body: ActorBody }, onRequest: write }, async (request, reply) => {
    actsFor(named(request), request.body.organisation)
    reply.code(201)
    return store.addActor(request.body) as never
  })
  app.post('/v1/trace/places', { schema: { body: PlaceBody }, onRequest: write }, async (request, reply) => {
    const p = named(request)
    actsFor(p, request.body.organisation)
    const sites = access.readableSites(p)
    if (request.body.site !== undefined && sites !== undefined && !sites.includes(request.body.site)) {
      throw traceError(403, 'ERR_TRACE_FORBIDDEN', `${p.id} does not belong to site ${request.body.site}`)
    }
    reply.code(201)
    return store.addPlace(request.body) as never
  })
  app.get('/v1/trace/places', { onRequest: read }, async (request) => {
    return { places: store.listPlaces(orgsOf(named(request))) } as never
  })

  // ── batches ──────────────────────────────────────────────────────────────────────────────
  app.get('/v1/trace/batches', { schema: { querystring: ListQuery }, onRequest: read }, async (request) => {
    return { batches: store.listBatches({ organisations: orgsOf(named(request)), limit: request.query.limit }) } as never
  })
  app.post('/v1/trace/batches', { schema: { body: BatchBody }, onRequest: write }, async (request, reply) => {
    const p = named(request)
    const body = request.body
    if (p.role === 'inspector') throw traceError(403, 'ERR_TRACE_FORBIDDEN', 'an inspector records inspections only')
    actsFor(p, body.organisation)
    if (RESERVED_CODES.includes(body.code)) throw traceError(400, 'ERR_TRACE_INVALID', `code: ${body.code} is reserved`)
    const place = store.getPlace(body.originPlace)
    if (place !== undefined && place.organisation !== body.organisation && p.role !== 'admin') throw traceError(403, 'ERR_TRACE_FORBIDDEN', `place ${place.id} belongs to ${place.organisation}`)
    const created = store.createBatch({ ...body, at: time('at', body.at, now()) })
    reply.code(201)
    return created as never
  })
  app.get('/v1/trace/batches/:code', { schema: { params: CodeParams }, onRequest: read }, async (request) => {
    const b = readable(named(request), request.params.code)
    return { batch: b, events: store.events(b.code), verification: store.verify(b.code) } as never
  })
  app.get('/v1/trace/batches/:code/verify', { schema: { params: CodeParams }, onRequest: read }, async (request) => {
    const b = readable(named(request), request.params.code)
    const chains = service.verifyLineage(b.code)
    return { ok: chains.every(c => c.ok), chains } as never
  })
  app.post('/v1/trace/batches/:code/events', { schema: { params: CodeParams, body: EventBody }, onRequest: write }, async (request, reply) => {
    writable(named(request), request.params.code, request.body.organisation, request.body.type)
    if (request.body.type === 'sale' && store.getOrganisation(String(request.body.data.to)) === undefined) throw traceError(400, 'ERR_TRACE_INVALID', `data.to: no organisation ${JSON.stringify(request.body.data.to)}`)
    const events = await service.append(request.params.code, eventInput(request.body))
    reply.code(201)
    return { events } as never
  })
  app.post('/v1/trace/batches/:code/events/prepare', { schema: { params: CodeParams, body: EventBody }, onRequest: write }, async (request) => {
    writable(named(request), request.params.code, request.body.organisation, request.body.type)
    return await service.prepare(request.params.code, eventInput(request.body)) as never
  })
  app.post('/v1/trace/batches/:code/events/signed', { schema: { params: CodeParams, body: SignedEventBody }, onRequest: write }, async (request, reply) => {
    const { content, signature, keyId } = request.body
    if (content.batch !== request.params.code) throw traceError(400, 'ERR_TRACE_INVALID', 'content.batch differs from the batch in the path')
    writable(named(request), request.params.code, content.organisation, content.type)
    const c = content as EventContent
    const event = store.append(c.batch, { type: c.type, at: c.at, place: c.place, location: c.location, data: c.data, organisation: c.organisation, actor: c.actor }, { signed: { signature, keyId }, expectedPrev: c.prev })
    reply.code(201)
    if (event.type !== 'harvest' && event.type !== 'catch') return { events: [event] } as never
    const summary = await service.sealSensorHistory(c.batch, { organisation: event.organisation, actor: 'system' }, { to: event.at })
    return { events: [event, summary] } as never
  })
  app.post('/v1/trace/batches/:code/sensor-summary', { schema: { params: CodeParams, body: SummaryBody }, onRequest: write }, async (request, reply) => {
    const p = named(request)
    const b = readable(p, request.params.code)
    actsFor(p, request.body.organisation)
    const event = await service.sealSensorHistory(b.code, { organisation: request.body.organisation, actor: 'system' }, {
      from: request.body.from === undefined ? undefined : time('from', request.body.from, 0),
      to: request.body.to === undefined ? undefined : time('to', request.body.to, now())
    })
    reply.code(201)
    return { events: [event] } as never
  })
  app.post('/v1/trace/batches/:code/split', { schema: { params: CodeParams, body: SplitBody }, onRequest: write }, async (request, reply) => {
    const body = request.body
    writable(named(request), request.params.code, body.organisation, 'split')
    for (const c of body.children) if (RESERVED_CODES.includes(c.code)) throw traceError(400, 'ERR_TRACE_INVALID', `code: ${c.code} is reserved`)
    const children = store.split(request.params.code, { organisation: body.organisation, actor: body.actor, at: time('at', body.at, now()) }, body.children)
    reply.code(201)
    return { batches: children } as never
  })
  app.post('/v1/trace/merges', { schema: { body: MergeBody }, onRequest: write }, async (request, reply) => {
    const body = request.body
    const p = named(request)
    const parents = body.parents.map(code => writable(p, code, body.organisation, 'merge'))
    if (RESERVED_CODES.includes(body.code)) throw traceError(400, 'ERR_TRACE_INVALID', `code: ${body.code} is reserved`)
    const first = parents[0]
    const batch = store.merge({
      code: body.code, parents: body.parents, product: body.product ?? first.product, productZh: body.productZh ?? first.productZh,
      variety: body.variety ?? (parents.every(x => x.variety === first.variety) ? first.variety : null), originPlace: body.originPlace ?? first.originPlace,
      quantity: body.quantity ?? null, organisation: body.organisation, actor: body.actor, at: time('at', body.at, now())
    })
    reply.code(201)
    return { batch } as never
  })

  // ── export ───────────────────────────────────────────────────────────────────────────────
  app.get('/v1/trace/export', { schema: { querystring: ExportQuery }, onRequest: access.guard({ roles: ['admin', 'inspector'] }) }, async (request, reply) => {
    named(request)
    const from = time('from', request.query.from, 0)
    const to = time('to', request.query.to, now())
    if (from > to) throw traceError(400, 'ERR_TRACE_INVALID', 'from is after to')
    const events = store.eventsBetween(from, to)
    if (request.query.format === 'csv') {
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="trace-${from}-${to}.csv"`)
      return formatEventsCsv(events)
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), events } as never
  })
}
