import t from 'tap'
import { loadIngestConfig } from './config.ts'

t.test('an empty config is complete with the documented defaults', async t => {
  const c = loadIngestConfig({ value: {}, env: {} })
  t.match(c, {
    dataDir: '.data',
    http: { host: '127.0.0.1', port: 8080, bodyLimit: 1_048_576 },
    influx: { url: 'http://127.0.0.1:8086', api: 'v1', database: 'shennong', maxBatchPoints: 10_000 },
    ingestLog: { consumers: ['ingest', 'rules'], sync: 'full', groupCommit: '2ms', onFull: 'backpressure' },
    pipeline: { batchEntries: 2000, maxInFlightBatches: 4, pollInterval: '20ms', maxFuture: '5m' },
    qc: { spike: { relative: 0.3, limits: {} }, stuck: { count: 12, tolerance: 0 }, gap: { after: '15m' }, stateSize: 100_000 },
    auth: 'required',
    logLevel: 'info'
  })
  t.ok(Object.isFrozen(c.qc.spike), 'frozen')
})

t.test('secrets and the InfluxDB address come from the environment mapping only', async t => {
  const c = loadIngestConfig({
    text: 'influx:\n  url: http://db:8086\n  token: from-file\n',
    env: { SHENNONG_INFLUX_TOKEN: 'tok', SHENNONG_INFLUX_PASSWORD: 'pw', SHENNONG_INFLUX_URL: 'http://influx.example:8086', SHENNONG_INFLUX_DATABASE: 'ignored' }
  })
  t.equal(c.influx.token, 'tok')
  t.equal(c.influx.password, 'pw')
  t.equal(c.influx.url, 'http://influx.example:8086')
  t.equal(c.influx.database, 'shennong')
})

t.test('every problem is reported at once', async t => {
  let err: (Error & { code?: string, details?: { issues: Array<{ path: string }> } }) | undefined
  try {
    loadIngestConfig({ text: 'http:\n  port: -1\npipeline:\n  pollInterval: soon\nauth: open\nqc:\n  stuk: {}\n', env: {} })
  } catch (e) { err = e as typeof err }
  t.equal(err?.code, 'ERR_CONFIG_INVALID')
  const paths = err?.details?.issues.map(i => i.path) ?? []
  for (const p of ['auth', 'http.port', 'pipeline.pollInterval', 'qc.stuk']) t.ok(paths.includes(p), `${p} reported`)
})

t.test('ingest/sample.yaml documents every option and equals the defaults', async t => {
  const { resolve } = await import('node:path')
  const file = resolve(import.meta.dirname, '..', 'sample.yaml')
  const sample = loadIngestConfig({ file, env: {} })
  t.same(sample, loadIngestConfig({ value: {}, env: {} }))
  const { readFileSync } = await import('node:fs')
  const text = readFileSync(file, 'utf8')
  const walk = (value: unknown, path: string[]): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return
    for (const [key, child] of Object.entries(value)) {
      t.match(text, new RegExp(`^\\s*${key}:`, 'm'), `sample.yaml mentions ${[...path, key].join('.')}`)
      if (key !== 'limits') walk(child, [...path, key])
    }
  }
  walk(sample, [])
})
