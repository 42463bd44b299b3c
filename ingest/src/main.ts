// The ingest composition root: `shennong ingest -c ingest.yaml`. Loads the config, opens the
// principal store, the ingest log, quarantine and the InfluxDB writer, builds the HTTP app, starts
// the pipeline, listens, and stops gracefully on SIGINT/SIGTERM. `startIngest(config)` does the
// same in-process for tests and benchmarks.
import { existsSync, mkdirSync } from 'node:fs'
import { parseServiceArgs, untilStopSignal } from '@shennong/core/service-main.ts'
import type { FastifyInstance } from 'fastify'
import { parseDuration } from '@shennong/core/duration.ts'
import { openIngestLog } from '@shennong/core/ingest-log.ts'
import { createLogger, type LogLevel, type Logger } from '@shennong/core/logger.ts'
import { openPrincipalStore, principalsPath } from '@shennong/core/principals.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import { buildApp } from './app.ts'
import { loadIngestConfig, type IngestConfig } from './config.ts'
import { createIngestMetrics, type IngestMetrics } from './ingest-metrics.ts'
import { createInfluxWriter } from './influx/create-writer.ts'
import { createInfluxQuery } from './influx/query.ts'
import { ensureRollups } from './influx/rollups.ts'
import { createPipeline, type Pipeline } from './pipeline/pipeline.ts'
import { createDecodedEntries } from './pipeline/decoded-entries.ts'
import { createQualityControl } from './qc/quality-control.ts'
import { openQuarantineStore, quarantinePath, type QuarantineStore } from './quarantine/quarantine-store.ts'
import { startAlerting, type Alerting } from './alerts/alerting.ts'
import { createFleetStatus, type FleetStatus } from './fleet-status/fleet-status.ts'
import { resolveFleetStatusMqtt } from './fleet-status/config.ts'
import { createHj212Server, type Hj212Server } from './hj212/server.ts'
import { openTraceStore, tracePath } from './trace/trace-store.ts'
import { createTraceService } from './trace/trace-service.ts'

export interface RunningIngest {
  app: FastifyInstance
  pipeline: Pipeline
  log: DurableQueue
  quarantine: QuarantineStore
  metrics: IngestMetrics
  /** The rule engine, alert store and sinks; undefined when "rules" is not a log consumer. */
  alerting: Alerting | undefined
  /** The gateway status and command subscriber; undefined when it has no broker (fleetStatus, alerts.mqtt) or the pipeline is off. */
  fleetStatus: FleetStatus | undefined
  /** The HJ 212 station server; undefined unless hj212.enabled. */
  hj212: Hj212Server | undefined
  hj212Port: number | undefined
  port: number
  url: string
  /** Stops listening, stops the pipeline (in-flight batches get `drainMs` to finish), closes every store. */
  close: (options?: { drainMs?: number }) => Promise<void>
}

export interface StartIngestOptions {
  logger?: Logger
  /** Start the pipeline (default true); false serves HTTP only. */
  pipeline?: boolean
}

/** Creates the InfluxDB database (v1) in the background until it succeeds; InfluxDB may start later. */
function ensureDatabaseEventually (ensure: () => Promise<void>, logger: Logger): { stop: () => void } {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let delay = 500
  const attempt = (): void => {
    ensure().then(() => { logger.debug('influx database ready') }, (err: Error) => {
      if (stopped) return
      logger.warn('cannot create the InfluxDB database yet; retrying', { err, retryInMs: delay })
      timer = setTimeout(attempt, delay)
      delay = Math.min(delay * 2, 10_000)
    })
  }
  attempt()
  return { stop: () => { stopped = true; clearTimeout(timer) } }
}

/**
 * Readings held decoded for the consumer that reaches an entry second (about two batches of 50
 * readings per message); past it the slower consumer decodes for itself.
 */
const SHARED_DECODE_READINGS = 50_000

