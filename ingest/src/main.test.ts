import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { formatToken, openPrincipalStore, principalsPath } from '@shennong/core/principals.ts'
import { startInfluxd } from '../../test/harness/influxd.ts'
import { eventually } from './testing/ingest-fixture.ts'

const cli = resolve(import.meta.dirname, '..', '..', 'bin', 'shennong.ts')

t.test('shennong ingest -c: prints its port as JSON, stores a posted reading, stops cleanly on SIGTERM', async t => {
  const influx = await startInfluxd({ t })
  const dir = mkdtempSync(join(tmpdir(), 'shennong-ingest-main-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const store = openPrincipalStore(principalsPath(dir))
  const token = formatToken('gw-1', (await store.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })).secret)
  store.close()
  const file = join(dir, 'ingest.yaml')
  writeFileSync(file, `dataDir: ${JSON.stringify(dir)}\nlogLevel: warn\nhttp:\n  port: 0\ninflux:\n  url: ${influx.url}\n`)
  const child = spawn(process.execPath, [cli, 'ingest', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const lines = createInterface({ input: child.stdout })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', code => reject(new Error(`ingest exited ${code}: ${stderr}`)))
  })
  const started = JSON.parse(first) as { msg: string, port: number, url: string }
  t.equal(started.msg, 'ingest listening')
  t.ok(started.port > 0)
  const ts = Date.now() - 1000
  const res = await fetch(`${started.url}/v1/readings`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ device: 'd-1', kind: 'soil', ts, seq: 1, metrics: { ph: 6.5 } }) })
  t.equal(res.status, 202)
  const stored = await eventually(async () => {
    const q = await fetch(`${influx.url}/query?db=shennong&q=${encodeURIComponent('SELECT * FROM "soil"')}`)
    const json = await q.json() as { results: Array<{ series?: Array<{ values: unknown[][] }> }> }
    return json.results[0].series?.[0].values.length
  }, 15_000, 'the reading in InfluxDB')
  t.equal(stored, 1)
  const exit = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await exit, 0, `exit code 0 (stderr: ${stderr})`)
})

t.test('shennong ingest with an invalid config stops with every problem', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'shennong-ingest-main-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'ingest.yaml')
  writeFileSync(file, 'http:\n  prot: 1\nauth: none\n')
  const child = spawn(process.execPath, [cli, 'ingest', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>(resolve => child.once('exit', c => resolve(c)))
  t.equal(code, 1)
  t.match(stderr, /ERR_CONFIG_INVALID/)
  t.match(stderr, /http\.prot/)
  t.match(stderr, /auth/)
})
