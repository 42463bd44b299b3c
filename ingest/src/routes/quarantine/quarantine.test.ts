import t from 'tap'
import { startIngestFixture } from '../../testing/ingest-fixture.ts'

t.test('quarantine API', async t => {
  const f = await startIngestFixture(t)
  const ts = Date.now() - 120_000
  // One bad reading from each site, over MQTT (the log) and over HTTP.
  await f.append('farm-north', 'gw-north', { device: 'n-1', kind: 'soil', ts, seq: 1, metrics: { moisture: 20 } })
  await f.append('farm-south', 'gw-south', { device: 's-1', kind: 'soil', ts: '2026-01-01T00:00:00', seq: 1, metrics: { ph: 6 } })
  const posted = await f.request('POST', '/v1/readings', { token: f.tokens['gw-north'], body: { device: 'n-2', kind: 'water', ts, seq: 2, metrics: { ph: 'seven' } } })
  t.equal(posted.status, 400)
  await f.ingest.pipeline.idle()

  t.test('lists newest first, filtered by reason, sender, stage, time', async t => {
    const all = await f.request('GET', '/v1/quarantine', { token: f.tokens.admin })
    t.equal(all.status, 200)
    t.equal(all.json.entries.length, 3)
    t.ok(all.json.entries[0].id > all.json.entries[1].id, 'newest first')
    t.match(all.json.entries[0], { transport: 'http', sender: 'gw-north', stage: 'validate', site: 'farm-north', replayedAt: null, quarantinedAt: String })
    const byReason = await f.request('GET', '/v1/quarantine?reason=unknown%20metric', { token: f.tokens.admin })
    t.same(byReason.json.entries.map((e: any) => JSON.parse(e.payload).device), ['n-1'])
    const byZone = await f.request('GET', '/v1/quarantine?reason=time%20zone', { token: f.tokens.inspector })
    t.same(byZone.json.entries.map((e: any) => e.sender), ['gw-south'])
    const bySender = await f.request('GET', '/v1/quarantine?sender=gw-north&limit=1', { token: f.tokens.admin })
    t.equal(bySender.json.entries.length, 1)
    const future = await f.request('GET', `/v1/quarantine?from=${Date.now() + 60_000}`, { token: f.tokens.admin })
    t.equal(future.json.entries.length, 0)
    const badFrom = await f.request('GET', '/v1/quarantine?from=noon', { token: f.tokens.admin })
    t.equal(badFrom.status, 400)
  })

  t.test('a farmer sees the entries of its own sites only', async t => {
    const res = await f.request('GET', '/v1/quarantine', { token: f.tokens['farmer-north'] })
    t.same(res.json.entries.map((e: any) => e.site), ['farm-north', 'farm-north'])
    const south = f.ingest.quarantine.list({ sender: 'gw-south' })[0]
    const one = await f.request('GET', `/v1/quarantine/${south.id}`, { token: f.tokens['farmer-north'] })
    t.equal(one.status, 404)
    t.equal((await f.request('GET', '/v1/quarantine', { token: f.tokens['gw-north'] })).status, 403)
  })

  t.test('GET /v1/quarantine/{id} returns every reason; unknown id is 404', async t => {
    const south = f.ingest.quarantine.list({ sender: 'gw-south' })[0]
    const res = await f.request('GET', `/v1/quarantine/${south.id}`, { token: f.tokens.admin })
    t.equal(res.status, 200)
    t.match(res.json, { id: south.id, topic: /farm-south\/gw-south\/telemetry$/, stage: 'validate', reasons: [{ field: 'ts', message: /no time zone/ }] })
    const missing = await f.request('GET', '/v1/quarantine/999999', { token: f.tokens.admin })
    t.equal(missing.status, 404)
    t.equal(missing.json.code, 'ERR_QUARANTINE_NOT_FOUND')
  })

  t.test('replay: admin only; a still-invalid payload is refused; a corrected payload lands in InfluxDB', async t => {
    const entry = f.ingest.quarantine.list({ sender: 'gw-north', reason: 'unknown metric' })[0]
    const asInspector = await f.request('POST', `/v1/quarantine/${entry.id}/replay`, { token: f.tokens.inspector })
    t.equal(asInspector.status, 403)
    const asIs = await f.request('POST', `/v1/quarantine/${entry.id}/replay`, { token: f.tokens.admin })
    t.equal(asIs.status, 400)
    t.equal(asIs.json.code, 'ERR_QUARANTINE_INVALID')
    t.match(asIs.json.message, /unknown metric "moisture"/)
    const fixed = { device: 'n-1', kind: 'soil', ts, seq: 1, metrics: { moisture_vwc_pct: 20 } }
    const res = await f.request('POST', `/v1/quarantine/${entry.id}/replay`, { token: f.tokens.admin, body: { payload: fixed } })
    t.equal(res.status, 202)
    t.match(res.json, { id: entry.id, logId: Number, replayedAt: String })
    await f.ingest.pipeline.idle()
    t.match(await f.rows('SELECT * FROM "soil" WHERE "device" = \'n-1\''), [{ site: 'farm-north', seq: 1, moisture_vwc_pct: 20 }])
    t.ok(f.ingest.quarantine.get(entry.id)?.replayedAt, 'marked replayed')
    const again = await f.request('POST', `/v1/quarantine/${entry.id}/replay`, { token: f.tokens.admin, body: { payload: fixed } })
    t.equal(again.status, 409)
    t.equal(again.json.code, 'ERR_QUARANTINE_REPLAYED')
  })

  t.test('a storage-stage entry replays as stored once the conflict is gone', async t => {
    await fetch(`${f.influx.url}/write?db=shennong&precision=ms`, { method: 'POST', body: `cold_chain,site=x,device=y temperature_c="cold" ${ts - 1}` })
    await f.append('truck', 'gw-t', { device: 'c-1', kind: 'cold_chain', ts, seq: 3, metrics: { temperature_c: 4 } })
    await f.ingest.pipeline.idle()
    const entry = f.ingest.quarantine.list({ stage: 'storage' })[0]
    t.match(entry, { sender: 'gw-t', reasons: [{ field: 'influxdb', message: /field type conflict/ }] })
    await fetch(`${f.influx.url}/query?db=shennong&q=${encodeURIComponent('DROP MEASUREMENT "cold_chain"')}`, { method: 'POST' })
    const res = await f.request('POST', `/v1/quarantine/${entry.id}/replay`, { token: f.tokens.admin })
    t.equal(res.status, 202)
    await f.ingest.pipeline.idle()
    t.match(await f.rows('SELECT * FROM "cold_chain"'), [{ device: 'c-1', site: 'truck', temperature_c: 4, seq: 3 }])
    t.equal(f.ingest.quarantine.list({ stage: 'storage' }).length, 1, 'no new quarantine entry')
  })

  t.test('a replay that fails again is quarantined anew with replayOf', async t => {
    const entry = f.ingest.quarantine.list({ sender: 'gw-south' })[0]
    // The corrected reading is valid, but a type conflict in InfluxDB rejects it again.
    await fetch(`${f.influx.url}/write?db=shennong&precision=ms`, { method: 'POST', body: `soil,site=x,device=z ph="acid" ${ts - 2}` })
    const res = await f.request('POST', `/v1/quarantine/${entry.id}/replay`, { token: f.tokens.admin, body: { payload: { device: 's-1', kind: 'soil', ts, seq: 1, metrics: { ph: 6 } } } })
    t.equal(res.status, 202)
    await f.ingest.pipeline.idle()
    const newer = f.ingest.quarantine.list({ stage: 'storage', sender: 'gw-south' })[0]
    t.match(newer, { replayOf: entry.id, transport: 'replay', reasons: [{ message: /field type conflict/ }] })
  })
})
