// buildApp(config, deps): the ingest HTTP API. Every area is registered here, explicitly, so this
// file lists all that runs. It never listens: main.ts does, and tests use app.inject or listen on
// port 0 themselves. HTTPS only when http.tls is set (http-server-options.ts).
// Rate limits (auth/rate-limits.ts): a guarded route takes from its principal's bucket (its guard
// does it), every other route but /healthz and /metrics from the client address's; each one
// declares 429 in the OpenAPI document.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest, type FastifyServerOptions, type RouteOptions } from 'fastify'
import swagger from '@fastify/swagger'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import type { PrincipalStore } from '@shennong/core/principals.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import type { IngestConfig } from './config.ts'
import { HttpError, ingestErrors } from './errors.ts'
import type { IngestMetrics } from './ingest-metrics.ts'
import type { QuarantineStore } from './quarantine/quarantine-store.ts'
import { createAccess } from './auth/access.ts'
import { createRateLimits } from './auth/rate-limits.ts'
import { buildHttpServerOptions } from './http-server-options.ts'
import { ErrorSchema } from './routes/error-schema.ts'
import { influxAuthHeaders } from './influx/writer-v1.ts'
import type { InfluxQueryClient } from './routes/sites/influxql.ts'
import { readingsRoutes } from './routes/readings/readings.ts'
import { sitesRoutes } from './routes/sites/sites.ts'
import { quarantineRoutes } from './routes/quarantine/quarantine.ts'
import { healthRoutes } from './routes/health/health.ts'
import { docsRoutes } from './routes/docs/docs.ts'
import { alertRoutes } from './alerts/routes.ts'
import type { TraceService } from './trace/trace-service.ts'
import { traceRoutes } from './trace/trace-routes.ts'
import type { AlertStore } from './alerts/alert-store.ts'
import type { AlertSink } from './alerts/sinks/alert-sink.ts'

export interface AppDeps {
  principals: PrincipalStore
  log: DurableQueue
  quarantine: QuarantineStore
  influxQuery: InfluxQueryClient
  metrics: IngestMetrics
  pipeline?: { running: () => boolean, inFlight: () => number }
  /** The alerts area (GET/POST /v1/alerts…), served when the rule engine's alert store is given. */
  alerts?: { store: AlertStore, sinks?: AlertSink[] }
  /** Traceability (/v1/trace…, the public /trace/{code} page and QR codes). */
  trace?: TraceService
  /** Fastify logger options; false (default) for silence. */
  logger?: boolean | Record<string, unknown>
  /** The clock of the rate limits (tests). */
  now?: () => number
}

// shennong_ingest_http_refusals_total{reason}: by code first, then by status.
const REFUSAL_BY_CODE: Record<string, string> = {
  ERR_AUTH_MISSING: 'unauthenticated',
  ERR_AUTH_INVALID: 'bad_token',
  ERR_AUTH_FORBIDDEN: 'forbidden',
  ERR_AUTH_SITE: 'wrong_site',
  ERR_INGEST_LOG: 'log_unavailable',
  ERR_TRACE_FORBIDDEN: 'forbidden',
  ERR_HTTP_RATE_LIMITED: 'rate_limited'
}
const REFUSAL_BY_STATUS: Record<number, string> = { 400: 'invalid', 404: 'not_found', 409: 'conflict', 413: 'too_large', 415: 'unsupported_media_type' }

/** Never rate limited: operations endpoints, scraped and probed often, from one address. */
const UNLIMITED = new Set(['/healthz', '/metrics'])

