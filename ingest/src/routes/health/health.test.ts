import t from 'tap'
import { startIngestFixture } from '../../testing/ingest-fixture.ts'

t.test('operations endpoints', async t => {
  const f = await startIngestFixture(t)
  const ts = Date.now() - 60_000
  await f.append('farm-north', 'gw-north', [
    { device: 'm-1', kind: 'soil', ts, seq: 1, metrics: { ph: 6.5 } },
    { device: 'm-1', kind: 'soil', ts: ts + 1, seq: 2, metrics: { ph: 99 } },
    { device: 'm-1', kind: 'soil', ts: ts + 2, seq: 3, metrics: { radon: 1 } }
  ])
  await f.append('farm-north', 'gw-north', 'not json')
  await f.request('POST', '/v1/readings', { token: f.tokens['gw-north'], body: { kind: 'soil', ts, seq: 4, metrics: { ph: 7 } } })
  await f.request('GET', '/v1/quarantine')
  await f.ingest.pipeline.idle()

  t.test('GET /healthz reports the log, InfluxDB and the pipeline', async t => {
    const res = await f.request('GET', '/healthz')
    t.equal(res.status, 200)
    t.match(res.json, { status: 'ok', log: { ok: true, pending: 0 }, influx: { reachable: true, url: f.influx.url, version: /^1\./ }, pipeline: { running: true, inFlightBatches: 0 } })
  })

  t.test('GET /metrics is Prometheus text with the ingest counters', async t => {
    const res = await fetch(`${f.ingest.url}/metrics`)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/plain/)
    const text = await res.text()
    const value = (series: string): number => {
      const line = text.split('\n').find(l => l.startsWith(series + ' '))
      return line === undefined ? NaN : Number(line.slice(series.length + 1))
    }
    t.equal(value('shennong_ingest_readings_in_total{transport="mqtt"}'), 4)
    t.equal(value('shennong_ingest_readings_in_total{transport="http"}'), 1)
    t.equal(value('shennong_ingest_readings_stored_total'), 3)
    t.equal(value('shennong_ingest_quarantined_total{stage="validate",reason="metrics"}'), 1)
    t.equal(value('shennong_ingest_quarantined_total{stage="decode",reason="payload"}'), 1)
    t.equal(value('shennong_ingest_qc_flags_total{check="range"}'), 1)
    t.equal(value('shennong_ingest_log_depth'), 0)
    t.ok(value('shennong_ingest_log_oldest_age_seconds') >= 0)
    t.equal(value('shennong_ingest_log_dropped_entries{reason="overflow"}'), 0)
    t.equal(value('shennong_ingest_http_refusals_total{reason="unauthenticated"}'), 1)
    t.ok(value('shennong_ingest_influx_write_duration_seconds_count') >= 1)
    t.match(text, /# TYPE shennong_ingest_influx_write_duration_seconds histogram/)
    t.match(text, /# HELP shennong_ingest_influx_retries_total /)
  })

  t.test('GET /openapi.json describes every endpoint; /docs lists them', async t => {
    const res = await f.request('GET', '/openapi.json')
    t.equal(res.status, 200)
    t.match(res.json.openapi, /^3\./)
    const paths = Object.keys(res.json.paths).sort()
    t.same(paths, [
      '/healthz', '/metrics', '/v1/alerts', '/v1/alerts/{id}', '/v1/alerts/{id}/acknowledge', '/v1/alerts/{id}/resolve', '/v1/quarantine', '/v1/quarantine/{id}', '/v1/quarantine/{id}/replay',
      '/v1/readings', '/v1/sites/{site}/devices/{device}/readings', '/v1/sites/{site}/latest',
      '/v1/trace/actors', '/v1/trace/batches', '/v1/trace/batches/{code}', '/v1/trace/batches/{code}/events',
      '/v1/trace/batches/{code}/events/prepare', '/v1/trace/batches/{code}/events/signed',
      '/v1/trace/batches/{code}/sensor-summary', '/v1/trace/batches/{code}/split', '/v1/trace/batches/{code}/verify',
      '/v1/trace/export', '/v1/trace/merges', '/v1/trace/organisations', '/v1/trace/organisations/{id}/keys',
      '/v1/trace/places', '/v1/trace/{code}'
    ])
    t.ok(res.json.paths['/v1/readings'].post.responses['202'])
    const docs = await fetch(`${f.ingest.url}/docs`)
    t.match(docs.headers.get('content-type'), /^text\/html/)
    const html = await docs.text()
    for (const p of paths) t.ok(html.includes(p.replace(/&/g, '&amp;')), `docs page lists ${p}`)
  })

  t.test('an unknown path is a 404 with a code', async t => {
    const res = await f.request('GET', '/v2/nothing')
    t.equal(res.status, 404)
    t.equal(res.json.code, 'ERR_HTTP_NOT_FOUND')
  })
})
