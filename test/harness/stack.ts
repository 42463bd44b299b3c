// Starts the real stack (broker and ingest as child processes under the supervisor) for a test,
// against an influxd the test owns, with a gateway and an admin principal. Stops it on teardown.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../core/src/config.ts'
import { openPrincipalStore, principalsPath, formatToken } from '../../core/src/principals.ts'
import { runStack, StackConfigSchema, type RunningStack } from '../../bin/stack/stack.ts'

export interface TestStack extends RunningStack {
  gateway: { id: string, site: string, secret: string }
  adminToken: string
}

export interface TestStackOptions {
  influxUrl: string
  broker?: Record<string, unknown>
  ingest?: Record<string, unknown>
  logLevel?: 'debug' | 'info' | 'warn' | 'error'
  /** Run the Node-RED flows process too (default false: it takes seconds to start). */
  flows?: boolean
  /** Echo the children's log lines (default: only when SHENNONG_TEST_VERBOSE=1). */
  verbose?: boolean
}

export async function startTestStack (options: TestStackOptions): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-stack-'))
  const store = openPrincipalStore(principalsPath(dataDir))
  const gateway = { id: 'gw-test', site: 'site-test', secret: (await store.add({ id: 'gw-test', kind: 'gateway', sites: ['site-test'] })).secret }
  const admin = await store.add({ id: 'admin', kind: 'user', role: 'admin' })
  store.close()
  const config = loadConfig({
    schema: StackConfigSchema,
    value: {
      dataDir,
      logLevel: options.logLevel ?? 'warn',
      ports: { mqtt: 0, mqttWs: 0, brokerHttp: 0, http: 0, flows: 0 },
      flows: { enabled: options.flows === true },
      influx: { managed: false },
      broker: options.broker ?? {},
      ingest: { ...(options.ingest ?? {}), influx: { url: options.influxUrl, ...((options.ingest?.influx ?? {}) as object) } }
    }
  })
  const verbose = options.verbose ?? process.env.SHENNONG_TEST_VERBOSE === '1'
  const stack = await runStack(config, { quiet: !verbose })
  const stop = stack.stop
  return {
    ...stack,
    gateway,
    adminToken: formatToken('admin', admin.secret),
    async stop () {
      await stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
