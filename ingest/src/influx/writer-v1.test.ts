import t from 'tap'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { freePort } from '../../../test/harness/ports.ts'
import { buildInfluxConfig } from './config.ts'
import { createInfluxWriter } from './create-writer.ts'
import { createInfluxQuery } from './query.ts'
import type { Point } from './writer.ts'

const T0 = Date.UTC(2025, 10, 22, 8, 0, 0)

function soil (i: number, fields: Point['fields'] = { moisture_vwc_pct: 20 + i / 10, seq: { int: i } }): Point {
  return { measurement: 'soil', tags: { site: 'farm-1', device: `soil-${i % 3}` }, fields, ts: T0 + i * 1000 }
}

const influxd = await startInfluxd({ t })
let dbCount = 0

async function setup (overrides: Parameters<typeof buildInfluxConfig>[0] = {}, createDatabase = true) {
  const config = buildInfluxConfig({
    url: influxd.url,
    database: `w${++dbCount}`,
    timeout: '1s',
    retry: { initialDelay: '20ms', maxDelay: '200ms' },
    ...overrides
  })
  const query = createInfluxQuery(config)
  if (createDatabase) await query.ensureDatabase()
  const writer = createInfluxWriter(config)
  t.teardown(() => writer.close())
  const retries: Array<{ attempt: number, delayMs: number, error: Error }> = []
  writer.onRetry(info => retries.push(info))
  const rows = async (sql = 'SELECT * FROM soil'): Promise<unknown[][]> =>
    (await query.query(sql))[0].series?.[0]?.values ?? []
  return { config, query, writer, retries, rows }
}

function until (check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve()
      else if (Date.now() > deadline) reject(new Error('condition not reached in time'))
      else setTimeout(tick, 20)
    }
    tick()
  })
}

t.test('writes points that read back with their types, and a redelivered point overwrites itself', async t => {
  const { writer, rows, query } = await setup()
  const points = [0, 1, 2, 3, 4].map(i => soil(i))
  points[4] = soil(4, { ec_us_cm: 540, seq: { int: 4 } })
  t.same(await writer.write(points), { written: 5, rejected: [] })
  t.same(await writer.write([points[1], points[2]]), { written: 2, rejected: [] }, 'redelivery is accepted')
  const values = await rows('SELECT moisture_vwc_pct, ec_us_cm, seq, device FROM soil')
  t.equal(values.length, 5, 'redelivered points did not add rows')
  t.same(values[0], [T0, 20, null, 0, 'soil-0'])
  t.same(values[4], [T0 + 4000, null, 540, 4, 'soil-1'])
  const types = (await query.query('SHOW FIELD KEYS FROM soil'))[0].series?.[0]?.values
  t.same(Object.fromEntries(types as Array<[string, string]>), { ec_us_cm: 'float', moisture_vwc_pct: 'float', seq: 'integer' }, '540 was written as a float, seq as an integer')
})

t.test('a write larger than maxBatchPoints is split and every point is stored', async t => {
  const { writer, rows } = await setup({ maxBatchPoints: 7 })
  const points = Array.from({ length: 50 }, (_, i) => soil(i))
  t.same(await writer.write(points), { written: 50, rejected: [] })
  t.equal((await rows()).length, 50)
})

t.test('partial write: the good points are stored and exactly the conflicting ones are rejected with InfluxDB\'s message', async t => {
  const { writer, rows } = await setup()
  t.same(await writer.write([soil(0)]), { written: 1, rejected: [] }, 'moisture_vwc_pct is now a float field')
  const bad = new Set([2, 5, 6, 11])
  const batch = Array.from({ length: 16 }, (_, i) => bad.has(i) ? soil(i, { moisture_vwc_pct: 'wet', seq: { int: i } }) : soil(i))
  const result = await writer.write(batch)
  t.equal(result.written, 12)
  t.same(result.rejected.map(r => r.index), [2, 5, 6, 11])
  for (const r of result.rejected) {
    t.equal(r.point, batch[r.index], 'the rejected point itself is returned')
    t.match(r.reason, /field type conflict: input field "moisture_vwc_pct" on measurement "soil" is type string, already exists as type float/)
  }
  const stored = (await rows('SELECT seq FROM soil')).map(v => v[1])
  t.same(stored, [0, 1, 3, 4, 7, 8, 9, 10, 12, 13, 14, 15], 'exactly the good points are stored (point 0 from before, rewritten)')
})

