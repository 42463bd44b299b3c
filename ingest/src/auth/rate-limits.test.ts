import t from 'tap'
import { request as httpRequest } from 'node:http'
import { createLogger } from '@shennong/core/logger.ts'
import { createMetricsRegistry } from '@shennong/core/metrics.ts'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { loadIngestConfig } from '../config.ts'
import { startIngestFixture, type IngestFixture } from '../testing/ingest-fixture.ts'
import { addressKey, createRateLimits } from './rate-limits.ts'

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, json: any }

/** One request with node:http, so that it can come from another loopback address (localAddress). */
async function call (f: IngestFixture, method: string, path: string, options: { token?: string, body?: unknown, from?: string, headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  const body = options.body === undefined ? undefined : JSON.stringify(options.body)
  if (body !== undefined) headers['content-type'] = 'application/json'
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: f.ingest.port, method, path, headers, localAddress: options.from ?? '127.0.0.1' }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        let json: unknown
        try { json = JSON.parse(text) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

const statuses = async (n: number, send: () => Promise<Answer>): Promise<number[]> => {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await send()).status)
  return out
}

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

const OFF = { perSecond: 0, burst: 1 }
const reading = (seq: number) => ({ device: 'rl-1', kind: 'soil', ts: Date.now() - 60_000, seq, metrics: { ph: 6.5 } })

