// The whole stack on one machine: a managed influxd (unless an InfluxDB URL is configured), the
// broker and ingest, each its own process with its own YAML written from the stack config.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { stringify } from 'yaml'
import Type, { type Static } from 'typebox'
import { createLogger, type Logger, type LogLevel } from '../../core/src/logger.ts'
import { createSupervisor, type Supervisor } from './supervisor.ts'
import { startManagedInfluxd, type ManagedInfluxd } from './influxd.ts'
import { pickPort } from './ports.ts'
import { openPrincipalStore, principalsPath } from '../../core/src/principals.ts'
import { deepMerge } from '../../core/src/deep-merge.ts'

const Port = (port: number, description: string) => Type.Integer({ minimum: 0, maximum: 65535, default: port, description })

export const StackConfigSchema = Type.Object({
  dataDir: Type.String({ default: '.data', description: 'Where every process keeps its SQLite files and the managed influxd its data.' }),
  host: Type.String({ default: '127.0.0.1', description: 'Address the listeners bind to. 0.0.0.0 to serve the LAN.' }),
  logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  ports: Type.Object({
    mqtt: Port(1883, 'MQTT (TCP)'),
    mqttWs: Port(8083, 'MQTT over WebSocket'),
    brokerHttp: Port(9101, 'broker /metrics and /healthz'),
    http: Port(8080, 'ingest HTTP API'),
    flows: Port(1880, 'Node-RED flows: the editor at /flows, HTTP-in nodes at /flows-api'),
    influx: Port(8086, 'managed influxd HTTP'),
    influxRpc: Port(8088, 'managed influxd backup/restore RPC')
  }, { additionalProperties: false, default: {}, description: 'A taken port is replaced by a free one (printed at start); 0 always picks a free one.' }),
  influx: Type.Object({
    managed: Type.Boolean({ default: true, description: 'Run influxd (Debian package influxdb) under dataDir/influxdb. False: use ingest.influx.url.' }),
    binary: Type.String({ default: 'influxd' })
  }, { additionalProperties: false, default: {} }),
  broker: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: 'broker options (docs/configuration.md#broker); dataDir and ports are set by the stack.' }),
  flows: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: 'flows options (flows/sample.yaml); dataDir, http, mqtt and ingest are set by the stack. {enabled: false} runs without Node-RED.' }),
  ingest: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: 'ingest options (docs/configuration.md#ingest); dataDir, port and a managed influx URL are set by the stack.' })
}, { additionalProperties: false })

export type StackConfig = Static<typeof StackConfigSchema>

export interface RunningStack {
  dataDir: string
  ports: { mqtt: number, mqttWs: number, brokerHttp: number, http: number, flows: number | null, influx: number | null }
  influxUrl: string
  apiUrl: string
  mqttUrl: string
  supervisor: Supervisor
  logger: Logger
  stop: () => Promise<void>
}

const root = resolve(import.meta.dirname, '..', '..')
export const STACK_SERVICE = 'svc-stack'

async function stackServiceSecret (dataDir: string): Promise<string> {
  const store = openPrincipalStore(principalsPath(dataDir))
  try {
    if (store.get(STACK_SERVICE) === undefined) {
      return (await store.add({ id: STACK_SERVICE, kind: 'service', role: 'service', description: 'the stack\'s own processes (alerts, flows)' })).secret
    }
    return await store.rotate(STACK_SERVICE)
  } finally {
    store.close()
  }
}

