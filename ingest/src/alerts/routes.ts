// The alerts API (issue 4, ARCHITECTURE §7 and §9), an encapsulated Fastify plugin:
//   GET  /v1/alerts                  list and filter (site, device, rule, severity, state, from, to)
//   GET  /v1/alerts/:id              one alert with its history
//   POST /v1/alerts/:id/acknowledge  open → acknowledged (who and when recorded)
//   POST /v1/alerts/:id/resolve      open | acknowledged → resolved
// Roles: admin and inspector see and change every site's alerts; a farmer only its own sites'.
// The demo-anonymous principal reads and never changes. Changes go to the sinks like the engine's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { parseTimestamp } from '@shennong/core/reading.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { Principal } from '@shennong/core/principals.ts'
import { HttpError } from '../errors.ts'
import { READ_ROLES, ANONYMOUS, type Access } from '../auth/access.ts'
import type { Alert, AlertEvent } from './alert.ts'
import type { AlertStore } from './alert-store.ts'
import type { AlertSink } from './sinks/alert-sink.ts'
import { ChangeAlertSchema, GetAlertSchema, ListAlertsSchema } from './schemas.ts'

export interface AlertRoutesOptions {
  access: Access
  store: AlertStore
  /** Where acknowledgements and resolutions are published (the engine's sinks). */
  sinks?: AlertSink[]
  now?: () => number
}


const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

function present (a: Alert): Record<string, unknown> {
  return { ...a, openedAt: iso(a.openedAt), updatedAt: iso(a.updatedAt), ts: iso(a.ts), acknowledgedAt: iso(a.acknowledgedAt), resolvedAt: iso(a.resolvedAt) }
}

function time (name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (/^\d{1,16}$/.test(text)) return Number(text)
  const t = parseTimestamp(text)
  if (typeof t === 'string') throw new HttpError(400, 'ERR_QUERY_INVALID', `${name}: ${t.replace(/^ts/, name)}; or send epoch milliseconds`)
  return t
}

/** The optional body `{ "note": "…" }` (at most 1000 characters); an empty body is fine. */
function noteOf (body: unknown): string | undefined {
  if (body === undefined || body === null || body === '') return undefined
  const note = typeof body === 'object' ? (body as { note?: unknown }).note : undefined
  if (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some(k => k !== 'note') || (note !== undefined && (typeof note !== 'string' || note.length > 1000))) {
    throw new HttpError(400, 'ERR_HTTP_VALIDATION', 'the body is optional; when sent it is {"note": "…"} with at most 1000 characters')
  }
  return note as string | undefined
}

export const alertRoutes: FastifyPluginAsyncTypebox<AlertRoutesOptions> = async (app, options) => {
  const { access, store } = options
  const now = options.now ?? Date.now
  // Service principals (Node-RED's digest, integrations) read alerts too; they never change them.
  const read = access.guard({ roles: [...READ_ROLES, 'service'] })

  /** The alert, if the principal may see it; otherwise 404 (do not reveal other sites' alerts). */
  function visible (principal: Principal, id: number): Alert {
    const alert = store.get(id)
    const sites = access.readableSites(principal)
    if (alert === undefined || (sites !== undefined && !sites.includes(alert.site))) {
      throw new HttpError(404, 'ERR_ALERT_NOT_FOUND', `no alert ${id} that you may see`)
    }
    return alert
  }

  function publish (event: AlertEvent): void {
    for (const sink of options.sinks ?? []) sink.deliver(event)
  }

  function change (principal: Principal, id: number, what: 'acknowledge' | 'resolve', note: string | undefined): AlertEvent {
    if (principal === ANONYMOUS || principal.id === ANONYMOUS.id) {
      throw new HttpError(403, 'ERR_AUTH_FORBIDDEN', `anonymous demo access may not ${what} alerts; send a token`)
    }
    visible(principal, id)
    try {
      return what === 'acknowledge' ? store.acknowledge(id, principal.id, now(), note) : store.resolve(id, principal.id, now(), note)
    } catch (err) {
      if (err instanceof ShennongError && err.code === 'ERR_ALERT_STATE') throw new HttpError(409, 'ERR_ALERT_STATE', err.message)
      throw err
    }
  }

  app.get('/v1/alerts', { schema: ListAlertsSchema, onRequest: read }, async (request) => {
    const principal = access.principalOf(request)
    const q = request.query
    const from = time('from', q.from)
    const to = time('to', q.to)
    if (from !== undefined && to !== undefined && from > to) throw new HttpError(400, 'ERR_QUERY_INVALID', 'from is after to')
    const alerts = store.list({ sites: access.readableSites(principal), site: q.site, device: q.device, rule: q.rule, severity: q.severity, state: q.state, from, to, limit: q.limit, before: q.before })
    return { alerts: alerts.map(present) } as never
  })

  app.get('/v1/alerts/:id', { schema: GetAlertSchema, onRequest: read }, async (request) => {
    const alert = visible(access.principalOf(request), request.params.id)
    const history = store.history(alert.id).map(e => ({ id: e.id, type: e.type, at: iso(e.at), by: e.by, note: e.note, severity: e.alert.severity, state: e.alert.state, value: e.alert.value }))
    return { alert: present(alert), history } as never
  })

  app.post('/v1/alerts/:id/acknowledge', { schema: { ...ChangeAlertSchema, summary: 'Acknowledge an open alert' }, onRequest: read }, async (request) => {
    const event = change(access.principalOf(request), request.params.id, 'acknowledge', noteOf(request.body))
    publish(event)
    return { alert: present(event.alert) } as never
  })

  app.post('/v1/alerts/:id/resolve', { schema: { ...ChangeAlertSchema, summary: 'Resolve an alert' }, onRequest: read }, async (request) => {
    const event = change(access.principalOf(request), request.params.id, 'resolve', noteOf(request.body))
    publish(event)
    return { alert: present(event.alert) } as never
  })
}
