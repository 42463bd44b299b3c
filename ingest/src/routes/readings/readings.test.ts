import t from 'tap'
import { startIngestFixture } from '../../testing/ingest-fixture.ts'

const reading = (over: Record<string, unknown> = {}) => ({ device: 'soil-1', kind: 'soil', ts: Date.now() - 60_000, seq: 1, metrics: { moisture_vwc_pct: 21.5 }, ...over })

t.test('POST /v1/readings', async t => {
  const f = await startIngestFixture(t, { http: { bodyLimit: 4096 } }, {})
  const gw = f.tokens['gw-north']

  t.test('answers 202 only after the append: the entry is in the log with the topic, sender and transport http', async t => {
    const body = reading({ seq: 11 })
    const raw = JSON.stringify(body, null, 1)
    await f.ingest.pipeline.stop({ drainMs: 0 })
    const before = (await f.ingest.log.stats()).appended
    const res = await f.request('POST', '/v1/readings', { token: gw, raw })
    t.equal(res.status, 202)
    t.match(res.json, { accepted: 1, logId: Number })
    const stats = await f.ingest.log.stats()
    t.equal(stats.appended, before + 1, 'appended before the answer')
    const [entry] = await f.ingest.log.read('ingest', 100)
    t.equal(entry.id, res.json.logId)
    t.equal(Buffer.from(entry.payload).toString(), raw, 'the payload is kept as received')
    t.match(JSON.parse(entry.meta), { topic: 'shennong/v1/farm-north/gw-north/telemetry', sender: 'gw-north', transport: 'http', receivedAt: Number })
    f.ingest.pipeline.start()
    await f.ingest.pipeline.idle()
    const rows = await f.rows('SELECT * FROM "soil" WHERE "seq" = 11')
    t.match(rows, [{ site: 'farm-north', device: 'soil-1', moisture_vwc_pct: 21.5 }])
  })

  t.test('a reading without device belongs to the posting gateway', async t => {
    const res = await f.request('POST', '/v1/readings', { token: gw, body: { kind: 'weather', ts: Date.now() - 1000, seq: 5, metrics: { temperature_c: 3 } } })
    t.equal(res.status, 202)
    await f.ingest.pipeline.idle()
    t.match(await f.rows('SELECT * FROM "weather"'), [{ device: 'gw-north', site: 'farm-north' }])
  })

  const ts = Date.now() - 60_000
  const bad: Array<{ name: string, raw?: string, body?: unknown, code: string, field: string, message: RegExp, stage: string }> = [
    { name: 'malformed JSON', raw: '{"kind":"soil",', code: 'ERR_INGEST_PAYLOAD', field: '(payload)', message: /not valid JSON/, stage: 'decode' },
    { name: 'empty array', body: [], code: 'ERR_INGEST_PAYLOAD', field: '(payload)', message: /empty array/, stage: 'decode' },
    { name: 'wrong types', body: reading({ seq: -1, metrics: { moisture_vwc_pct: '21' } }), code: 'ERR_INGEST_INVALID', field: 'metrics.moisture_vwc_pct', message: /finite number/, stage: 'validate' },
    { name: 'NaN as a string', body: reading({ metrics: { moisture_vwc_pct: 'NaN' } }), code: 'ERR_INGEST_INVALID', field: 'metrics.moisture_vwc_pct', message: /finite number/, stage: 'validate' },
    { name: 'Infinity as a string', body: reading({ metrics: { ph: '-Infinity' } }), code: 'ERR_INGEST_INVALID', field: 'metrics.ph', message: /finite number/, stage: 'validate' },
    { name: 'unknown kind', body: reading({ kind: 'magma' }), code: 'ERR_INGEST_INVALID', field: 'kind', message: /unknown kind/, stage: 'validate' },
    { name: 'unknown metric', body: reading({ metrics: { do_mg_l: 5 } }), code: 'ERR_INGEST_INVALID', field: 'metrics.do_mg_l', message: /unknown metric/, stage: 'validate' },
    { name: 'missing fields', body: { kind: 'soil', metrics: { ph: 6 } }, code: 'ERR_INGEST_INVALID', field: 'seq', message: /seq is missing/, stage: 'validate' },
    { name: 'zone-less timestamp', body: reading({ ts: '2025-11-22 08:00:00' }), code: 'ERR_INGEST_INVALID', field: 'ts', message: /no time zone/, stage: 'validate' },
    { name: 'far-future timestamp', body: reading({ ts: ts + 86_400_000 }), code: 'ERR_INGEST_INVALID', field: 'ts', message: /in the future/, stage: 'validate' }
  ]
  for (const c of bad) {
    t.test(`answers 400 with the reason and quarantines it: ${c.name}`, async t => {
      const appended = (await f.ingest.log.stats()).appended
      const res = await f.request('POST', '/v1/readings', { token: gw, raw: c.raw, body: c.body })
      t.equal(res.status, 400)
      t.equal(res.json.code, c.code)
      t.match(res.json.message, /quarantined/)
      const rejected = res.json.rejected[0]
      t.ok(rejected.errors.some((e: { field: string, message: string }) => e.field === c.field && c.message.test(e.message)), JSON.stringify(rejected.errors))
      const entry = f.ingest.quarantine.get(rejected.quarantineId)
      t.match(entry, { transport: 'http', sender: 'gw-north', site: 'farm-north', stage: c.stage, payload: c.raw ?? JSON.stringify(c.body) })
      t.equal((await f.ingest.log.stats()).appended, appended, 'nothing appended')
    })
  }

  t.test('an array with one bad element: 400 naming it, only it quarantined, the others accepted', async t => {
    const res = await f.request('POST', '/v1/readings', { token: gw, body: [reading({ device: 'm-1', seq: 1 }), reading({ device: 'm-2', seq: 2, ts: 'yesterday' }), reading({ device: 'm-3', seq: 3 })] })
    t.equal(res.status, 400)
    t.equal(res.json.code, 'ERR_INGEST_INVALID')
    t.equal(res.json.accepted, 2)
    t.equal(res.json.rejected.length, 1)
    t.match(res.json.rejected[0], { index: 1, errors: [{ field: '[1].ts' }] })
    t.match(f.ingest.quarantine.get(res.json.rejected[0].quarantineId), { itemIndex: 1, stage: 'validate' })
    await f.ingest.pipeline.idle()
    const rows = await f.rows('SELECT * FROM "soil" WHERE "device" =~ /^m-/')
    t.same(rows.map(r => r.device).sort(), ['m-1', 'm-3'])
  })

  t.test('a body over http.bodyLimit answers 413 with a clear error', async t => {
    const res = await f.request('POST', '/v1/readings', { token: gw, body: Array.from({ length: 100 }, (_, i) => reading({ seq: i })) })
    t.equal(res.status, 413)
    t.match(res.json, { code: 'ERR_INGEST_TOO_LARGE', message: /larger than 4096 bytes/ })
    t.equal(f.ingest.metrics.httpRefusals.get({ reason: 'too_large' }), 1)
  })

  t.test('a body that is not application/json answers 415', async t => {
    const res = await f.request('POST', '/v1/readings', { token: gw, raw: 'x', contentType: 'text/plain' })
    t.equal(res.status, 415)
    t.equal(res.json.code, 'ERR_INGEST_CONTENT_TYPE')
  })

  t.test('without a token: 401; with a bad token: 401; with a read-only role: 403', async t => {
    const none = await f.request('POST', '/v1/readings', { body: reading() })
    t.equal(none.status, 401)
    t.equal(none.json.code, 'ERR_AUTH_MISSING')
    const wrong = await f.request('POST', '/v1/readings', { token: 'gw-north.not-the-secret', body: reading() })
    t.equal(wrong.status, 401)
    t.equal(wrong.json.code, 'ERR_AUTH_INVALID')
    const garbage = await f.request('POST', '/v1/readings', { token: 'garbage', body: reading() })
    t.equal(garbage.status, 401)
    for (const id of ['inspector', 'farmer-north', 'svc']) {
      const res = await f.request('POST', '/v1/readings', { token: f.tokens[id], body: reading() })
      t.equal(res.status, 403, id)
      t.equal(res.json.code, 'ERR_AUTH_FORBIDDEN')
    }
    t.equal(f.ingest.metrics.httpRefusals.get({ reason: 'unauthenticated' }), 1)
    t.equal(f.ingest.metrics.httpRefusals.get({ reason: 'bad_token' }), 2)
    t.equal(f.ingest.metrics.httpRefusals.get({ reason: 'forbidden' }), 3)
  })

  t.test('a gateway posts for its own site only; an admin names the site', async t => {
    const other = await f.request('POST', '/v1/readings?site=farm-south', { token: gw, body: reading() })
    t.equal(other.status, 403)
    t.equal(other.json.code, 'ERR_AUTH_SITE')
    const noSite = await f.request('POST', '/v1/readings', { token: f.tokens.admin, body: reading() })
    t.equal(noSite.status, 400)
    t.equal(noSite.json.code, 'ERR_INGEST_SITE')
    const admin = await f.request('POST', '/v1/readings?site=farm-south', { token: f.tokens.admin, body: reading({ device: 'adm-1', seq: 77 }) })
    t.equal(admin.status, 202)
    await f.ingest.pipeline.idle()
    t.match(await f.rows('SELECT * FROM "soil" WHERE "device" = \'adm-1\''), [{ site: 'farm-south', seq: 77 }])
  })

  t.test('the process is still up and healthy after all of it', async t => {
    const res = await f.request('GET', '/healthz')
    t.equal(res.status, 200)
    t.equal(res.json.status, 'ok')
  })
})