t.test('the limits of the HTTP API, on a running ingest', async t => {
  const influx = await startInfluxd({ t })

  t.test('a principal over its limit gets 429 with Retry-After and recovers after the refill; others are not affected', async t => {
    const f = await startIngestFixture(t, { http: { rateLimit: { principal: { perSecond: 2, burst: 3 } } } }, { influx })
    const path = '/v1/quarantine'
    t.same(await statuses(3, () => call(f, 'GET', path, { token: f.tokens.inspector })), [200, 200, 200], 'the burst')
    const over = await call(f, 'GET', path, { token: f.tokens.inspector })
    t.equal(over.status, 429)
    t.equal(over.headers['retry-after'], '1', 'Retry-After in whole seconds')
    t.match(over.json, { statusCode: 429, code: 'ERR_HTTP_RATE_LIMITED', error: 'Too Many Requests', limit: 'principal', retryAfter: 1, message: /principal inspector sends more than 2\/s, burst 3; http\.rateLimit\.principal; retry after 1 s/ })
    t.equal((await call(f, 'GET', path, { token: f.tokens.admin })).status, 200, 'another principal has its own bucket')
    t.equal((await call(f, 'GET', path, { token: f.tokens['farmer-north'] })).status, 200)
    await sleep(600)
    t.equal((await call(f, 'GET', path, { token: f.tokens.inspector })).status, 200, 'a token refilled after 500 ms')
    t.equal((await call(f, 'GET', path, { token: f.tokens.inspector })).status, 429, 'and only one')
    t.equal(f.ingest.metrics.httpRateLimited.get({ limit: 'principal' }), 2, 'counted by limit')
    t.equal(f.ingest.metrics.httpRefusals.get({ reason: 'rate_limited' }), 2, 'and as refusals')
    const metrics = await call(f, 'GET', '/metrics')
    t.equal(metrics.status, 200, '/metrics is not limited')
    t.equal((await call(f, 'GET', '/healthz')).status, 200, 'nor /healthz')
  })

  t.test('POST /v1/readings has a bucket of its own: a gateway\'s burst does not spend its principal\'s other requests', async t => {
    const f = await startIngestFixture(t, { http: { rateLimit: { principal: { perSecond: 0.1, burst: 2 }, readings: { perSecond: 0.1, burst: 4 } } } }, { influx })
    const post = (seq: number) => call(f, 'POST', '/v1/readings?site=farm-north', { token: f.tokens.admin, body: reading(seq) })
    t.same([await post(1), await post(2), await post(3), await post(4), await post(5)].map(a => a.status), [202, 202, 202, 202, 429])
    const refused = await post(6)
    t.match(refused.json, { limit: 'readings', message: /posts readings more often than 0\.1\/s, burst 4; http\.rateLimit\.readings; send larger batches less often; retry after 10 s/ })
    t.equal(refused.headers['retry-after'], '10', 'a token every 10 s')
    t.equal((await call(f, 'GET', '/v1/quarantine', { token: f.tokens.admin })).status, 200, 'the admin still reads')
    t.equal((await call(f, 'POST', '/v1/readings', { token: f.tokens['gw-north'], body: reading(7) })).status, 202, 'another gateway still posts')
    t.equal(f.ingest.metrics.httpRateLimited.get({ limit: 'readings' }), 2)
    t.equal(f.ingest.metrics.httpRateLimited.get({ limit: 'principal' }), 0)
  })

  t.test('the public trace lookup, page and QR code are limited per client address', async t => {
    const f = await startIngestFixture(t, { http: { rateLimit: { ip: { perSecond: 0.1, burst: 3 } } } }, { influx })
    const lookups = ['/v1/trace/no-such-lot', '/trace/no-such-lot', '/trace/no-such-lot/qr.svg']
    const answered = []
    for (const path of lookups) answered.push((await call(f, 'GET', path)).status)
    t.same(answered, [404, 404, 404], 'within the burst: answered')
    for (const path of lookups) {
      const res = await call(f, 'GET', path)
      t.equal(res.status, 429, path)
      t.match(res.json, { code: 'ERR_HTTP_RATE_LIMITED', limit: 'ip', message: /too many requests without a token from 127\.0\.0\.1/ })
      t.ok(Number(res.headers['retry-after']) >= 1)
    }
    t.equal((await call(f, 'GET', '/docs')).status, 429, '/docs too')
    t.equal((await call(f, 'GET', '/no/such/path')).status, 429, 'and unknown paths')
    t.equal((await call(f, 'GET', '/v1/quarantine')).status, 429, 'and a request without a token to a guarded endpoint')
    t.equal((await call(f, 'GET', '/v1/trace/no-such-lot', { from: '127.0.0.2' })).status, 404, 'another address has its own bucket')
    t.equal((await call(f, 'GET', '/v1/quarantine', { token: f.tokens.inspector })).status, 200, 'a principal from the same address is limited as itself')
    t.equal((await call(f, 'GET', '/healthz')).status, 200, '/healthz is never limited')
    t.equal(f.ingest.metrics.httpRateLimited.get({ limit: 'ip' }), 6)
  })

  t.test('failed authentications are limited per client address; then even a good token from it waits', async t => {
    const f = await startIngestFixture(t, { http: { rateLimit: { authFailures: { perSecond: 0.1, burst: 3 } } } }, { influx })
    const guesses = await statuses(3, () => call(f, 'GET', '/v1/quarantine', { token: 'inspector.guess' }))
    t.same(guesses, [401, 401, 401], 'three failures are answered 401')
    const slowed = await call(f, 'GET', '/v1/quarantine', { token: 'inspector.another-guess' })
    t.equal(slowed.status, 429, 'the fourth is refused before its token is checked')
    t.match(slowed.json, { limit: 'authFailures', message: /too many failed authentications from 127\.0\.0\.1 .*check the token/ })
    t.equal(slowed.headers['retry-after'], '10')
    t.equal((await call(f, 'GET', '/v1/quarantine', { token: 'malformed' })).status, 429, 'a malformed header too')
    t.equal((await call(f, 'GET', '/v1/quarantine', { token: f.tokens.inspector })).status, 429, 'and a good token from the same address')
    t.equal((await call(f, 'GET', '/v1/quarantine', { token: f.tokens.inspector, from: '127.0.0.2' })).status, 200, 'from another address it works')
    t.same(await statuses(5, () => call(f, 'GET', '/v1/quarantine', { token: f.tokens.admin, from: '127.0.0.3' })), [200, 200, 200, 200, 200], 'good tokens spend nothing')
    t.equal(f.ingest.metrics.httpRateLimited.get({ limit: 'authFailures' }), 3)
    t.equal(f.ingest.metrics.httpRefusals.get({ reason: 'bad_token' }), 3, 'the refused ones are not counted as bad tokens')
    t.equal((await call(f, 'GET', '/healthz')).status, 200, 'still up and healthy')
  })

  t.test('behind a trusted proxy, per-address limits apply to the client it names', async t => {
    const f = await startIngestFixture(t, { http: { trustProxy: ['127.0.0.1'], rateLimit: { ip: { perSecond: 0.1, burst: 1 } } } }, { influx })
    const via = (client: string, from = '127.0.0.1') => call(f, 'GET', '/v1/trace/none', { from, headers: { 'x-forwarded-for': client } })
    t.equal((await via('203.0.113.7')).status, 404)
    t.equal((await via('203.0.113.7')).status, 429, 'one client spent')
    t.equal((await via('203.0.113.8')).status, 404, 'another client behind the same proxy is not')
    t.equal((await via('2001:db8:1:2::1')).status, 404)
    t.equal((await via('2001:db8:1:2:ffff::9')).status, 429, 'IPv6: one bucket per /64')
    t.equal((await via('198.51.100.1', '127.0.0.2')).status, 404)
    t.equal((await via('198.51.100.1', '127.0.0.2')).status, 429, 'an untrusted peer is limited as itself, whatever it claims')
    t.equal((await via('198.51.100.2', '127.0.0.2')).status, 429)
  })

  t.test('perSecond 0 turns a limit off', async t => {
    const f = await startIngestFixture(t, { http: { rateLimit: { principal: OFF, readings: OFF, ip: OFF, authFailures: OFF } } }, { influx })
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => [
      call(f, 'GET', '/v1/quarantine', { token: f.tokens.inspector }),
      call(f, 'GET', '/v1/trace/nothing'),
      call(f, 'POST', '/v1/readings', { token: f.tokens['gw-north'], body: reading(100 + i) }),
      // Each wrong secret costs an scrypt: a few suffice.
      ...(i % 8 === 0 ? [call(f, 'GET', '/v1/quarantine', { token: 'inspector.wrong' })] : [])
    ]).flat())
    t.notOk(answers.some(a => a.status === 429), 'nothing refused')
    t.same([...new Set(answers.map(a => a.status))].sort(), [200, 202, 401, 404])
  })

  t.test('the defaults are generous and the OpenAPI document declares 429 where a limit applies', async t => {
    const f = await startIngestFixture(t, {}, { influx })
    const answers = await Promise.all(Array.from({ length: 150 }, () => call(f, 'GET', '/v1/trace/nothing')))
    t.notOk(answers.some(a => a.status === 429), '150 public lookups at once from one address')
    const doc = await call(f, 'GET', '/openapi.json')
    for (const [path, ops] of Object.entries(doc.json.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path === '/healthz' || path === '/metrics') t.notOk(op.responses['429'], `${method} ${path} is never limited`)
        else t.ok(op.responses['429'], `${method} ${path} declares 429`)
      }
    }
  })
})

