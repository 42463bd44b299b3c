// `shennong demo`: the whole stack on a simulated fleet of a few dozen devices, with demo
// credentials printed and written to <dataDir>/demo-credentials.json. Ctrl-C stops everything.
import { parseArgs } from 'node:util'
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadConfig } from '../../core/src/config.ts'
import { openPrincipalStore, principalsPath, formatToken, type PrincipalInput } from '../../core/src/principals.ts'
import type { Kind } from '../../core/src/catalog.ts'
import { runStack, StackConfigSchema } from '../stack/stack.ts'
import { printStack, waitForSignal } from './start.ts'
import { createLogger } from '../../core/src/logger.ts'
import { runSim, type SimReport } from '../../device-sim/src/main.ts'
import { createDemoBatches } from '../../device-sim/src/trace/demo-batches.ts'
import { buildInfluxConfig } from '../../ingest/src/influx/config.ts'
import { createInfluxQuery } from '../../ingest/src/influx/query.ts'
import { backfillRollups, buildRollupsConfig } from '../../ingest/src/influx/rollups.ts'

const HELP = `Usage: shennong demo [--data-dir DIR] [--interval 5s] [--no-sim]

Starts influxd, the broker and ingest, creates demo credentials and runs a simulated fleet
(soil, weather, water, air, vessels, cold chain) until Ctrl-C.
`

export interface DemoGateway { site: string, id: string, kinds: Kind[], devices: Partial<Record<Kind, number>> }

export const DEMO_GATEWAYS: DemoGateway[] = [
  { site: 'farm-east', id: 'gw-farm-east', kinds: ['soil', 'weather'], devices: { soil: 8, weather: 2 } },
  { site: 'farm-west', id: 'gw-farm-west', kinds: ['soil'], devices: { soil: 6 } },
  { site: 'river-qiantang', id: 'gw-river-qiantang', kinds: ['water'], devices: { water: 6 } },
  { site: 'city-air', id: 'gw-city-air', kinds: ['air'], devices: { air: 6 } },
  { site: 'fleet-zhoushan', id: 'gw-fleet-zhoushan', kinds: ['vessel'], devices: { vessel: 6 } },
  { site: 'coldchain-hz', id: 'gw-coldchain-hz', kinds: ['cold_chain'], devices: { cold_chain: 4 } }
]

const DEMO_USERS: PrincipalInput[] = [
  { id: 'admin', kind: 'user', role: 'admin', description: 'demo administrator' },
  { id: 'inspector', kind: 'user', role: 'inspector', description: 'demo environmental inspector' },
  { id: 'farmer-li', kind: 'user', role: 'farmer', sites: ['farm-east', 'farm-west'], description: 'demo farmer' },
  { id: 'svc-flows', kind: 'service', role: 'service', description: 'Node-RED flows and the rule engine' }
]

/** Creates (or gives new secrets to) the demo principals; returns the credentials file's content. */
export async function createDemoCredentials (dataDir: string): Promise<{ users: Array<{ id: string, role: string, token: string }>, gateways: Array<DemoGateway & { secret: string }> }> {
  mkdirSync(dataDir, { recursive: true })
  const store = openPrincipalStore(principalsPath(dataDir))
  try {
    const secretFor = async (input: PrincipalInput): Promise<string> =>
      store.get(input.id) === undefined ? (await store.add(input)).secret : await store.rotate(input.id)
    const users = []
    for (const u of DEMO_USERS) users.push({ id: u.id, role: u.role ?? 'farmer', token: formatToken(u.id, await secretFor(u)) })
    const gateways = []
    for (const g of DEMO_GATEWAYS) {
      gateways.push({ ...g, secret: await secretFor({ id: g.id, kind: 'gateway', sites: [g.site], description: `demo gateway for ${g.kinds.join(', ')}` }) })
    }
    return { users, gateways }
  } finally {
    store.close()
  }
}

/** The live fleet's seq starts here, above anything the history used. */
const LIVE_SEQ_START = 1_000_000
const HISTORY_DAYS = 2

/**
 * Two days of the fleet's history, sent fast through the real broker, so that dashboards and the
 * traceability pages have something to show; then the rollups for that history, and the demo
 * batches (rice, a fish pond with a cold-chain truck, a fishing vessel's catch). Returns their pages.
 */
