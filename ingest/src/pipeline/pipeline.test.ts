import t from 'tap'
import { eventually, startIngestFixture } from '../testing/ingest-fixture.ts'

const now = (): number => Date.now() - 60_000

t.test('a reading from the log is stored with measurement = kind, tags site/device, float metrics and an integer seq', async t => {
  const f = await startIngestFixture(t)
  const ts = now()
  await f.append('farm-north', 'gw-north', { device: 'soil-0012', kind: 'soil', ts, seq: 4711, metrics: { moisture_vwc_pct: 23.4, temperature_c: 18, ec_us_cm: 540 } })
  await f.ingest.pipeline.idle()
  const rows = await f.rows('SELECT * FROM "soil"')
  t.equal(rows.length, 1)
  t.match(rows[0], { _measurement: 'soil', time: ts, site: 'farm-north', device: 'soil-0012', seq: 4711, moisture_vwc_pct: 23.4, temperature_c: 18, ec_us_cm: 540 })
  t.equal(rows[0].flags, undefined, 'no flags field when every flag is ok')
  const types = await f.query('SHOW FIELD KEYS FROM "soil"')
  const byField = Object.fromEntries(types[0].values.map(v => [v[0], v[1]]))
  t.same(byField, { ec_us_cm: 'float', moisture_vwc_pct: 'float', seq: 'integer', temperature_c: 'float' })
  const tags = await f.query('SHOW TAG KEYS FROM "soil"')
  t.same(tags[0].values.map(v => v[0]), ['device', 'site'])
  t.equal((await f.ingest.log.stats()).consumers.ingest.pending, 0, 'the entry is released')
})

t.test('a reading without device belongs to the topic id; an array stores one point per reading', async t => {
  const f = await startIngestFixture(t)
  const ts = now()
  await f.append('farm-north', 'wx-7', [
    { kind: 'weather', ts, seq: 1, metrics: { temperature_c: 10 } },
    { kind: 'weather', ts: new Date(ts + 1000).toISOString(), seq: 2, metrics: { temperature_c: 10.5 } }
  ])
  await f.ingest.pipeline.idle()
  const rows = await f.rows('SELECT * FROM "weather"')
  t.same(rows.map(r => [r.device, r.seq, r.time]), [['wx-7', 1, ts], ['wx-7', 2, ts + 1000]])
})

t.test('a redelivered entry (the same reading twice) yields one point', async t => {
  const f = await startIngestFixture(t)
  const reading = { device: 'w-1', kind: 'water', ts: now(), seq: 9, metrics: { ph: 7.2, do_mg_l: 8.1 } }
  await f.append('river-a', 'gw-r', reading)
  await f.append('river-a', 'gw-r', reading)
  await f.ingest.pipeline.idle()
  const rows = await f.rows('SELECT count("seq") FROM "water"')
  t.equal(rows[0].count, 1)
  t.equal(f.ingest.metrics.readingsStored.get(), 2, 'both deliveries were written; InfluxDB kept one point')
})

