// POST /v1/readings: readings over HTTP. Validated first; valid ones are appended to the ingest
// log with the topic they stand for, and 202 is answered only after the append is committed
// (ARCHITECTURE §6.3). Invalid input is quarantined (transport http) and answered 400 with every
// reason, so bad input is never lost silently; in an array, the valid elements are still accepted.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { encodeLogMeta, type LogMeta } from '@shennong/core/ingest-log.ts'
import { decodeReadings, type FieldError } from '@shennong/core/reading.ts'
import { buildTopic, isSegment } from '@shennong/core/topics.ts'
import { HttpError } from '../../errors.ts'
import { POST_ROLES, type Access } from '../../auth/access.ts'
import type { IngestMetrics } from '../../ingest-metrics.ts'
import { reasonLabel } from '../../ingest-metrics.ts'
import type { QuarantineInput, QuarantineStore } from '../../quarantine/quarantine-store.ts'
import { PostReadingsSchema } from './schemas.ts'

export interface ReadingsRoutesOptions {
  access: Access
  log: DurableQueue
  quarantine: QuarantineStore
  metrics: IngestMetrics
  maxFutureMs: number
  bodyLimit: number
}

export const readingsRoutes: FastifyPluginAsyncTypebox<ReadingsRoutesOptions> = async (app, options) => {
  const { access, log, quarantine, metrics, maxFutureMs } = options

  // The body stays the text that was sent: it is what goes to the log and, when bad, to quarantine.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit }, (_request, body, done) => { done(null, body) })

  function reject (records: QuarantineInput[], rejected: Array<{ index: number | null, errors: FieldError[] }>, code: 'ERR_INGEST_PAYLOAD' | 'ERR_INGEST_INVALID', message: string, accepted: number): HttpError {
    const ids = quarantine.add(records)
    for (const r of records) metrics.quarantined.inc({ stage: r.stage, reason: reasonLabel(r.reasons) })
    metrics.httpReadings.inc({ outcome: 'rejected' }, records.length)
    return new HttpError(400, code, message, {
      details: { accepted, rejected: rejected.map((r, i) => ({ index: r.index, quarantineId: ids[i], errors: r.errors })) }
    })
  }

  app.post('/v1/readings', { schema: PostReadingsSchema, onRequest: access.guard({ roles: POST_ROLES, rateLimit: 'readings' }) }, async (request, reply) => {
    const principal = access.principalOf(request)
    let site: string
    if (principal.role === 'admin') {
      if (!isSegment(request.query.site)) throw new HttpError(400, 'ERR_INGEST_SITE', 'an admin posting readings must name the site: ?site=<site>')
      site = request.query.site
    } else {
      if (principal.sites.length !== 1) throw new HttpError(403, 'ERR_AUTH_SITE', `principal ${principal.id} must belong to exactly one site to post readings`)
      if (request.query.site !== undefined && request.query.site !== principal.sites[0]) {
        throw new HttpError(403, 'ERR_AUTH_SITE', `principal ${principal.id} posts for site ${principal.sites[0]} only`)
      }
      site = principal.sites[0]
    }
    const receivedAt = Date.now()
    const meta: LogMeta = { topic: buildTopic({ site, id: principal.id, channel: 'telemetry' }), sender: principal.id, transport: 'http', receivedAt }
    const text = typeof request.body === 'string' ? request.body : JSON.stringify(request.body)
    const base = { receivedAt, topic: meta.topic, sender: meta.sender, transport: 'http' as const }

    const decoded = decodeReadings(text, { defaultDevice: principal.id, maxFutureMs, now: receivedAt })
    if (!decoded.ok) {
      throw reject([{ ...base, payload: text, itemIndex: null, stage: 'decode', reasons: [decoded.error] }], [{ index: null, errors: [decoded.error] }],
        'ERR_INGEST_PAYLOAD', `${decoded.error.message}; the payload was quarantined`, 0)
    }
    const isArray = text.trimStart().startsWith('[')
    const good = decoded.items.filter(i => i.validation.ok)
    const bad = decoded.items.filter(i => !i.validation.ok)

    let logId = 0
    if (good.length > 0) {
      const payload = bad.length === 0 ? text : JSON.stringify(good.map(i => i.raw))
      try {
        ;[logId] = await log.append([{ meta: encodeLogMeta(meta), payload: Buffer.from(payload) }])
      } catch (err) {
        throw new HttpError(503, 'ERR_INGEST_LOG', `the ingest log did not take the readings (${(err as Error).message}); retry later`, { cause: err })
      }
      metrics.httpReadings.inc({ outcome: 'accepted' }, good.length)
    }
    if (bad.length > 0) {
      const records: QuarantineInput[] = []
      const rejected: Array<{ index: number | null, errors: FieldError[] }> = []
      for (const item of bad) {
        const errors = item.validation.ok ? [] : item.validation.errors
        records.push({ ...base, payload: isArray ? JSON.stringify(item.raw) : text, itemIndex: isArray ? item.index : null, stage: 'validate', reasons: errors })
        rejected.push({ index: isArray ? item.index : null, errors })
      }
      const what = isArray ? `${bad.length} of ${decoded.items.length} readings failed validation` : 'the reading failed validation'
      const first = rejected[0].errors.map(e => `${e.field}: ${e.message}`).join('; ')
      throw reject(records, rejected, 'ERR_INGEST_INVALID',
        `${what} and ${bad.length === 1 ? 'was' : 'were'} quarantined${good.length > 0 ? `; the other ${good.length} were accepted` : ''} (${first})`, good.length)
    }
    reply.code(202)
    return { accepted: good.length, logId }
  })
}