t.test('a point InfluxDB cannot parse is rejected alone with the parser\'s message', async t => {
  const { writer, rows } = await setup()
  const batch = [soil(1), soil(2, { moisture_vwc_pct: Number.NaN }), soil(3)]
  const result = await writer.write(batch)
  t.equal(result.written, 2)
  t.same(result.rejected.map(r => r.index), [1])
  t.match(result.rejected[0].reason, /unable to parse|invalid number/)
  t.equal((await rows()).length, 2)
})

t.test('influxd killed before a write: the write retries until influxd is back, then the points are there', async t => {
  const { writer, retries, rows } = await setup()
  await influxd.kill()
  const pending = writer.write([soil(1), soil(2)])
  await until(() => retries.length >= 3)
  t.ok(retries.every(r => (r.error as { code?: string }).code === 'ERR_INFLUX_UNAVAILABLE'), 'reported as unavailable')
  t.same(retries.slice(0, 3).map(r => r.attempt), [1, 2, 3])
  t.ok(retries.every(r => r.delayMs >= 0 && r.delayMs <= 200), 'delays stay within maxDelay')
  await influxd.restart()
  t.same(await pending, { written: 2, rejected: [] })
  t.equal((await rows()).length, 2)
})

t.test('influxd paused: the request times out and is retried, and succeeds once influxd resumes', async t => {
  const { writer, retries, rows } = await setup({ timeout: '300ms' })
  await influxd.pause()
  let resumed = false
  t.teardown(async () => { if (!resumed) await influxd.resume() })
  const pending = writer.write([soil(7)])
  await until(() => retries.length >= 2)
  t.equal((retries[0].error as { code?: string }).code, 'ERR_INFLUX_TIMEOUT')
  await influxd.resume()
  resumed = true
  t.same(await pending, { written: 1, rejected: [] })
  t.equal((await rows()).length, 1)
})

t.test('an aborted signal, or closing the writer, ends a retrying write with ERR_INFLUX_ABORTED', async t => {
  const { writer, retries } = await setup({ url: `http://127.0.0.1:${await freePort()}` }, false)
  const controller = new AbortController()
  const pending = writer.write([soil(1)], controller.signal)
  await until(() => retries.length >= 1)
  controller.abort(new Error('shutting down'))
  await t.rejects(pending, { code: 'ERR_INFLUX_ABORTED', message: /shutting down/ })
  const second = writer.write([soil(2)])
  await until(() => retries.length >= 3)
  await writer.close()
  await t.rejects(second, { code: 'ERR_INFLUX_ABORTED' })
  await t.rejects(writer.write([soil(3)]), { code: 'ERR_INFLUX_ABORTED' }, 'a closed writer writes nothing')
})

t.test('wrong credentials are retried and reported as ERR_INFLUX_AUTH', async t => {
  // A second influxd with authentication on: the first admin user is created over HTTP.
  const secured = await startInfluxd({ t })
  const { readFileSync, writeFileSync } = await import('node:fs')
  writeFileSync(secured.configFile, readFileSync(secured.configFile, 'utf8').replace('[http]\n', '[http]\n  auth-enabled = true\n'))
  await secured.restart()
  const admin = await fetch(`${secured.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE USER admin WITH PASSWORD \'right\' WITH ALL PRIVILEGES' }) })
  t.equal(admin.status, 200)
  const config = buildInfluxConfig({ url: secured.url, username: 'admin', password: 'wrong', retry: { initialDelay: '10ms', maxDelay: '50ms' } })
  const writer = createInfluxWriter(config)
  const retries: Error[] = []
  writer.onRetry(info => retries.push(info.error))
  const controller = new AbortController()
  const pending = writer.write([soil(1)], controller.signal)
  await until(() => retries.length >= 2)
  controller.abort()
  await t.rejects(pending, { code: 'ERR_INFLUX_ABORTED' })
  t.match(retries[0], { code: 'ERR_INFLUX_AUTH', message: /HTTP 401/ })
  await writer.close()
})
