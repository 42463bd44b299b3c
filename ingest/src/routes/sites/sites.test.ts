import t from 'tap'
import { startIngestFixture } from '../../testing/ingest-fixture.ts'

t.test('read endpoints', async t => {
  const f = await startIngestFixture(t)
  const base = Date.UTC(2026, 0, 10, 0, 0, 0)
  const readings = []
  for (let i = 0; i < 6; i++) {
    readings.push({ device: 'soil-1', kind: 'soil', ts: base + i * 600_000, seq: i, metrics: { moisture_vwc_pct: 20 + i, temperature_c: 10 } })
  }
  readings.push({ device: 'soil-1', kind: 'weather', ts: base + 1000, seq: 100, metrics: { temperature_c: 4 } })
  readings.push({ device: 'soil-2', kind: 'soil', ts: base + 120_000, seq: 1, metrics: { moisture_vwc_pct: 30, ph: 22 } })
  await f.append('farm-north', 'gw-north', readings)
  await f.append('farm-south', 'gw-south', { device: 'soil-9', kind: 'soil', ts: base, seq: 1, metrics: { moisture_vwc_pct: 40 } })
  await f.ingest.pipeline.idle()
  const from = new Date(base - 1000).toISOString()
  const to = String(base + 3_600_000)

  t.test('raw readings of one device, every kind, in time order, with seq and flags', async t => {
    const res = await f.request('GET', `/v1/sites/farm-north/devices/soil-1/readings?from=${from}&to=${to}`, { token: f.tokens.inspector })
    t.equal(res.status, 200)
    t.equal(res.json.readings.length, 7)
    t.match(res.json.readings[0], { kind: 'soil', device: 'soil-1', ts: new Date(base).toISOString(), seq: 0, metrics: { moisture_vwc_pct: 20, temperature_c: 10 } })
    t.match(res.json.readings[1], { kind: 'weather', seq: 100, metrics: { temperature_c: 4 } })
    t.notOk('site' in res.json.readings[0].metrics, 'tags are not metrics')
  })

  t.test('kind and metrics select; flags come back parsed', async t => {
    const res = await f.request('GET', `/v1/sites/farm-north/devices/soil-2/readings?kind=soil&metrics=ph&from=${from}&to=${to}`, { token: f.tokens.admin })
    t.equal(res.status, 200)
    t.same(res.json.readings.map((r: any) => [r.metrics, r.flags]), [[{ ph: 22 }, { ph: 'bad' }]])
  })

  t.test('every downsamples with mean()', async t => {
    const res = await f.request('GET', `/v1/sites/farm-north/devices/soil-1/readings?kind=soil&metrics=moisture_vwc_pct&every=30m&from=${new Date(base).toISOString()}&to=${base + 3_599_000}`, { token: f.tokens['farmer-north'] })
    t.equal(res.status, 200)
    t.same(res.json.readings.map((r: any) => [r.ts, r.metrics.moisture_vwc_pct]), [[new Date(base).toISOString(), 21], [new Date(base + 1_800_000).toISOString(), 24]])
    t.equal(res.json.every, '30m')
  })

  t.test('clear 400s for bad parameters', async t => {
    const cases: Array<[string, RegExp]> = [
      ['kind=lava', /kind/],
      ['metrics=radon', /unknown metric "radon"/],
      ['from=2026-01-10T00:00:00', /no time zone/],
      ['from=yesterday', /RFC 3339/],
      [`from=${base + 10}&to=${base}`, /after to/],
      ['every=5x', /every/],
      ['every=1s&from=0', /buckets/],
      ['limit=0', /limit/]
    ]
    for (const [qs, message] of cases) {
      const res = await f.request('GET', `/v1/sites/farm-north/devices/soil-1/readings?${qs}`, { token: f.tokens.admin })
      t.equal(res.status, 400, qs)
      t.match(res.json.message, message, qs)
      t.match(res.json.code, /^ERR_(QUERY_INVALID|HTTP_VALIDATION)$/)
    }
    const injection = await f.request('GET', `/v1/sites/farm-north/devices/${encodeURIComponent("x' OR '1'='1")}/readings`, { token: f.tokens.admin })
    t.equal(injection.status, 400, 'a device id that is not a segment never reaches InfluxQL')
  })

  t.test('latest reading per device and kind of a site', async t => {
    const res = await f.request('GET', '/v1/sites/farm-north/latest', { token: f.tokens['farmer-north'] })
    t.equal(res.status, 200)
    t.same(res.json.readings.map((r: any) => [r.device, r.kind, r.seq]), [['soil-1', 'soil', 5], ['soil-1', 'weather', 100], ['soil-2', 'soil', 1]])
    t.equal(res.json.readings[0].ts, new Date(base + 3_000_000).toISOString())
  })

  t.test('a farmer reads its own sites only; gateways and services do not read; no token is 401', async t => {
    const other = await f.request('GET', '/v1/sites/farm-south/latest', { token: f.tokens['farmer-north'] })
    t.equal(other.status, 403)
    t.equal(other.json.code, 'ERR_AUTH_SITE')
    const otherDevice = await f.request('GET', '/v1/sites/farm-south/devices/soil-9/readings', { token: f.tokens['farmer-north'] })
    t.equal(otherDevice.status, 403)
    const inspector = await f.request('GET', '/v1/sites/farm-south/latest', { token: f.tokens.inspector })
    t.equal(inspector.status, 200)
    t.equal(inspector.json.readings.length, 1)
    for (const id of ['gw-north', 'svc']) {
      const res = await f.request('GET', '/v1/sites/farm-north/latest', { token: f.tokens[id] })
      t.equal(res.status, 403, id)
    }
    t.equal((await f.request('GET', '/v1/sites/farm-north/latest')).status, 401)
  })
})

t.test('demo-anonymous mode reads without a token but never writes; a bad token is still refused', async t => {
  const f = await startIngestFixture(t, { auth: 'demo-anonymous' })
  t.equal((await f.request('GET', '/v1/sites/farm-north/latest')).status, 200)
  t.equal((await f.request('POST', '/v1/readings', { body: { kind: 'soil' } })).status, 403)
  t.equal((await f.request('GET', '/v1/sites/farm-north/latest', { token: 'x.y' })).status, 401)
})

t.test('InfluxDB down: the read endpoints answer 502 with InfluxDB\'s error', async t => {
  const f = await startIngestFixture(t, { influx: { timeout: '500ms' } })
  await f.influx.stop()
  const res = await f.request('GET', '/v1/sites/farm-north/latest', { token: f.tokens.admin })
  t.equal(res.status, 502)
  t.equal(res.json.code, 'ERR_INFLUX_QUERY')
})