t.test('bad input through the log is quarantined with its reason and never stops the pipeline', async t => {
  const f = await startIngestFixture(t)
  const ts = now()
  const future = Date.now() + 3_600_000
  const cases: Array<{ name: string, payload: unknown, field: string, message: RegExp, stage: string }> = [
    { name: 'malformed JSON', payload: '{"kind": "soil", ', field: '(payload)', message: /not valid JSON/, stage: 'decode' },
    { name: 'empty array', payload: '[]', field: '(payload)', message: /empty array/, stage: 'decode' },
    { name: 'wrong type', payload: { kind: 'soil', ts, seq: 'one', metrics: { ph: 6 } }, field: 'seq', message: /non-negative integer/, stage: 'validate' },
    { name: 'NaN as a string', payload: { kind: 'soil', ts, seq: 1, metrics: { ph: 'NaN' } }, field: 'metrics.ph', message: /finite number/, stage: 'validate' },
    { name: 'Infinity as a string', payload: { kind: 'soil', ts, seq: 1, metrics: { ph: 'Infinity' } }, field: 'metrics.ph', message: /finite number/, stage: 'validate' },
    { name: 'unknown kind', payload: { kind: 'lava', ts, seq: 1, metrics: { ph: 6 } }, field: 'kind', message: /unknown kind/, stage: 'validate' },
    { name: 'unknown metric', payload: { kind: 'soil', ts, seq: 1, metrics: { radon: 6 } }, field: 'metrics.radon', message: /unknown metric "radon"/, stage: 'validate' },
    { name: 'missing fields', payload: { kind: 'soil' }, field: 'ts', message: /ts is missing/, stage: 'validate' },
    { name: 'zone-less timestamp', payload: { kind: 'soil', ts: '2025-11-22T08:00:00', seq: 1, metrics: { ph: 6 } }, field: 'ts', message: /no time zone/, stage: 'validate' },
    { name: 'far-future timestamp', payload: { kind: 'soil', ts: future, seq: 1, metrics: { ph: 6 } }, field: 'ts', message: /in the future/, stage: 'validate' }
  ]
  const ids: number[] = []
  for (const c of cases) ids.push(await f.append('farm-north', 'gw-north', c.payload))
  await f.append('farm-north', 'gw-north', { device: 'ok-1', kind: 'soil', ts, seq: 1, metrics: { ph: 6.5 } })
  await f.ingest.pipeline.idle()
  for (const [i, c] of cases.entries()) {
    const [entry] = f.ingest.quarantine.list({ sender: 'gw-north' }).filter(e => e.logId === ids[i])
    t.ok(entry, `${c.name}: quarantined`)
    if (entry === undefined) continue
    t.equal(entry.stage, c.stage, `${c.name}: stage`)
    t.equal(entry.transport, 'mqtt')
    t.equal(entry.site, 'farm-north')
    t.ok(entry.reasons.some(r => r.field === c.field && c.message.test(r.message)), `${c.name}: reason ${c.field} ${c.message} in ${JSON.stringify(entry.reasons)}`)
    t.equal(entry.payload, typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload), `${c.name}: raw payload kept`)
  }
  const missing = f.ingest.quarantine.list().find(e => e.logId === ids[7])
  t.same(missing?.reasons.map(r => r.field).sort(), ['metrics', 'seq', 'ts'], 'every reason is recorded, not only the first')
  const good = await f.rows('SELECT * FROM "soil"')
  t.same(good.map(r => r.device), ['ok-1'], 'the good reading after the bad ones is stored')
  t.equal((await f.ingest.log.stats()).consumers.ingest.pending, 0, 'bad entries are released once quarantined')
  t.ok(f.ingest.pipeline.running())
})

t.test('an array with one bad element among good ones quarantines only that element, with its index', async t => {
  const f = await startIngestFixture(t)
  const ts = now()
  const bad = { device: 'a-2', kind: 'air', ts, seq: 2, metrics: { pm25_ug_m3: 'high' } }
  const logId = await f.append('city', 'gw-c', [
    { device: 'a-1', kind: 'air', ts, seq: 1, metrics: { pm25_ug_m3: 35 } },
    bad,
    { device: 'a-3', kind: 'air', ts, seq: 3, metrics: { pm25_ug_m3: 40 } }
  ])
  await f.ingest.pipeline.idle()
  const q = f.ingest.quarantine.list()
  t.equal(q.length, 1)
  t.match(q[0], { logId, itemIndex: 1, stage: 'validate', payload: JSON.stringify(bad) })
  t.equal(q[0].reasons[0].field, '[1].metrics.pm25_ug_m3')
  const rows = await f.rows('SELECT * FROM "air"')
  t.same(rows.map(r => r.device).sort(), ['a-1', 'a-3'])
})

t.test('a field type conflict quarantines exactly the rejected readings with InfluxDB\'s message and releases the entry', async t => {
  const f = await startIngestFixture(t)
  const ts = now()
  // Make "ph" a string field in this shard (of the raw retention policy ingest writes to, once its
  // startup created it), so a float ph is a type conflict.
  await eventually(async () => (await fetch(`${f.influx.url}/write?db=shennong&rp=raw&precision=ms`, { method: 'POST', body: `water,site=x,device=poison ph="seven" ${ts - 5000}` })).status === 204)
  await f.append('river-b', 'gw-b', [
    { device: 'w-1', kind: 'water', ts, seq: 1, metrics: { do_mg_l: 8 } },
    { device: 'w-2', kind: 'water', ts, seq: 2, metrics: { ph: 7.1 } },
    { device: 'w-3', kind: 'water', ts, seq: 3, metrics: { do_mg_l: 7.5 } }
  ])
  await f.ingest.pipeline.idle()
  const q = f.ingest.quarantine.list({ stage: 'storage' })
  t.equal(q.length, 1, 'one reading rejected')
  t.match(q[0], { itemIndex: 1, sender: 'gw-b', stage: 'storage' })
  t.match(q[0].reasons[0], { field: 'influxdb', message: /field type conflict/ })
  t.equal(JSON.parse(q[0].payload).device, 'w-2')
  const rows = await f.rows('SELECT "seq" FROM "water" WHERE "site" = \'river-b\'')
  t.same(rows.map(r => r.device ?? r.seq).sort(), [1, 3])
  t.equal((await f.ingest.log.stats()).consumers.ingest.pending, 0, 'the entry is released')
  t.equal(f.ingest.metrics.quarantined.get({ stage: 'storage', reason: 'influxdb' }), 1)
})

