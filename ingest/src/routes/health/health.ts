// GET /healthz: is the ingest log readable, is InfluxDB reachable, is the pipeline running. InfluxDB
// being down is reported, not a failure (the log holds the backlog): 200 with status "degraded".
// Only an unreadable log answers 503.
// GET /metrics: Prometheus text (ingest-metrics.ts lists every name).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import type { IngestMetrics } from '../../ingest-metrics.ts'

export interface HealthRoutesOptions {
  log: DurableQueue
  consumer: string
  metrics: IngestMetrics
  influxUrl: string
  influxHeaders: Record<string, string>
  pipeline?: { running: () => boolean, inFlight: () => number }
}

const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('failing')]),
  log: Type.Object({ ok: Type.Boolean(), pending: Type.Optional(Type.Integer()), oldestAgeSeconds: Type.Optional(Type.Number()), error: Type.Optional(Type.String()) }),
  influx: Type.Object({ reachable: Type.Boolean(), url: Type.String(), version: Type.Optional(Type.String()), error: Type.Optional(Type.String()) }),
  pipeline: Type.Object({ running: Type.Boolean(), inFlightBatches: Type.Integer() })
})

async function pingInflux (url: string, headers: Record<string, string>): Promise<{ reachable: boolean, version?: string, error?: string }> {
  try {
    const res = await fetch(`${url}/ping`, { headers, signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    if (res.status >= 200 && res.status < 300) {
      const version = res.headers.get('x-influxdb-version') ?? undefined
      return version === undefined ? { reachable: true } : { reachable: true, version }
    }
    return { reachable: false, error: `GET /ping answered ${res.status}` }
  } catch (err) {
    return { reachable: false, error: (err as Error).message }
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, options) => {
  const { log, consumer, metrics } = options

  app.get('/healthz', {
    schema: { summary: 'Liveness and dependencies', tags: ['operations'], response: { 200: HealthResponse, 503: HealthResponse } }
  }, async (_request, reply) => {
    const influx = { url: options.influxUrl, ...await pingInflux(options.influxUrl, options.influxHeaders) }
    const pipeline = { running: options.pipeline?.running() ?? false, inFlightBatches: options.pipeline?.inFlight() ?? 0 }
    let logState: { ok: boolean, pending?: number, oldestAgeSeconds?: number, error?: string }
    try {
      const stats = await log.stats()
      logState = { ok: true, pending: stats.consumers[consumer]?.pending ?? 0, oldestAgeSeconds: stats.oldestAppendedAt === null ? 0 : (Date.now() - stats.oldestAppendedAt) / 1000 }
    } catch (err) {
      logState = { ok: false, error: (err as Error).message }
    }
    const status = !logState.ok ? 'failing' : (influx.reachable && (options.pipeline === undefined || pipeline.running)) ? 'ok' : 'degraded'
    reply.code(status === 'failing' ? 503 : 200)
    return { status, log: logState, influx, pipeline } as const
  })

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] } }, async (_request, reply) => {
    try {
      metrics.setLogStats(await log.stats(), consumer)
    } catch { /* the log is closed: the last values stay */ }
    reply.type('text/plain; version=0.0.4; charset=utf-8')
    return metrics.registry.render()
  })
}
