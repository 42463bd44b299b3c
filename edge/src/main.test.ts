import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { main } from './main.ts'

const dir = mkdtempSync(join(tmpdir(), 'shennong-edge-main-'))

t.test('reports every config problem at once and starts nothing', async t => {
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, [
    'site: Farm 1', // not a segment
    'id: gw-1',
    'spool: { onFull: drop-newest }',
    'sources:',
    '  modbus:',
    '    - { name: bus, port: /dev/null, devices: [{ device: s-1, address: 300, profile: cwt-soil-thc-s }], baud: 9600 }',
  ].join('\n'))
  const err = await main(['-c', file]).then(() => null, (e: Error & { code?: string, details?: { issues: Array<{ path: string }> } }) => e)
  t.equal(err?.code, 'ERR_CONFIG_INVALID')
  const paths = err?.details?.issues.map(i => i.path) ?? []
  for (const p of ['site', 'spool.onFull', 'sources.modbus.0.devices.0.address', 'sources.modbus.0.baud']) {
    t.ok(paths.includes(p), `names ${p}`)
  }
})

t.test('an unknown source kind and a bad batch size are named', async t => {
  const file = join(dir, 'kinds.yaml')
  writeFileSync(file, 'site: farm-1\nid: gw-1\nuplink: { batch: { maxReadings: 0 } }\nsources: { lora: [] }\n')
  const err = await main(['-c', file]).then(() => null, (e: Error & { code?: string, details?: { issues: Array<{ path: string }> } }) => e)
  t.same(err?.details?.issues.map(i => i.path).sort(), ['sources.lora', 'uplink.batch.maxReadings'])
})

t.test('a profile that does not exist is a config error naming it', async t => {
  const file = join(dir, 'profile.yaml')
  writeFileSync(file, `site: farm-1\nid: gw-1\ndataDir: ${dir}\nsources:\n  modbus:\n    - { name: bus, port: /dev/null, devices: [{ device: s-1, address: 1, profile: no-such-probe }] }\n`)
  await t.rejects(main(['-c', file]), { code: 'ERR_EDGE_CONFIG', message: /no-such-probe/ })
})

t.test('shennong edge --help and a missing -c', async t => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'shennong.ts')
  const help = spawnSync(process.execPath, [bin, 'edge', '--help'], { encoding: 'utf8' })
  t.equal(help.status, 0)
  t.match(help.stdout, /shennong edge -c edge.yaml/)
  const missing = spawnSync(process.execPath, [bin, 'edge'], { encoding: 'utf8' })
  t.equal(missing.status, 2)
  t.match(missing.stderr, /-c edge.yaml is required/)
})