t.test('addressKey: IPv4 as it is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', async t => {
  t.equal(addressKey('192.0.2.1'), '192.0.2.1')
  t.equal(addressKey('::ffff:192.0.2.1'), '192.0.2.1')
  t.equal(addressKey('2001:db8:a:b:1:2:3:4'), '2001:db8:a:b::/64')
  t.equal(addressKey('2001:0db8:000a:000b::9'), '2001:db8:a:b::/64')
  t.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64')
  t.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64')
  t.equal(addressKey('::1'), '0:0:0:0::/64')
  t.equal(addressKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64')
  t.equal(addressKey('unknown'), 'unknown')
})

t.test('a refusal is logged at most once a minute per limit and key, with the number suppressed since', async t => {
  let now = 0
  const lines: Array<Record<string, unknown>> = []
  const logger = createLogger('ingest', 'warn', line => lines.push(JSON.parse(line) as Record<string, unknown>))
  const counter = createMetricsRegistry().counter('c_total', 'c')
  const config = loadIngestConfig({ value: { http: { rateLimit: { principal: { perSecond: 1, burst: 1 }, ip: { perSecond: 1, burst: 1 } } } }, env: {} }).http.rateLimit
  const limits = createRateLimits(config, { counter, logger, now: () => now })
  const refusals = (limit: 'principal' | 'ip', key: string, n: number): number => {
    let refused = 0
    for (let i = 0; i < n; i++) {
      try {
        limits.take(limit, key)
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 429) throw err
        refused++
      }
    }
    return refused
  }
  t.equal(refusals('principal', 'gw-1', 1000), 999)
  t.equal(refusals('principal', 'gw-2', 10), 9)
  t.equal(refusals('ip', '192.0.2.1', 10), 9)
  t.same(lines.map(l => [l.msg, l.limit, l.principal ?? l.address]), [['rate limited', 'principal', 'gw-1'], ['rate limited', 'principal', 'gw-2'], ['rate limited', 'ip', '192.0.2.1']])
  now += 30_000
  refusals('principal', 'gw-1', 100)
  t.equal(lines.length, 3, 'nothing more within the minute')
  now += 31_000
  refusals('principal', 'gw-1', 100)
  t.equal(lines.length, 4)
  t.match(lines[3], { limit: 'principal', principal: 'gw-1', perSecond: 1, burst: 1, suppressedSinceLast: 998 + 99 })
  t.equal(counter.get({ limit: 'principal' }), 999 + 9 + 99 + 99)

  now += 61_000
  for (let i = 0; i < 500; i++) refusals('ip', `198.51.100.${i % 250}`, 2)
  t.equal(lines.length, 4 + 100, 'at most 100 lines a minute, whatever the number of keys')
  now += 61_000
  refusals('ip', '203.0.113.1', 2)
  t.match(lines.at(-1), { address: '203.0.113.1', otherLinesSkipped: 450 })
})
