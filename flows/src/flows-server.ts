// createFlowsServer(config, deps): Fastify with @fastify/middie carrying Node-RED 5 embedded: the
// editor and admin API under http.adminPath (admin principals only), the flows' HTTP-in nodes under
// http.nodePath (bearer token of any principal, unless nodeAuth: none), GET /healthz. Node-RED is a
// singleton per process (its own rule: it cannot be started again after stop), so is this server.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { IncomingMessage, ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import middie from '@fastify/middie'
import { ShennongError } from '@shennong/core/errors.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { PrincipalStore } from '@shennong/core/principals.ts'
import type { FlowsConfig } from './config.ts'
import { buildFlowsContext } from './flows-context.ts'
import type { Mailer } from './mailer.ts'
import { buildNodeRedSettings, type BrokerReport } from './node-red-settings.ts'

/** The flows shipped with Shennong; copied to the flow file on first start. */
export const SHIPPED_FLOWS = fileURLToPath(new URL('../flows.json', import.meta.url))

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

/** The parts of the node-red module this server uses. */
export interface NodeRed {
  init: (server: unknown, settings: Record<string, unknown>) => void
  start: () => Promise<void>
  stop: () => Promise<void>
  httpAdmin: Middleware
  httpNode: Middleware
  events: { on: (event: string, fn: (payload: unknown) => void) => void, off?: (event: string, fn: (payload: unknown) => void) => void, removeListener: (event: string, fn: (payload: unknown) => void) => void }
  nodes: {
    getNode: (id: string) => unknown
    getNodeList: () => Array<{ id: string, enabled: boolean, err?: string, types: string[], module: string }>
  }
}

export interface FlowsServerDeps {
  principals: PrincipalStore
  logger: Logger
  mailer?: Mailer
}

export interface FlowsStatus {
  flows: 'starting' | 'started' | 'stopped'
  /** Per shennong-config node: connected, and the subscriptions the broker granted. */
  brokers: Record<string, BrokerReport>
}

export interface FlowsServer {
  app: FastifyInstance
  red: NodeRed
  /** Starts Node-RED and its flows, then listens; resolves with the port. */
  listen: () => Promise<{ port: number, url: string }>
  status: () => FlowsStatus
  close: () => Promise<void>
}

const require = createRequire(import.meta.url)
let claimed = false

/**
 * Node-RED keeps a timer for the expiry of editor sessions and does not clear it on stop, which
 * would keep this process alive after close(). Re-initialising its token module with an empty
 * session list and asking for a token makes it run its expiry pass, which clears that timer and
 * schedules none (sessions stay saved in the userDir for the next start).
 */
async function releaseSessionTimer (): Promise<void> {
  const tokens = require('@node-red/editor-api/lib/auth/tokens.js') as {
    init: (settings: Record<string, unknown>, storage: { getSessions: () => Promise<object>, saveSessions: () => Promise<void> }) => Promise<void>
    get: (token: string) => Promise<unknown>
  }
  await tokens.init({}, { getSessions: async () => ({}), saveSessions: async () => {} })
  await tokens.get('')
}

export function resolveNodeRedPaths (config: FlowsConfig): { userDir: string, flowFile: string } {
  const userDir = config.nodeRed.userDir ?? join(config.dataDir, 'node-red')
  return { userDir, flowFile: config.nodeRed.flowFile ?? join(userDir, 'flows.json') }
}

function flowsStarted (red: NodeRed, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer)
      red.events.removeListener('flows:started', onStarted)
      red.events.removeListener('runtime-event', onRuntime)
    }
    const onStarted = (): void => { cleanup(); resolve() }
    const onRuntime = (event: unknown): void => {
      const e = event as { id?: string, payload?: { error?: string, types?: string[] } }
      if (e.id === 'runtime-state' && e.payload?.error === 'missing-types') {
        cleanup()
        reject(new ShennongError('ERR_FLOWS_START', `the flows use node types that are not installed: ${(e.payload.types ?? []).join(', ')}`))
      }
    }
    const timer = setTimeout(() => { cleanup(); reject(new ShennongError('ERR_FLOWS_START', `the flows did not start within ${timeoutMs} ms`)) }, timeoutMs)
    red.events.on('flows:started', onStarted)
    red.events.on('runtime-event', onRuntime)
  })
}

export async function createFlowsServer (config: FlowsConfig, deps: FlowsServerDeps): Promise<FlowsServer> {
  if (claimed) throw new ShennongError('ERR_FLOWS_RUNNING', 'Node-RED already runs in this process; it can run only once per process')
  claimed = true
  const { principals, logger } = deps
  const paths = resolveNodeRedPaths(config)
  mkdirSync(paths.userDir, { recursive: true })
  mkdirSync(dirname(paths.flowFile), { recursive: true })
  if (!existsSync(paths.flowFile)) {
    copyFileSync(SHIPPED_FLOWS, paths.flowFile)
    logger.info('seeded the flow file with the shipped flows', { flowFile: paths.flowFile })
  }

  const brokers = new Map<string, BrokerReport>()
  let state: FlowsStatus['flows'] = 'starting'
  const context = buildFlowsContext(config, { mailer: deps.mailer })
  const settings = buildNodeRedSettings(config, paths, {
    principals,
    logger: logger.child('node-red'),
    context,
    report: (id, report) => { if (report === null) brokers.delete(id); else brokers.set(id, report) }
  })

  const app = Fastify({ logger: false })
  await app.register(middie)
  const red = require('node-red') as NodeRed
  red.init(app.server, settings)

  const status = (): FlowsStatus => ({ flows: state, brokers: Object.fromEntries(brokers) })
  app.get('/healthz', async (_request, reply) => {
    const s = status()
    const ok = s.flows === 'started' && Object.values(s.brokers).every(b => b.connected)
    return await reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', ...s })
  })

  app.use(config.http.adminPath, red.httpAdmin)
  if (config.http.nodeAuth === 'principal') {
    // ARCHITECTURE §9: no anonymous HTTP. HTTP-in nodes take `Authorization: Bearer <id>.<secret>`.
    app.use(config.http.nodePath, (req, res, next) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
      const refuse = (message: string): void => {
        res.statusCode = 401
        res.setHeader('content-type', 'application/json; charset=utf-8')
        res.setHeader('www-authenticate', 'Bearer')
        res.end(JSON.stringify({ statusCode: 401, code: 'ERR_AUTH_MISSING', error: 'Unauthorized', message }))
      }
      if (m === null) { refuse('send "Authorization: Bearer <id>.<secret>" (create one with "shennong principal add")'); return }
      principals.verifyToken(m[1]).then(p => {
        if (p === undefined) refuse('the token is unknown or its secret is wrong')
        else next()
      }, next)
    })
  }
  app.use(config.http.nodePath, red.httpNode)

  let closing: Promise<void> | undefined
  return {
    app,
    red,
    status,
    async listen () {
      const started = flowsStarted(red, parseDuration(config.nodeRed.startTimeout))
      started.catch(() => {})
      await red.start()
      await started
      state = 'started'
      try {
        await app.listen({ host: config.http.host, port: config.http.port })
      } catch (cause) {
        throw new ShennongError('ERR_FLOWS_LISTEN', `cannot listen on ${config.http.host}:${config.http.port}: ${(cause as Error).message}`, { cause })
      }
      const address = app.server.address()
      const port = typeof address === 'object' && address !== null ? address.port : config.http.port
      return { port, url: `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}` }
    },
    close () {
      closing ??= (async () => {
        state = 'stopped'
        await red.stop()
        await releaseSessionTimer()
        await app.close()
        deps.mailer?.close()
      })()
      return closing
    }
  }
}