async function seedHistory (mqttUrl: string, apiUrl: string, influxUrl: string, gateways: Array<DemoGateway & { secret: string }>, devices: string, adminToken: string): Promise<string[]> {
  process.stdout.write(`Sending ${HISTORY_DAYS} days of simulated history…\n`)
  const to = Date.now()
  const from = to - HISTORY_DAYS * 86_400_000
  const report = await runSim({
    mqttUrl, credentials: gateways, devices, interval: '10m', perMessage: 50, start: from, duration: `${HISTORY_DAYS}d`, speed: 'max', seed: 1,
    dry: true, dryRate: 8, waterEpisode: from + 30 * 3_600_000, airEpisode: from + 20 * 3_600_000, logger: createLogger('sim', 'warn')
  })
  process.stdout.write(`  ${report.readings.acknowledged} readings acknowledged\n`)
  // Give ingest a moment to store them, then compute the rollups the continuous queries missed.
  const query = createInfluxQuery(buildInfluxConfig({ url: influxUrl }))
  for (let i = 0; i < 100; i++) {
    const r = await query.query('SELECT count("seq") FROM "soil"').catch(() => [])
    const n = Number(r[0]?.series?.[0]?.values[0]?.[1] ?? 0)
    if (n >= Object.values(report.devices).filter(d => d.kind === 'soil').reduce((s, d) => s + d.acknowledged, 0)) break
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  await backfillRollups(query, buildRollupsConfig(), { from, to })
  const first = (kind: string, site: string): string => firstDevice(report, kind, site)
  const batches = await createDemoBatches({
    url: apiUrl,
    token: adminToken,
    days: HISTORY_DAYS,
    rice: { site: 'farm-east', devices: [first('soil', 'farm-east'), first('weather', 'farm-east')] },
    pond: { site: 'river-qiantang', devices: [first('water', 'river-qiantang')] },
    truck: { site: 'coldchain-hz', device: first('cold_chain', 'coldchain-hz') },
    vessel: { site: 'fleet-zhoushan', devices: [first('vessel', 'fleet-zhoushan')] }
  })
  return batches.pages
}

function firstDevice (report: SimReport, kind: string, site: string): string {
  const found = Object.entries(report.devices).filter(([, d]) => d.kind === kind && d.site === site).map(([id]) => id).sort()[0]
  if (found === undefined) throw new Error(`the simulated fleet has no ${kind} device at ${site}`)
  return found
}

export async function main (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: '.data/demo' },
      interval: { type: 'string', default: '5s' },
      'no-sim': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) { process.stdout.write(HELP); return 0 }
  const dataDir = resolve(values['data-dir'])
  const config = loadConfig({ schema: StackConfigSchema, value: { dataDir } })
  const credentials = await createDemoCredentials(dataDir)
  const credentialsFile = join(dataDir, 'demo-credentials.json')
  writeFileSync(credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 })

  // The demo's early-warning rules, copied once so that edits to them survive restarts.
  const rulesDir = join(dataDir, 'rules')
  mkdirSync(rulesDir, { recursive: true })
  const rulesFile = join(rulesDir, 'demo.yaml')
  if (!existsSync(rulesFile)) copyFileSync(join(import.meta.dirname, '..', '..', 'ingest', 'examples', 'rules', 'demo.yaml'), rulesFile)

  const stack = await runStack(config)
  const admin = credentials.users.find(u => u.role === 'admin')
  let pages: string[] = []
  if (values['no-sim'] !== true) {
    const devices = new Map<string, number>()
    for (const g of DEMO_GATEWAYS) for (const [k, n] of Object.entries(g.devices)) devices.set(k, (devices.get(k) ?? 0) + n)
    const deviceList = [...devices].map(([k, n]) => `${k}=${n}`).join(',')
    pages = await seedHistory(stack.mqttUrl, stack.apiUrl, stack.influxUrl, credentials.gateways, deviceList, admin?.token ?? '')
    stack.supervisor.start({
      name: 'sim',
      command: process.execPath,
      args: [join(import.meta.dirname, '..', 'shennong.ts'), 'sim',
        '--mqtt-url', stack.mqttUrl,
        '--credentials', credentialsFile,
        '--devices', deviceList,
        '--interval', values.interval,
        '--seq-start', String(LIVE_SEQ_START),
        '--dry',
        '--report', join(dataDir, 'sim-report.json')],
      onLine: line => process.stderr.write(`sim    | ${line}\n`)
    })
  }
  printStack(stack)
  process.stdout.write(`  credentials   ${credentialsFile}\n`)
  for (const page of pages) process.stdout.write(`  trace page    ${page}\n`)
  process.stdout.write('\n')
  process.stdout.write('Try:\n')
  process.stdout.write(`  curl -H 'Authorization: Bearer ${admin?.token ?? ''}' ${stack.apiUrl}/v1/sites/farm-east/latest\n`)
  process.stdout.write(`  curl -H 'Authorization: Bearer ${admin?.token ?? ''}' ${stack.apiUrl}/v1/quarantine\n`)
  process.stdout.write('\nCtrl-C stops every process.\n')
  await waitForSignal()
  process.stdout.write('stopping…\n')
  await stack.stop()
  return 0
}
