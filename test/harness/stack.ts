// Starts the real stack (broker, ingest and optionally Node-RED flows as child processes under the
// supervisor) for a test, against an influxd the test owns, with the gateway gw-test at site-test,
// an admin principal and any extra principals, added before any process starts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../core/src/config.ts'
import { openPrincipalStore, principalsPath, formatToken, type PrincipalInput } from '../../core/src/principals.ts'
import { runStack, StackConfigSchema, type RunningStack } from '../../bin/stack/stack.ts'

export interface TestStack extends RunningStack {
  gateway: { id: string, site: string, secret: string }
  adminToken: string
  /** Secrets of the principals given in `options.principals`, by id. */
  secrets: Record<string, string>
}

export interface TestStackOptions {
  influxUrl: string
  broker?: Record<string, unknown>
  ingest?: Record<string, unknown>
  /**
   * Run the Node-RED flows process too: true, or its options (flows/sample.yaml; the stack sets
   * dataDir, http, mqtt and ingest). Default false: it takes seconds to start.
   */
  flows?: boolean | Record<string, unknown>
  /** Added to principals.db before the stack starts; their secrets come back in `secrets`. */
  principals?: PrincipalInput[]
  /** Called with the data directory before the stack starts (e.g. to write rule files to dataDir/rules). */
  prepare?: (dataDir: string) => void | Promise<void>
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
  /** Echo the children's log lines (default: only when SHENNONG_TEST_VERBOSE=1). */
  verbose?: boolean
}

export async function startTestStack (options: TestStackOptions): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-stack-'))
  const secrets: Record<string, string> = {}
  let gateway: TestStack['gateway']
  let adminSecret: string
  let stack: RunningStack
  try {
    const store = openPrincipalStore(principalsPath(dataDir))
    try {
      gateway = { id: 'gw-test', site: 'site-test', secret: (await store.add({ id: 'gw-test', kind: 'gateway', sites: ['site-test'] })).secret }
      adminSecret = (await store.add({ id: 'admin', kind: 'user', role: 'admin' })).secret
      for (const p of options.principals ?? []) secrets[p.id] = (await store.add(p)).secret
    } finally {
      store.close()
    }
    await options.prepare?.(dataDir)
    const flows = options.flows === undefined || options.flows === false
      ? { enabled: false }
      : { ...(options.flows === true ? {} : options.flows), enabled: true }
    const config = loadConfig({
      schema: StackConfigSchema,
      value: {
        dataDir,
        logLevel: options.logLevel ?? 'warn',
        ports: { mqtt: 0, mqttWs: 0, brokerHttp: 0, http: 0, flows: 0 },
        flows,
        influx: { managed: false },
        broker: options.broker ?? {},
        ingest: { ...(options.ingest ?? {}), influx: { ...((options.ingest?.influx ?? {}) as object), url: options.influxUrl } }
      }
    })
    const verbose = options.verbose ?? process.env.SHENNONG_TEST_VERBOSE === '1'
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
