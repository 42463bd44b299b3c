// The Node-RED settings the flows process runs with: editor and admin API under http.adminPath
// behind admin principals (core PrincipalStore), HTTP-in nodes under http.nodePath, the Shennong
// nodes from flows/nodes, Node-RED's log routed to the process logger, nothing installed at run
// time, and `global.get('shennong')` for the shipped flows' function nodes.
import { fileURLToPath } from 'node:url'
import { parseDuration } from '@shennong/core/duration.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { PrincipalStore } from '@shennong/core/principals.ts'
import type { FlowsConfig } from './config.ts'
import type { FlowsContext } from './flows-context.ts'

export const NODES_DIR = fileURLToPath(new URL('../nodes', import.meta.url))

export interface BrokerReport {
  connected: boolean
  subscriptions: string[]
}

export interface NodeRedSettingsDeps {
  principals: PrincipalStore
  logger: Logger
  context: FlowsContext
  /** Called by each shennong-config node with its connection state; null when it closes. */
  report: (configNodeId: string, state: BrokerReport | null) => void
}

export interface NodeRedUser { username: string, permissions: string }

// Node-RED's log levels (@node-red/util log): 10 fatal, 20 error, 30 warn, 40 info, 50 debug, 60 trace.
const LEVEL_NAMES: Record<string, string> = { debug: 'debug', info: 'info', warn: 'warn', error: 'error', silent: 'off' }

export function buildNodeRedSettings (config: FlowsConfig, paths: { userDir: string, flowFile: string }, deps: NodeRedSettingsDeps): Record<string, unknown> {
  const { principals, logger } = deps
  const asAdmin = (principal: { id: string, role: string } | undefined): NodeRedUser | null =>
    principal !== undefined && principal.role === 'admin' ? { username: principal.id, permissions: '*' } : null
  const secret = config.mqtt.secret
  return {
    userDir: paths.userDir,
    flowFile: paths.flowFile,
    flowFilePretty: true,
    nodesDir: [NODES_DIR],
    httpAdminRoot: config.http.adminPath,
    httpNodeRoot: config.http.nodePath,
    ...(config.nodeRed.credentialSecret === undefined ? {} : { credentialSecret: config.nodeRed.credentialSecret }),
    // ARCHITECTURE §9: the editor and admin API only for principals with role admin.
    adminAuth: {
      type: 'credentials',
      sessionExpiryTime: 8 * 3600,
      users: async (username: string) => asAdmin(principals.get(username)),
      authenticate: async (username: string, password: string) => asAdmin(await principals.verify(username, password))
    },
    logging: {
      console: { level: 'off' },
      shennong: {
        level: LEVEL_NAMES[config.logLevel] ?? 'info',
        metrics: false,
        audit: false,
        handler: () => (entry: { level: number, msg: unknown, type?: string, id?: string, name?: string }) => {
          const text = entry.msg instanceof Error ? entry.msg.message : typeof entry.msg === 'string' ? entry.msg : JSON.stringify(entry.msg)
          const fields = entry.type === undefined ? {} : { node: { type: entry.type, id: entry.id, name: entry.name } }
          if (entry.level <= 20) logger.error(text, fields)
          else if (entry.level <= 30) logger.warn(text, fields)
          else if (entry.level <= 40) logger.info(text, fields)
          else logger.debug(text, fields)
        }
      }
    },
    functionGlobalContext: { shennong: deps.context },
    exportGlobalContextKeys: false,
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false, palette: { catalogues: [] } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false },
    // Read by the shennong-config node when its own fields are empty.
    shennong: {
      broker: {
        url: config.mqtt.url,
        username: config.mqtt.principal,
        password: secret,
        reconnectMs: parseDuration(config.mqtt.reconnect),
        report: deps.report
      }
    }
  }
}
