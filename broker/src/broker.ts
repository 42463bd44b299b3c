// The MQTT broker (Aedes 1.x, MQTT 3.1.1): listeners for MQTT over TCP, TLS and WebSocket, and a
// small HTTP server for /metrics and /healthz. Everything is injected; nothing here reads
// process.env or argv (broker/src/main.ts does).
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import type { EventEmitter } from 'node:events'
import { Aedes } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { ShennongError } from '@shennong/core/errors.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { MetricsRegistry } from '@shennong/core/metrics.ts'
import type { PrincipalStore } from '@shennong/core/principals.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { createRateLimiter } from '@shennong/core/rate-limiter.ts'
import type { BrokerConfig } from './config.ts'
import { createBrokerMetrics } from './broker-metrics.ts'
import { createRefuse, type HookContext } from './hook-context.ts'
import { createPreConnect } from './hooks/pre-connect.ts'
import { createAuthenticate } from './hooks/authenticate.ts'
import { createAuthorizePublish } from './hooks/authorize-publish.ts'
import { createAuthorizeSubscribe } from './hooks/authorize-subscribe.ts'

export interface BrokerDeps {
  principals: PrincipalStore
  /** The ingest log (core openIngestLog). The caller opens and closes it. */
  log: DurableQueue
  logger: Logger
  metrics: MetricsRegistry
  now?: () => number
}

export interface BrokerPorts {
  mqttPort: number
  tlsPort?: number
  wsPort?: number
  httpPort: number
}

export interface Broker {
  aedes: Aedes
  /** Starts every configured listener; resolves with the ports actually bound (port 0 picks one). */
  listen: () => Promise<BrokerPorts>
  /** Stops the listeners, disconnects clients and waits for pending ingest-log appends. */
  close: () => Promise<void>
}

async function pem (value: string): Promise<string> {
  return value.includes('-----BEGIN') ? value : await readFile(value, 'utf8')
}

function listenOn (server: TcpServer | HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new ShennongError('ERR_BROKER_LISTEN', `${what} cannot listen on ${host}:${port}: ${err.message}`, { cause: err }))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closeServer (server: TcpServer | HttpServer): Promise<void> {
  return new Promise(resolve => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
}

export function createBroker (config: BrokerConfig, deps: BrokerDeps): Broker {
  const logger = deps.logger
  const now = deps.now ?? Date.now
  const metrics = createBrokerMetrics(deps.metrics)
  const limiter = createRateLimiter({ ...config.limits.publishRate, now })
  const ctx: HookContext = {
    config,
    principals: deps.principals,
    log: deps.log,
    logger,
    metrics,
    limiter,
    now,
    sessions: new WeakMap(),
    wills: new WeakMap(),
    appends: new Set(),
    refuse: createRefuse(logger, metrics, now)
  }

  const aedes = new Aedes({
    preConnect: createPreConnect(ctx),
    authenticate: createAuthenticate(ctx),
    authorizePublish: createAuthorizePublish(ctx),
    authorizeSubscribe: createAuthorizeSubscribe(ctx)
  })
  aedes.on('client', () => {
    metrics.connects.inc()
    metrics.connections.set(aedes.connectedClients)
  })
  aedes.on('clientDisconnect', () => metrics.connections.set(aedes.connectedClients))
  aedes.on('clientError', (client, err) => {
    // Refusals were counted and logged where they were decided.
    if ((err as { code?: string }).code?.startsWith('ERR_BROKER_') === true) return
    logger.debug('client error', { clientId: client.id, err })
  })
  aedes.on('connectionError', (client, err) => logger.debug('connection error', { err }))
  // Aedes reports its own failures (e.g. persistence while clearing wills) as 'error': log, never crash.
  ;(aedes as EventEmitter).on('error', (err: Error) => logger.error('broker error', { err }))

  // Every accepted stream, so close() can end connections that never became clients.
  const streams = new Set<Parameters<Aedes['handle']>[0]>()
  const handle = (stream: Parameters<Aedes['handle']>[0], req?: IncomingMessage): void => {
    streams.add(stream)
    stream.once('close', () => streams.delete(stream))
    aedes.handle(stream, req)
  }
  const servers: Array<TcpServer | HttpServer> = []
  let wss: WebSocketServer | undefined
  let pruneTimer: NodeJS.Timeout | undefined
  let closing = false

  const refreshLogGauges = async (): Promise<void> => {
    const s = await deps.log.stats()
    metrics.logDepth.set(s.depth)
    metrics.logBytes.set(s.bytes)
  }

  const onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'method not allowed' }))
      return
    }
    if (path === '/healthz') {
      const ok = !closing && !aedes.closed
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'closing', clients: aedes.connectedClients }))
      return
    }
    if (path === '/metrics') {
      refreshLogGauges().catch((err: unknown) => logger.warn('ingest log stats failed', { err: err instanceof Error ? err : String(err) })).finally(() => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(deps.metrics.render())
      })
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${path}; try /metrics or /healthz` }))
  }

  return {
    aedes,

    async listen () {
      await aedes.listen()
      const host = config.mqtt.host
      const mqtt = createTcpServer(socket => handle(socket))
      servers.push(mqtt)
      const ports: BrokerPorts = { mqttPort: await listenOn(mqtt, config.mqtt.port, host, 'MQTT'), httpPort: 0 }

      const tls = config.mqtt.tls
      if (tls !== undefined) {
        let options: { cert: string, key: string, ca?: string }
        try {
          options = { cert: await pem(tls.cert), key: await pem(tls.key), ...(tls.ca !== undefined ? { ca: await pem(tls.ca) } : {}) }
        } catch (err) {
          throw new ShennongError('ERR_BROKER_LISTEN', `cannot read the TLS files (mqtt.tls): ${(err as Error).message}`, { cause: err })
        }
        const server = createTlsServer(options, socket => handle(socket))
        servers.push(server)
        ports.tlsPort = await listenOn(server, tls.port, host, 'MQTT over TLS')
      }

      if (config.ws !== undefined) {
        const server = createHttpServer((req, res) => { res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: upgrade required\n') })
        servers.push(server)
        wss = new WebSocketServer({ server, path: config.ws.path })
        wss.on('connection', (socket, req) => {
          const stream = createWebSocketStream(socket)
          stream.on('error', () => stream.destroy())
          handle(stream, req)
        })
        ports.wsPort = await listenOn(server, config.ws.port, host, 'MQTT over WebSocket')
      }

      const http = createHttpServer(onHttp)
      servers.push(http)
      ports.httpPort = await listenOn(http, config.http.port, config.http.host, 'HTTP (/metrics, /healthz)')
      pruneTimer = setInterval(() => limiter.prune(), 60_000).unref()
      return ports
    },

    async close () {
      if (closing) return
      closing = true
      if (pruneTimer !== undefined) clearInterval(pruneTimer)
      for (const client of wss?.clients ?? []) client.terminate()
      wss?.close()
      const stopped = Promise.all(servers.map(closeServer))
      await new Promise<void>(resolve => aedes.close(() => resolve()))
      for (const stream of streams) stream.destroy()
      await stopped
      await Promise.all([...ctx.appends])
    }
  }
}
