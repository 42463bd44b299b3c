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
  if (values['no-sim'] !== true) {
    const devices = new Map<string, number>()
    for (const g of DEMO_GATEWAYS) for (const [k, n] of Object.entries(g.devices)) devices.set(k, (devices.get(k) ?? 0) + n)
    stack.supervisor.start({
      name: 'sim',
      command: process.execPath,
      args: [join(import.meta.dirname, '..', 'shennong.ts'), 'sim',
        '--mqtt-url', stack.mqttUrl,
        '--credentials', credentialsFile,
        '--devices', [...devices].map(([k, n]) => `${k}=${n}`).join(','),
        '--interval', values.interval,
        '--report', join(dataDir, 'sim-report.json')],
      onLine: line => process.stderr.write(`sim    | ${line}\n`)
    })
  }
  printStack(stack)
  const admin = credentials.users.find(u => u.role === 'admin')
  process.stdout.write(`  credentials   ${credentialsFile}\n\n`)
  process.stdout.write('Try:\n')
  process.stdout.write(`  curl -H 'Authorization: Bearer ${admin?.token ?? ''}' ${stack.apiUrl}/v1/sites/farm-east/latest\n`)
  process.stdout.write(`  curl -H 'Authorization: Bearer ${admin?.token ?? ''}' ${stack.apiUrl}/v1/quarantine\n`)
  process.stdout.write('\nCtrl-C stops every process.\n')
  await waitForSignal()
  process.stdout.write('stopping…\n')
  await stack.stop()
  return 0
}
