// The flows composition root: `shennong flows -c flows.yaml`. The only place that reads argv and
// process.env, opens the principal store, builds the mailer, starts Node-RED, listens, installs
// signal handlers and decides the exit code.
import { mkdirSync } from 'node:fs'
import { parseServiceArgs, untilStopSignal } from '@shennong/core/service-main.ts'
import { createLogger, type Logger } from '@shennong/core/logger.ts'
import { openPrincipalStore, principalsPath, type PrincipalStore } from '@shennong/core/principals.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import { loadFlowsConfig, type FlowsConfig } from './config.ts'
import { createFlowsServer, type FlowsServer } from './flows-server.ts'
import { createMailer } from './mailer.ts'

export const USAGE = `Usage: shennong flows [-c flows.yaml]

Runs Node-RED for notification routing and automation: the editor at http.adminPath (/flows) for
principals with role admin, HTTP-in nodes at http.nodePath (/flows-api), the Shennong nodes, and the
shipped flows (alert → webhook, alert → e-mail, drought → valve, daily digest).

Options:
  -c, --config <file>  YAML config (see flows/sample.yaml); without it every default applies
  -h, --help           show this text

Environment (secrets only):
  SHENNONG_FLOWS_SECRET             the MQTT service principal's secret (mqtt.secret)
  SHENNONG_FLOWS_INGEST_SECRET      the ingest API principal's secret (ingest.secret)
  SHENNONG_FLOWS_SMTP_PASSWORD      the SMTP password (smtp.password)
  SHENNONG_FLOWS_CREDENTIAL_SECRET  encrypts the flows' credentials file (nodeRed.credentialSecret)

Prints one JSON line {"msg":"listening","port":…,"editor":…} once the flows run; SIGINT or SIGTERM
stops Node-RED and exits 0.
`

export interface RunningFlows {
  config: FlowsConfig
  server: FlowsServer
  principals: PrincipalStore
  port: number
  url: string
  close: () => Promise<void>
}

/** Starts the flows process in this process from a config (validated here): for tests and `shennong start`. */
export async function startFlows (input: unknown, options: { logger?: Logger, env?: Record<string, string | undefined> } = {}): Promise<RunningFlows> {
  const config = loadFlowsConfig({ value: input, env: options.env ?? {} })
  const logger = options.logger ?? createLogger('flows', config.logLevel)
  mkdirSync(config.dataDir, { recursive: true })
  const principals = openPrincipalStore(principalsPath(config.dataDir))
  const mailer = config.smtp === undefined ? undefined : createMailer(config.smtp)
  let server: FlowsServer | undefined
  try {
    server = await createFlowsServer(config, { principals, logger, mailer })
    const { port, url } = await server.listen()
    let closed: Promise<void> | undefined
    const s = server
    return {
      config,
      server: s,
      principals,
      port,
      url,
      close () {
        closed ??= (async () => {
          await s.close()
          principals.close()
        })()
        return closed
      }
    }
  } catch (err) {
    if (server !== undefined) await server.close().catch(() => {})
    else mailer?.close()
    principals.close()
    throw err
  }
}

export async function main (argv: string[]): Promise<number> {
  const args = parseServiceArgs('flows', argv, USAGE)
  if ('exit' in args) return args.exit
  const config = loadFlowsConfig({ file: args.config, env: process.env })
  const logger = createLogger('flows', config.logLevel)
  if (config.mqtt.secret === undefined) logger.warn('no MQTT secret (SHENNONG_FLOWS_SECRET): the Shennong nodes will be refused by a broker that requires credentials')
  let running: RunningFlows
  try {
    running = await startFlows(config, { logger, env: {} })
  } catch (err) {
    if (err instanceof ShennongError) {
      logger.error(err.message, { code: err.code })
      return 1
    }
    throw err
  }
  logger.info('listening', { port: running.port, editor: `${running.url}${config.http.adminPath}`, httpNodes: `${running.url}${config.http.nodePath}`, broker: config.mqtt.url })

  const signal = await untilStopSignal()
  logger.info('closing', { signal })
  await running.close().catch((err: unknown) => { logger.error('close failed', { err: err instanceof Error ? err : String(err) }) })
  logger.info('closed')
  return 0
}
