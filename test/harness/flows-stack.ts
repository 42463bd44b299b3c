// Starts the real stack with the Node-RED flows process configured by the test (webhooks,
// irrigation valves, …: the stack config's `flows` section, passed through to flows.yaml), and
// with extra principals (a second gateway, a test's own service subscriber) added to principals.db
// before any process starts. Otherwise like startTestStack: broker, ingest and flows as child
// processes, an influxd the test owns, the gateway gw-test at site-test and an admin token.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../core/src/config.ts'
import { openPrincipalStore, principalsPath, formatToken, type PrincipalInput } from '../../core/src/principals.ts'
import { runStack, StackConfigSchema } from '../../bin/stack/stack.ts'
import type { TestStack } from './stack.ts'

export interface FlowsTestStackOptions {
  influxUrl: string
  /** flows options (flows/sample.yaml) except dataDir, http, mqtt and ingest, which the stack sets. */
  flows?: Record<string, unknown>
  broker?: Record<string, unknown>
  ingest?: Record<string, unknown>
  /** Added to principals.db before the stack starts; their secrets come back in `secrets`. */
  principals?: PrincipalInput[]
  /** Called with the data directory before the stack starts (e.g. to write rule files to dataDir/rules). */
  prepare?: (dataDir: string) => void | Promise<void>
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
  /** Echo the children's log lines (default: only when SHENNONG_TEST_VERBOSE=1). */
  verbose?: boolean
}

export interface FlowsTestStack extends TestStack {
  /** Secrets of the principals given in `options.principals`, by id. */
  secrets: Record<string, string>
}

export async function startFlowsTestStack (options: FlowsTestStackOptions): Promise<FlowsTestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-flows-stack-'))
  const secrets: Record<string, string> = {}
  const store = openPrincipalStore(principalsPath(dataDir))
  let gateway: TestStack['gateway']
  let adminSecret: string
  try {
    gateway = { id: 'gw-test', site: 'site-test', secret: (await store.add({ id: 'gw-test', kind: 'gateway', sites: ['site-test'] })).secret }
    adminSecret = (await store.add({ id: 'admin', kind: 'user', role: 'admin' })).secret
    for (const p of options.principals ?? []) secrets[p.id] = (await store.add(p)).secret
  } finally {
    store.close()
  }
  try {
    await options.prepare?.(dataDir)
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  const config = loadConfig({
    schema: StackConfigSchema,
    value: {
      dataDir,
      logLevel: options.logLevel ?? 'warn',
      ports: { mqtt: 0, mqttWs: 0, brokerHttp: 0, http: 0, flows: 0 },
      flows: { ...(options.flows ?? {}), enabled: true },
      influx: { managed: false },
      broker: options.broker ?? {},
      ingest: { ...(options.ingest ?? {}), influx: { ...((options.ingest?.influx ?? {}) as object), url: options.influxUrl } }
    }
  })
  const verbose = options.verbose ?? process.env.SHENNONG_TEST_VERBOSE === '1'
  let stack
  try {
    stack = await runStack(config, { quiet: !verbose })
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  const stop = stack.stop
  return {
    ...stack,
    gateway,
    adminToken: formatToken('admin', adminSecret),
    secrets,
    async stop () {
      await stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