export async function buildApp (config: IngestConfig, deps: AppDeps): Promise<FastifyInstance> {
  const { https, trustProxy } = buildHttpServerOptions(config.http)
  // With https set, Fastify builds an https.Server; the instance is used the same way.
  const options = { logger: deps.logger ?? false, bodyLimit: config.http.bodyLimit, ajv: undefined, trustProxy, https } as FastifyServerOptions
  const app = (Fastify(options) as FastifyInstance)
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>()
  const limits = createRateLimits(config.http.rateLimit, {
    counter: deps.metrics.httpRateLimited,
    logger: { warn: (msg, fields) => app.log.warn(fields ?? {}, msg) },
    now: deps.now
  })
  const pruneLimits = setInterval(() => limits.prune(), 60_000).unref()
  app.addHook('onClose', async () => clearInterval(pruneLimits))
  const access = createAccess({ principals: deps.principals, mode: config.auth, limits })
  const maxFutureMs = parseDuration(config.pipeline.maxFuture)

  // Before any route (and before swagger collects them): an unguarded route takes from the client
  // address's bucket first; every limited route documents its 429.
  const limitByAddress = async (request: FastifyRequest): Promise<void> => { limits.take('ip', request.ip) }
  app.addHook('onRoute', (route: RouteOptions) => {
    if (UNLIMITED.has(route.url)) return
    const schema = route.schema ?? {}
    route.schema = { ...schema, response: { ...(schema.response as Record<string, unknown> | undefined), 429: ErrorSchema } }
    const hooks = route.onRequest === undefined ? [] : [route.onRequest].flat()
    if (hooks.some(hook => hook === limitByAddress || access.isGuard(hook))) return
    route.onRequest = [limitByAddress, ...hooks]
  })

  // One error shape everywhere: { statusCode, code, error, message, …details }.
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    let status: number
    let code: string
    let message = err.message
    let details: Record<string, unknown> = {}
    if (err instanceof HttpError) {
      status = err.statusCode
      code = err.code
      details = err.details ?? {}
    } else if ((err as FastifyError).validation !== undefined) {
      status = 400
      code = 'ERR_HTTP_VALIDATION'
      message = `${(err as FastifyError).validationContext ?? 'request'}: ${err.message}`
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413
      code = 'ERR_INGEST_TOO_LARGE'
      message = `the request body is larger than ${config.http.bodyLimit} bytes (http.bodyLimit); split it into smaller batches`
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415
      code = 'ERR_INGEST_CONTENT_TYPE'
      message = `unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; send application/json`
    } else if ((err as FastifyError).statusCode !== undefined && (err as FastifyError).statusCode! < 500) {
      status = (err as FastifyError).statusCode!
      code = 'ERR_HTTP_VALIDATION'
    } else {
      status = 500
      code = 'ERR_HTTP_INTERNAL'
      message = 'internal error; the server log has the details'
      request.log.error({ err }, 'request failed')
    }
    const refusal = REFUSAL_BY_CODE[code] ?? REFUSAL_BY_STATUS[status]
    if (refusal !== undefined) deps.metrics.httpRefusals.inc({ reason: refusal })
    if (typeof details.retryAfter === 'number') reply.header('retry-after', String(details.retryAfter))
    reply.code(status).send({ statusCode: status, code, error: httpStatusText(status), message, ...details })
  })
  app.setNotFoundHandler(async (request, reply) => {
    limits.take('ip', request.ip)
    deps.metrics.httpRefusals.inc({ reason: 'not_found' })
    return reply.code(404).send({ statusCode: 404, code: 'ERR_HTTP_NOT_FOUND', error: 'Not Found', message: `no endpoint ${request.method} ${request.url.split('?')[0]}; see /docs` })
  })

  await app.register(swagger, {
    openapi: {
      info: { title: 'Shennong ingest API', version: '1', description: `Error codes: ${Object.keys(ingestErrors).join(', ')}.` },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: '<principal id>.<secret>' } } },
      security: [{ bearer: [] }]
    }
  })

  await app.register(readingsRoutes, { access, log: deps.log, quarantine: deps.quarantine, metrics: deps.metrics, maxFutureMs, bodyLimit: config.http.bodyLimit })
  await app.register(sitesRoutes, { access, influx: deps.influxQuery })
  await app.register(quarantineRoutes, { access, quarantine: deps.quarantine, log: deps.log, maxFutureMs })
  if (deps.alerts !== undefined) await app.register(alertRoutes, { access, store: deps.alerts.store, sinks: deps.alerts.sinks })
  if (deps.trace !== undefined) {
    await app.register(traceRoutes, { access, service: deps.trace, publicUrl: config.trace.publicUrl === '' ? undefined : config.trace.publicUrl })
  }
  await app.register(healthRoutes, {
    log: deps.log,
    consumer: 'ingest',
    metrics: deps.metrics,
    influxUrl: config.influx.url,
    influxHeaders: influxAuthHeaders(config.influx),
    pipeline: deps.pipeline
  })
  await app.register(docsRoutes)
  return app
}

function httpStatusText (status: number): string {
  return ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Error'
}
