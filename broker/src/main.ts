// The broker's composition root: the only place that reads argv and process.env, opens the stores,
// listens, installs signal handlers and decides the exit code. `shennong broker -c broker.yaml`.
import { mkdirSync } from 'node:fs'
import { parseServiceArgs, untilStopSignal } from '@shennong/core/service-main.ts'
import { createLogger, type Logger } from '@shennong/core/logger.ts'
import { createMetricsRegistry, type MetricsRegistry } from '@shennong/core/metrics.ts'
import { openIngestLog } from '@shennong/core/ingest-log.ts'
import { openPrincipalStore, principalsPath, type PrincipalStore } from '@shennong/core/principals.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import { createBroker, type Broker, type BrokerPorts } from './broker.ts'
import { ingestLogOptions, loadBrokerConfig, type BrokerConfig } from './config.ts'

export const USAGE = `Usage: shennong broker [-c broker.yaml]

Runs the Shennong MQTT broker (MQTT 3.1.1): authenticates principals, enforces the topic ACL,
appends telemetry to the ingest log before acknowledging it, and serves /metrics and /healthz.

Options:
  -c, --config <file>  YAML config (see broker/sample.yaml); without it every default applies
  -h, --help           show this text

Environment (secrets only):
  SHENNONG_BROKER_TLS_KEY  the TLS private key (PEM text or file path), overriding mqtt.tls.key

Prints one JSON line {"msg":"listening","mqttPort":…} once every listener is up; SIGINT or SIGTERM
closes gracefully (pending appends are committed) and exits 0.
`

export interface RunningBroker {
  config: BrokerConfig
  ports: BrokerPorts
  broker: Broker
  principals: PrincipalStore
  log: DurableQueue
  metrics: MetricsRegistry
  /** Closes the broker, then the ingest log and the principal store. */
  close: () => Promise<void>
}

/**
 * Starts a whole broker in this process from a config (validated here, so a partial object like
 * `{ dataDir, mqtt: { port: 0 }, http: { port: 0 } }` works): for tests of other packages.
 */
export async function startBroker (input: unknown, options: { logger?: Logger } = {}): Promise<RunningBroker> {
  const config = loadBrokerConfig({ value: input })
  const logger = options.logger ?? createLogger('broker', config.logLevel)
  mkdirSync(config.dataDir, { recursive: true })
  const principals = openPrincipalStore(principalsPath(config.dataDir))
  const log = openIngestLog(ingestLogOptions(config))
  const metrics = createMetricsRegistry()
  const broker = createBroker(config, { principals, log, logger, metrics })
  let ports: BrokerPorts
  try {
    ports = await broker.listen()
  } catch (err) {
    await broker.close()
    await log.close()
    principals.close()
    throw err
  }
  let closed: Promise<void> | undefined
  return {
    config,
    ports,
    broker,
    principals,
    log,
    metrics,
    close () {
      closed ??= (async () => {
        await broker.close()
        await log.close()
        principals.close()
      })()
      return closed
    }
  }
}

export async function main (argv: string[]): Promise<number> {
  const args = parseServiceArgs('broker', argv, USAGE)
  if ('exit' in args) return args.exit
  const raw = loadBrokerConfig({ file: args.config, env: process.env })
  const logger = createLogger('broker', raw.logLevel)
  let running: RunningBroker
  try {
    running = await startBroker(raw, { logger })
  } catch (err) {
    if (err instanceof ShennongError) {
      logger.error(err.message, { code: err.code })
      return 1
    }
    throw err
  }
  logger.info('listening', { ...running.ports, host: running.config.mqtt.host, dataDir: running.config.dataDir, auth: running.config.auth })
  if (running.config.auth === 'demo-anonymous') logger.warn('auth is demo-anonymous: clients without credentials are accepted')

  const signal = await untilStopSignal()
  logger.info('closing', { signal })
  await running.close().catch((err: unknown) => { logger.error('close failed', { err: err instanceof Error ? err : String(err) }) })
  logger.info('closed')
  return 0
}
