// The quarantine API: list and read what was quarantined, and replay an entry after a fix.
// A replay appends to the ingest log (transport replay, replayOf = the entry's id), so the
// payload takes the same path as any other: validate, quality control, InfluxDB.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { encodeLogMeta, type LogMeta } from '@shennong/core/ingest-log.ts'
import { decodeReadings, parseTimestamp } from '@shennong/core/reading.ts'
import { parseTopic } from '@shennong/core/topics.ts'
import { HttpError } from '../../errors.ts'
import { ADMIN_ROLES, READ_ROLES, type Access } from '../../auth/access.ts'
import type { QuarantineEntry, QuarantineStore } from '../../quarantine/quarantine-store.ts'
import { GetSchema, ListSchema, ReplaySchema } from './schemas.ts'

export interface QuarantineRoutesOptions {
  access: Access
  quarantine: QuarantineStore
  log: DurableQueue
  maxFutureMs: number
}

function iso (ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

function present (e: QuarantineEntry) {
  return { ...e, receivedAt: iso(e.receivedAt) as string, quarantinedAt: iso(e.quarantinedAt) as string, replayedAt: iso(e.replayedAt) }
}

function parseBound (name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (/^\d{1,16}$/.test(text)) return Number(text)
  const t = parseTimestamp(text)
  if (typeof t === 'string') throw new HttpError(400, 'ERR_QUERY_INVALID', `${name}: ${t.replace(/^ts/, name)}; or send epoch milliseconds`)
  return t
}

export const quarantineRoutes: FastifyPluginAsyncTypebox<QuarantineRoutesOptions> = async (app, options) => {
  const { access, quarantine, log, maxFutureMs } = options
  const read = access.guard({ roles: READ_ROLES })

  function visible (request: Parameters<typeof access.principalOf>[0], id: number): QuarantineEntry {
    const entry = quarantine.get(id)
    const sites = access.readableSites(access.principalOf(request))
    if (entry === undefined || (sites !== undefined && (entry.site === null || !sites.includes(entry.site)))) {
      throw new HttpError(404, 'ERR_QUARANTINE_NOT_FOUND', `no quarantine entry ${id}`)
    }
    return entry
  }

  app.get('/v1/quarantine', { schema: ListSchema, onRequest: read }, async (request) => {
    const q = request.query
    const entries = quarantine.list({
      reason: q.reason,
      sender: q.sender,
      stage: q.stage,
      from: parseBound('from', q.from),
      to: parseBound('to', q.to),
      before: q.before,
      limit: q.limit,
      sites: access.readableSites(access.principalOf(request))
    })
    return { entries: entries.map(present) }
  })

  app.get('/v1/quarantine/:id', { schema: GetSchema, onRequest: read }, async (request) => {
    return present(visible(request, request.params.id))
  })

  app.post('/v1/quarantine/:id/replay', { schema: ReplaySchema, onRequest: access.guard({ roles: ADMIN_ROLES }) }, async (request, reply) => {
    const entry = visible(request, request.params.id)
    if (entry.replayedAt !== null) {
      throw new HttpError(409, 'ERR_QUARANTINE_REPLAYED', `quarantine entry ${entry.id} was replayed at ${iso(entry.replayedAt)}; if it failed again, replay the newer entry (replayOf ${entry.id})`)
    }
    const topic = parseTopic(entry.topic)
    if (topic === null) throw new HttpError(400, 'ERR_QUARANTINE_INVALID', `entry ${entry.id} has no valid topic (${entry.topic}); it cannot be replayed`)
    const body = request.body as { payload?: unknown } | null | undefined
    const payload = body?.payload !== undefined ? JSON.stringify(body.payload) : entry.payload
    const now = Date.now()
    const decoded = decodeReadings(payload, { defaultDevice: topic.id, maxFutureMs, now })
    const errors = !decoded.ok ? [decoded.error] : decoded.items.flatMap(i => i.validation.ok ? [] : i.validation.errors)
    if (errors.length > 0) {
      throw new HttpError(400, 'ERR_QUARANTINE_INVALID', `the payload still fails validation (${errors.map(e => `${e.field}: ${e.message}`).join('; ')}); nothing was replayed — send a corrected { "payload": … }`, { details: { errors } })
    }
    const meta: LogMeta = { topic: entry.topic, sender: entry.sender, transport: 'replay', receivedAt: now, replayOf: entry.id }
    // Claim the entry first, so two replays of it cannot both append.
    if (!quarantine.markReplayed(entry.id, now)) throw new HttpError(409, 'ERR_QUARANTINE_REPLAYED', `quarantine entry ${entry.id} is being or was replayed`)
    let logId: number
    try {
      ;[logId] = await log.append([{ meta: encodeLogMeta(meta), payload: Buffer.from(payload) }])
    } catch (err) {
      quarantine.unmarkReplayed(entry.id)
      throw new HttpError(503, 'ERR_INGEST_LOG', `the ingest log did not take the replay (${(err as Error).message}); retry later`, { cause: err })
    }
    reply.code(202)
    return { id: entry.id, logId, replayedAt: new Date(now).toISOString() }
  })
}
