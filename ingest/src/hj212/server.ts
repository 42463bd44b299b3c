// The HJ 212 TCP server (spec/hj212.md): stations (data loggers) connect, send framed packets;
// data uploads become readings appended to the ingest log; answers follow the append.
// `createHj212Server(config, deps)` never listens until `listen()`; ingest's main starts it when
// `hj212.enabled` is true.
import { readFileSync } from 'node:fs'
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { HJ212_COMMANDS } from '@shennong/core/codecs/hj212.ts'
import type { Hj212Command, Hj212Options } from '@shennong/core/codecs/hj212.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { MetricsRegistry } from '@shennong/core/metrics.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { createBackfill, type Backfill } from './backfill.ts'
import { hj212DbPath, openBackfillStore, type BackfillStore } from './backfill-store.ts'
import { loadStationsFile, type Hj212Config } from './config.ts'
import { handleConnection, type Connection } from './connection.ts'
import { createHj212Metrics, type Hj212Metrics } from './hj212-metrics.ts'
import { buildStationRegistry, type StationRegistry } from './station-registry.ts'

export interface Hj212ServerDeps {
  /** The ingest log: data records are appended here (the normal pipeline stores them). */
  log: DurableQueue
  /** Holds hj212.db (received DataTimes, backfill gaps). */
  dataDir: string
  logger?: Logger
  /** The process registry; the server's series are added to it. */
  metrics?: MetricsRegistry
  /** Platform clock (epoch ms); default Date.now. */
  now?: () => number
}

export interface Hj212Server {
  listen: () => Promise<{ port: number }>
  close: () => Promise<void>
  readonly metrics: Hj212Metrics
  readonly registry: StationRegistry
  readonly store: BackfillStore
  readonly connections: number
}

/** Codec options for an edition: 2025 adds CN 9015 (heartbeat, public implementations, unverified). */
export function codecOptions (config: Readonly<Hj212Config>): Hj212Options {
  const commands: Record<string, Hj212Command> = { ...HJ212_COMMANDS }
  if (config.edition === '2025') {
    commands['9015'] = Object.freeze({ meaning: 'heartbeat (HJ 212-2025, practice, unverified)', direction: 'device-to-platform', group: 'interaction', edition: '2017', verified: false })
  }
  return { mode: config.mode, lengthCountsChars: config.lengthCountsChars, commands, maxLength: config.maxFrameBytes - 12 }
}

export function createHj212Server (config: Readonly<Hj212Config>, deps: Hj212ServerDeps): Hj212Server {
  const stations = [...config.stations, ...(config.stationsFile === '' ? [] : loadStationsFile(config.stationsFile))]
  const registry = buildStationRegistry(stations)
  const metrics = createHj212Metrics(deps.metrics)
  const now = deps.now ?? Date.now
  const logger = deps.logger
  const store = openBackfillStore(hj212DbPath(deps.dataDir))
  store.prune(now() - parseDuration(config.backfill.keep))
  const backfill: Backfill = createBackfill({
    enabled: config.backfill.enabled,
    maxRangeMs: parseDuration(config.backfill.maxRange),
    replyTimeoutMs: parseDuration(config.backfill.replyTimeout),
    executionTimeoutMs: parseDuration(config.backfill.executionTimeout),
    retries: config.backfill.retries
  }, { store, now, logger, onState: state => { metrics.backfill.inc({ state }) } })
  const connectionDeps = {
    config,
    codec: codecOptions(config),
    registry,
    log: deps.log,
    backfill,
    metrics,
    logger,
    now,
    durations: {
      idleMs: parseDuration(config.idleTimeout),
      keepAliveMs: parseDuration(config.keepAlive),
      splitMs: parseDuration(config.splitReassemblyTimeout),
      maxSkewMs: parseDuration(config.timeCalibration.maxSkew)
    }
  }
  const open = new Set<Connection>()
  const onSocket = (socket: Socket): void => {
    if (open.size >= config.maxConnections) {
      metrics.connectionsTotal.inc({ outcome: 'over-limit' })
      logger?.warn('hj212 connection refused: maxConnections reached', { max: config.maxConnections, remote: socket.remoteAddress })
      socket.destroy()
      return
    }
    metrics.connectionsTotal.inc({ outcome: 'accepted' })
    const conn = handleConnection(socket, connectionDeps)
    open.add(conn)
    metrics.connections.set(open.size)
    socket.once('close', () => {
      open.delete(conn)
      metrics.connections.set(open.size)
      metrics.connectionsTotal.inc({ outcome: 'closed' })
    })
  }
  const tls = config.tls.cert !== '' && config.tls.key !== ''
  const server: Server = tls
    ? createTlsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, onSocket)
    : createTcpServer(onSocket)
  server.on('error', err => { logger?.error('hj212 server error', { err }) })
  let closing: Promise<void> | undefined
  return {
    metrics,
    registry,
    store,
    get connections () { return open.size },
    listen () {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(config.port, config.host, () => {
          server.off('error', reject)
          const address = server.address()
          const port = typeof address === 'object' && address !== null ? address.port : config.port
          logger?.info('hj212 listening', { host: config.host, port, tls, stations: registry.size, edition: config.edition })
          resolve({ port })
        })
      })
    },
    close () {
      closing ??= (async () => {
        const stopped = new Promise<void>(resolve => server.close(() => resolve()))
        const conns = [...open]
        for (const c of conns) c.close()
        await Promise.all(conns.map(c => c.done))
        await stopped
        backfill.close()
        store.close()
      })()
      return closing
    }
  }
}