export async function startIngest (config: IngestConfig, options: StartIngestOptions = {}): Promise<RunningIngest> {
  const logger = options.logger ?? createLogger('ingest', config.logLevel as LogLevel)
  if (!config.ingestLog.consumers.includes('ingest')) {
    throw new ShennongError('ERR_CONFIG_INVALID', `ingestLog.consumers must include "ingest" (it is ${JSON.stringify(config.ingestLog.consumers)})`)
  }
  mkdirSync(config.dataDir, { recursive: true })
  const metrics = createIngestMetrics()
  const principals = openPrincipalStore(principalsPath(config.dataDir))
  const log = openIngestLog({
    dataDir: config.dataDir,
    consumers: [...config.ingestLog.consumers],
    retireOthers: true,
    sync: config.ingestLog.sync,
    // A release lost to a power failure only hands entries out again, and storage overwrites a
    // point with itself (ARCHITECTURE §5): releases need not wait for an fsync.
    releaseSync: 'normal',
    groupCommitMs: parseDuration(config.ingestLog.groupCommit),
    limits: {
      maxEntries: config.ingestLog.maxEntries,
      maxBytes: config.ingestLog.maxBytes,
      onFull: config.ingestLog.onFull,
      backpressureTimeoutMs: parseDuration(config.ingestLog.backpressureTimeout)
    }
  })
  log.onDrop((count, reason) => { logger.warn('the ingest log dropped entries', { count, reason }) })
  const quarantine = openQuarantineStore(quarantinePath(config.dataDir))
  // With rollups, readings go to the raw retention policy by name: a write before the policy exists
  // is retried (InfluxDB answers 500), so no point can land in autogen before raw is the default.
  const writeConfig = config.influx.api === 'v1' && config.rollups.enabled === 'on' && config.influx.retentionPolicy === ''
    ? { ...config.influx, retentionPolicy: config.rollups.raw.name }
    : config.influx
  const writer = createInfluxWriter(writeConfig, { logger: logger.child('influx') })
  const influxQuery = createInfluxQuery(config.influx)
  // The database, then the retention policies and continuous queries of the rollups (InfluxDB 1.x).
  const database = config.influx.api === 'v1'
    ? ensureDatabaseEventually(async () => {
      await influxQuery.ensureDatabase()
      if (config.rollups.enabled === 'on') await ensureRollups(influxQuery, { ...config.rollups, database: config.influx.database }, { influx: config.influx })
    }, logger)
    : { stop: () => {} }
  // Storage and the rule engine decode each entry once between them (bounded: see decoded-entries.ts).
  const rulesConsume = config.ingestLog.consumers.includes(config.rules.consumer)
  const decoded = createDecodedEntries({ consumers: rulesConsume ? 2 : 1, maxReadings: SHARED_DECODE_READINGS })
  const pipeline = createPipeline(config.pipeline, {
    log,
    writer,
    quarantine,
    qc: createQualityControl(config.qc),
    metrics,
    logger: logger.child('pipeline'),
    decoded
  })
  const alerting = rulesConsume
    ? startAlerting(config, { log, influxConfig: writeConfig, registry: metrics.registry, logger: logger.child('rules'), decoded })
    : undefined
  const traceStore = openTraceStore(tracePath(config.dataDir))
  const trace = createTraceService({ store: traceStore, influx: influxQuery, alerts: alerting?.store })
  const app = await buildApp(config, {
    trace,
    principals,
    log,
    quarantine,
    influxQuery,
    metrics,
    pipeline,
    alerts: alerting === undefined ? undefined : { store: alerting.store, sinks: alerting.sinks },
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'ingest.http', stream: process.stderr }
  })
  if (options.pipeline !== false) pipeline.start()
  if (options.pipeline !== false) await alerting?.start()
  const fleetStatusMqtt = resolveFleetStatusMqtt(config.fleetStatus, config.alerts.mqtt)
  const fleetStatus = options.pipeline !== false && fleetStatusMqtt !== undefined
    ? createFleetStatus({ mqtt: fleetStatusMqtt, maxPending: config.fleetStatus.maxPending, batchPoints: config.fleetStatus.batchPoints }, { influxConfig: writeConfig, registry: metrics.registry, logger: logger.child('fleet-status') })
    : undefined
  const hj212 = config.hj212.enabled
    ? createHj212Server(config.hj212, { log, dataDir: config.dataDir, logger: logger.child('hj212'), metrics: metrics.registry })
    : undefined
  let hj212Port: number | undefined
  try {
    if (hj212 !== undefined) hj212Port = (await hj212.listen()).port
    await app.listen({ host: config.http.host, port: config.http.port })
  } catch (err) {
    await hj212?.close()
    await fleetStatus?.close({ drainMs: 0 })
    traceStore.close()
    await pipeline.stop({ drainMs: 0 })
    await alerting?.close()
    database.stop()
    await writer.close()
    await log.close()
    quarantine.close()
    principals.close()
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.http.port
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host
  let closing: Promise<void> | undefined
  return {
    app,
    pipeline,
    log,
    quarantine,
    metrics,
    alerting,
    fleetStatus,
    hj212,
    hj212Port,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close (closeOptions = {}) {
      closing ??= (async () => {
        await hj212?.close()
        await app.close()
        await pipeline.stop({ drainMs: closeOptions.drainMs ?? 5000 })
        await alerting?.close()
        await fleetStatus?.close({ drainMs: Math.min(closeOptions.drainMs ?? 2000, 2000) })
        traceStore.close()
        database.stop()
        await writer.close()
        await log.close()
        quarantine.close()
        principals.close()
      })()
      return closing
    }
  }
}

const HELP = `Usage: shennong ingest [-c ingest.yaml]

Runs the ingest service: consumes the ingest log into InfluxDB (with quarantine and quality
control) and serves the HTTP API. Every option is documented in ingest/sample.yaml.
Secrets come from SHENNONG_INFLUX_TOKEN and SHENNONG_INFLUX_PASSWORD, the address from
SHENNONG_INFLUX_URL.

  -c, --config FILE   config file (default: ingest.yaml when it exists, else all defaults)
  -h, --help          this text
`

export async function main (argv: string[]): Promise<number> {
  const args = parseServiceArgs('ingest', argv, HELP)
  if ('exit' in args) return args.exit
  const file = args.config ?? (existsSync('ingest.yaml') ? 'ingest.yaml' : undefined)
  const config = loadIngestConfig({ file })
  const logger = createLogger('ingest', config.logLevel as LogLevel)
  const ingest = await startIngest(config, { logger })
  // Always printed (stdout, one JSON line), whatever the log level: supervisors and scripts read the port here.
  process.stdout.write(JSON.stringify({ msg: 'ingest listening', port: ingest.port, url: ingest.url, hj212Port: ingest.hj212Port, dataDir: config.dataDir, influx: config.influx.url }) + '\n')
  const signal = await untilStopSignal()
  logger.info('stopping', { signal })
  await ingest.close()
  logger.info('stopped')
  return 0
}