async function waitForHttp (url: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
      if (res.status < 500) return
    } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 150))
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs / 1000} s; see its log lines above`)
}


export async function runStack (config: StackConfig, options: { quiet?: boolean } = {}): Promise<RunningStack> {
  const logger = createLogger('stack', config.logLevel as LogLevel)
  const dataDir = resolve(config.dataDir)
  const runDir = join(dataDir, 'run')
  mkdirSync(runDir, { recursive: true })
  const taken = new Set<number>()
  const host = config.host
  const probeHost = host === '0.0.0.0' ? '127.0.0.1' : host
  const ports = {
    mqtt: await pickPort(config.ports.mqtt, host, taken),
    mqttWs: await pickPort(config.ports.mqttWs, host, taken),
    brokerHttp: await pickPort(config.ports.brokerHttp, host, taken),
    http: await pickPort(config.ports.http, host, taken),
    flows: null as number | null,
    influx: null as number | null
  }
  const supervisor = createSupervisor(logger)
  const echo = (name: string) => (line: string): void => { if (options.quiet !== true) process.stderr.write(`${name.padEnd(7)}| ${line}\n`) }

  let influx: ManagedInfluxd | undefined
  const ingestOverrides = (config.ingest ?? {}) as Record<string, unknown>
  let influxUrl = String(((ingestOverrides.influx ?? {}) as Record<string, unknown>).url ?? 'http://127.0.0.1:8086')
  if (config.influx.managed) {
    ports.influx = await pickPort(config.ports.influx, '127.0.0.1', taken)
    const rpcPort = await pickPort(config.ports.influxRpc, '127.0.0.1', taken)
    influx = await startManagedInfluxd({ dir: join(dataDir, 'influxdb'), httpPort: ports.influx, rpcPort, binary: config.influx.binary, onOutput: echo('influxd') })
    influxUrl = influx.url
    logger.info('influxd ready', { url: influxUrl })
  }

  const brokerConfig = deepMerge({
    dataDir,
    logLevel: config.logLevel,
    mqtt: { host, port: ports.mqtt },
    ws: { port: ports.mqttWs },
    http: { host, port: ports.brokerHttp }
  }, config.broker ?? {})
  const ingestConfig = deepMerge(deepMerge({ logLevel: config.logLevel, rules: { dir: join(dataDir, 'rules') } }, ingestOverrides), {
    dataDir,
    http: { host, port: ports.http },
    alerts: { mqtt: { url: `mqtt://${probeHost}:${ports.mqtt}`, username: STACK_SERVICE } },
    ...(config.influx.managed ? { influx: { url: influxUrl } } : {})
  })
  // The stack's own service principal (ingest publishes alerts with it): a fresh secret at every
  // start, handed over in the environment, never written to a file.
  const serviceSecret = await stackServiceSecret(dataDir)
  const { enabled: flowsEnabled = true, ...flowsOverrides } = (config.flows ?? {}) as Record<string, unknown> & { enabled?: boolean }
  if (flowsEnabled !== false) ports.flows = await pickPort(config.ports.flows, host, taken)
  const flowsConfig = deepMerge(deepMerge({ logLevel: config.logLevel }, flowsOverrides), {
    dataDir,
    http: { host, port: ports.flows ?? 0 },
    mqtt: { url: `mqtt://${probeHost}:${ports.mqtt}`, principal: STACK_SERVICE },
    ingest: { url: `http://${probeHost}:${ports.http}`, principal: STACK_SERVICE }
  })
  const brokerFile = join(runDir, 'broker.yaml')
  const ingestFile = join(runDir, 'ingest.yaml')
  writeFileSync(brokerFile, `# Written by "shennong start" from the stack config; edit that instead.\n${stringify(brokerConfig)}`)
  writeFileSync(ingestFile, `# Written by "shennong start" from the stack config; edit that instead.\n${stringify(ingestConfig)}`)

  const cli = join(root, 'bin', 'shennong.ts')
  supervisor.start({ name: 'broker', command: process.execPath, args: [cli, 'broker', '-c', brokerFile], onLine: echo('broker') })
  // V8 grows ingest's young generation to 128 MB under load; 16 MB semi-spaces keep the process
  // ~100 MB smaller at the same throughput.
  supervisor.start({ name: 'ingest', command: process.execPath, args: ['--max-semi-space-size=16', cli, 'ingest', '-c', ingestFile], env: { SHENNONG_ALERTS_MQTT_PASSWORD: serviceSecret }, onLine: echo('ingest') })
  if (ports.flows !== null) {
    const flowsFile = join(runDir, 'flows.yaml')
    writeFileSync(flowsFile, `# Written by "shennong start" from the stack config; edit that instead.\n${stringify(flowsConfig)}`)
    supervisor.start({
      name: 'flows',
      command: process.execPath,
      args: [cli, 'flows', '-c', flowsFile],
      env: { SHENNONG_FLOWS_SECRET: serviceSecret, SHENNONG_FLOWS_INGEST_SECRET: serviceSecret },
      onLine: echo('flows')
    })
  }
  const stop = async (): Promise<void> => {
    await supervisor.stop()
    await influx?.stop()
  }
  try {
    await Promise.all([
      waitForHttp(`http://${probeHost}:${ports.brokerHttp}/healthz`, 60_000, 'the broker'),
      waitForHttp(`http://${probeHost}:${ports.http}/healthz`, 60_000, 'ingest'),
      ...(ports.flows === null ? [] : [waitForHttp(`http://${probeHost}:${ports.flows}/healthz`, 90_000, 'flows (Node-RED)')])
    ])
  } catch (err) {
    await stop()
    throw err
  }
  return {
    dataDir,
    ports,
    influxUrl,
    apiUrl: `http://${probeHost}:${ports.http}`,
    mqttUrl: `mqtt://${probeHost}:${ports.mqtt}`,
    supervisor,
    logger,
    stop
  }
}
