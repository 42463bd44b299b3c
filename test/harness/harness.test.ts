import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { startInfluxd } from './influxd.ts'
import { startVictoria } from './victoria.ts'
import { freePort } from './ports.ts'

t.test('freePort returns a port that can be bound on loopback', async t => {
  const port = await freePort()
  t.ok(port > 0 && port < 65536)
})

t.test('influxd starts on free ports, survives kill and restart with its data, pauses and resumes', async t => {
  const db = await startInfluxd({ t })
  t.match(readFileSync(db.configFile, 'utf8'), /reporting-disabled = true/)
  const q = (sql: string): Promise<Response> => fetch(`${db.url}/query?q=${encodeURIComponent(sql)}`, { method: 'POST' })
  t.equal((await q('CREATE DATABASE harness')).status, 200)
  const w = await fetch(`${db.url}/write?db=harness&precision=ms`, { method: 'POST', body: 'm,site=a v=1 1000' })
  t.equal(w.status, 204)
  const port = db.port
  await db.kill()
  t.equal(db.pid(), undefined, 'killed')
  await t.rejects(fetch(`${db.url}/ping`), 'nothing listens after kill')
  await db.restart()
  t.equal(db.port, port, 'same port after restart')
  const res = await fetch(`${db.url}/query?db=harness&q=${encodeURIComponent('SELECT v FROM m')}`)
  t.match(await res.text(), /"values":\[\[".*",1\]\]/, 'the point written before kill -9 is still there (WAL)')
  await db.pause()
  await t.rejects(fetch(`${db.url}/ping`, { signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' })
  await db.resume()
  t.equal((await fetch(`${db.url}/ping`)).status, 204)
  const dir = db.dataDir
  await db.stop()
  t.ok(existsSync(dir), 'stop keeps the data directory')
})

t.test('victoria-metrics accepts /api/v2/write and exports what it stored', async t => {
  const vm = await startVictoria({ t })
  const ts = Date.now()
  const res = await fetch(`${vm.url}/api/v2/write?bucket=shennong&precision=ms`, { method: 'POST', body: `soil,device=d1,site=s1 ph=6.5 ${ts}` })
  t.equal(res.status, 204)
  const series = await vm.waitForSeries('{__name__="soil_ph"}', s => s.length > 0)
  t.same(series.map(s => [s.metric, s.values, s.timestamps]), [[{ __name__: 'soil_ph', device: 'd1', site: 's1' }, [6.5], [ts]]])
})