t.test('while InfluxDB is down nothing is released and the log grows; when it is back the backlog drains', async t => {
  const f = await startIngestFixture(t, { pipeline: { batchEntries: 5, maxInFlightBatches: 2 } })
  const ts = now()
  await f.append('farm-north', 'gw-north', { device: 's-0', kind: 'soil', ts: ts - 1000, seq: 0, metrics: { ph: 6 } })
  await f.ingest.pipeline.idle()
  await f.influx.stop()
  for (let i = 1; i <= 40; i++) await f.append('farm-north', 'gw-north', { device: 's-1', kind: 'soil', ts: ts + i, seq: i, metrics: { ph: 6 } })
  await eventually(() => f.ingest.metrics.influxRetries.get() >= 3, 15_000, 'write retries')
  const stats = await f.ingest.log.stats()
  t.equal(stats.consumers.ingest.pending, 40, 'no entry released while InfluxDB is down')
  t.ok(f.ingest.pipeline.inFlight() <= 2, 'at most maxInFlightBatches outstanding')
  const health = await f.request('GET', '/healthz')
  t.equal(health.status, 200, 'healthz reports, does not fail')
  t.match(health.json, { status: 'degraded', influx: { reachable: false }, log: { ok: true, pending: 40 } })
  await f.influx.restart()
  await f.ingest.pipeline.idle(30_000)
  const rows = await f.rows('SELECT count("seq") FROM "soil" WHERE "device" = \'s-1\'')
  t.equal(rows[0].count, 40, 'every reading stored after recovery')
  t.equal((await f.ingest.log.stats()).consumers.ingest.pending, 0)
})

t.test('quality control flags are stored in the flags field', async t => {
  const f = await startIngestFixture(t, { qc: { stuck: { count: 3 }, gap: { after: '10m' } } })
  const base = Date.now() - 3_600_000
  const readings = [
    { device: 'q-1', kind: 'water', ts: base, seq: 1, metrics: { ph: 7.0, temperature_c: 12 } },
    { device: 'q-1', kind: 'water', ts: base + 60_000, seq: 2, metrics: { ph: 7.1, temperature_c: 60 } }, // range → bad
    { device: 'q-1', kind: 'water', ts: base + 120_000, seq: 3, metrics: { ph: 12.9, temperature_c: 12.2 } }, // ph spike, temperature spike back
    { device: 'q-1', kind: 'water', ts: base + 180_000, seq: 4, metrics: { ph: 12.9, temperature_c: 12.3 } },
    { device: 'q-1', kind: 'water', ts: base + 240_000, seq: 5, metrics: { ph: 12.9, temperature_c: 12.4 } }, // ph stuck (3 equal)
    { device: 'q-1', kind: 'water', ts: base + 2_400_000, seq: 6, metrics: { ph: 7.0, temperature_c: 12.5 }, flags: { temperature_c: 'maintenance' } } // gap
  ]
  for (const r of readings) await f.append('pond', 'gw-p', r)
  await f.ingest.pipeline.idle()
  const rows = await f.rows('SELECT "seq", "flags" FROM "water" ORDER BY time')
  t.same(rows.map(r => [r.seq, r.flags]), [
    [1, null],
    [2, 'temperature_c=bad'],
    [3, 'ph=suspect,temperature_c=suspect'],
    [4, null],
    [5, 'ph=suspect'],
    [6, 'ph=suspect,temperature_c=maintenance']
  ])
})

t.test('stop() abandons in-flight work without releasing it; the next start stores it', async t => {
  const f = await startIngestFixture(t)
  await f.append('farm-north', 'gw-north', { device: 'x-0', kind: 'soil', ts: now(), seq: 0, metrics: { ph: 6 } })
  await f.ingest.pipeline.idle()
  await f.influx.stop()
  for (let i = 1; i <= 5; i++) await f.append('farm-north', 'gw-north', { device: 'x-1', kind: 'soil', ts: now() + i, seq: i, metrics: { ph: 6 } })
  await eventually(() => f.ingest.pipeline.inFlight() > 0, 5000, 'a batch in flight')
  const started = Date.now()
  await f.ingest.pipeline.stop({ drainMs: 100 })
  t.ok(Date.now() - started < 3000, 'stop returns promptly while InfluxDB is down')
  t.equal(f.ingest.pipeline.inFlight(), 0)
  t.equal((await f.ingest.log.stats()).consumers.ingest.pending, 5, 'nothing released')
  await f.influx.restart()
  f.ingest.pipeline.start()
  await f.ingest.pipeline.idle(20_000)
  t.equal((await f.rows('SELECT count("seq") FROM "soil" WHERE "device" = \'x-1\''))[0].count, 5)
})
