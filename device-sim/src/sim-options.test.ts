import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { planFleet } from './fleet-plan.ts'
import { main, parseSimArgs } from './main.ts'
import { compactRanges } from './report.ts'
import { resolveSimOptions } from './sim-options.ts'
import { startTestBroker } from './test-broker.ts'

t.test('compacts seq sets into ranges', async t => {
  t.same(compactRanges([5, 1, 2, 3, 3, 7, 6, 10]), [[1, 3], [5, 7], [10, 10]])
  t.same(compactRanges([]), [])
})

t.test('demo mode groups each kind into generated sites with one gateway each', async t => {
  const plan = planFleet({ devices: { soil: 12, weather: 2, water: 3 }, devicesPerSite: 10, devicePrefix: '' })
  t.same(plan.map(g => [g.id, g.devices.map(d => d.id).join(' ')]), [
    ['gw-farm-01', 'soil-0001 soil-0002 soil-0003 soil-0004 soil-0005 soil-0006 soil-0007 soil-0008 soil-0009 soil-0010 weather-0001 weather-0002'],
    ['gw-farm-02', 'soil-0011 soil-0012'],
    ['gw-river-01', 'water-0001 water-0002 water-0003']
  ])
})

t.test('the credentials file of shennong demo maps kinds and quotas to gateways', async t => {
  const gateways = [
    { site: 'farm-east', id: 'gw-farm-east', secret: 'a', kinds: ['soil', 'weather'] as const, devices: { soil: 8, weather: 2 } },
    { site: 'farm-west', id: 'gw-farm-west', secret: 'b', kinds: ['soil'] as const, devices: { soil: 6 } },
    { site: 'fleet-zhoushan', id: 'gw-fleet-zhoushan', secret: 'c', kinds: ['vessel'] as const }
  ].map(g => ({ ...g, kinds: [...g.kinds] }))
  const plan = planFleet({ devices: { soil: 14, weather: 2, vessel: 3 }, gateways, devicesPerSite: 10, devicePrefix: '' })
  t.same(plan.map(g => [g.id, g.devices.length]), [['gw-farm-east', 10], ['gw-farm-west', 6], ['gw-fleet-zhoushan', 3]])
  t.throws(() => planFleet({ devices: { air: 1 }, gateways, devicesPerSite: 10, devicePrefix: '' }), { code: 'ERR_SIM_CREDENTIALS' })
})

t.test('options are checked together and every problem is reported', async t => {
  t.throws(() => resolveSimOptions({ devices: 'soil=x,tree=2', interval: '5 parsecs', faults: 'bogus=1', dry: 'soil-0099' }, Date.now()), {
    code: 'ERR_SIM_OPTIONS',
    message: /exactly one of --mqtt-url[\s\S]*soil=x[\s\S]*tree[\s\S]*parsecs[\s\S]*bogus/
  })
  const now = Date.parse('2025-11-22T00:00:00Z')
  const { fleet } = resolveSimOptions({ mqttUrl: 'mqtt://x', duration: '1d', interval: '1m', speed: 1440, dry: true, waterEpisode: '6h' }, now)
  t.equal(fleet.startTs, now - 86_400_000, 'a backfill ends about now')
  t.same(fleet.scenario.dry, ['soil-0001'])
  t.equal(fleet.scenario.waterEpisodeAt, fleet.startTs + 6 * 3_600_000, 'episode times are offsets from the start')
})

t.test('parses the command line', async t => {
  const o = parseSimArgs(['--mqtt-url', 'mqtt://h', '--devices', 'soil=2', '--per-message', '5', '--speed', 'max', '--dry', '--faults', 'malformed=0.1'])
  t.match(o, { mqttUrl: 'mqtt://h', devices: 'soil=2', perMessage: 5, speed: 'max', dry: true, faults: 'malformed=0.1', help: false })
})

t.test('shennong sim runs a fleet, prints the report and writes --report', async t => {
  const b = await startTestBroker()
  t.teardown(b.close)
  const file = join(mkdtempSync(join(tmpdir(), 'sim-')), 'report.json')
  const out: string[] = []
  const write = process.stdout.write
  process.stdout.write = ((chunk: string) => { out.push(chunk); return true }) as typeof process.stdout.write
  let code: number
  let help: number
  try {
    help = await main(['--help'])
    out.length = 0
    code = await main(['--mqtt-url', b.url, '--devices', 'soil=2,vessel=1', '--interval', '10s', '--duration', '10m', '--speed', 'max', '--report', file, '--log-level', 'silent'])
  } finally {
    process.stdout.write = write
  }
  t.equal(code, 0)
  const report = JSON.parse(readFileSync(file, 'utf8'))
  t.same(JSON.parse(out.join('')), report, 'stdout and --report carry the same report')
  t.same(report.devices['vessel-0001'].acknowledgedSeq, [[1, 60]])
  t.equal(help, 0)
})
