import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { runSim } from './main.ts'
import { expandRanges, type SimReport } from './report.ts'
import { readingsUrl } from './senders/http-sender.ts'

interface Received { auth: string | undefined, url: string | undefined, body: string }

async function startServer (answer: (req: IncomingMessage, n: number) => number): Promise<{ url: string, received: Received[], close: () => Promise<void> }> {
  const received: Received[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, url: req.url, body: Buffer.concat(chunks).toString('utf8') })
      res.statusCode = answer(req, received.length)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(res.statusCode === 202 ? { accepted: true } : { error: 'nope' }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, received, close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) } }
}

const pairs = (bodies: string[]): string[] => [...new Set(bodies.flatMap(b => [JSON.parse(b)].flat().map((r: { device: string, seq: number }) => `${r.device}#${r.seq}`)))].sort()
const acked = (report: SimReport): string[] => Object.entries(report.devices).flatMap(([d, r]) => expandRanges(r.acknowledgedSeq).map(s => `${d}#${s}`)).sort()

t.test('the readings URL is the base URL plus /v1/readings', async t => {
  t.equal(readingsUrl('http://h:1'), 'http://h:1/v1/readings')
  t.equal(readingsUrl('http://h:1/'), 'http://h:1/v1/readings')
  t.equal(readingsUrl('http://h:1/v1/readings'), 'http://h:1/v1/readings')
})

t.test('posts readings with the gateway bearer token; 202 counts as acknowledged', async t => {
  const s = await startServer(() => 202)
  t.teardown(s.close)
  const report = await runSim({
    httpUrl: s.url,
    credentials: [{ site: 'farm-a', id: 'gw-farm-a', secret: 's3cret', kinds: ['soil', 'weather'] }, { site: 'city', id: 'gw-city', secret: 'other', kinds: ['air'] }],
    devices: 'soil=3,weather=1,air=2',
    interval: '1m',
    duration: '1h',
    perMessage: 4,
    speed: 'max'
  })
  t.equal(report.transport, 'http')
  t.equal(report.readings.sent, 6 * 60)
  t.equal(report.readings.acknowledged, report.readings.sent)
  t.ok(s.received.every(r => r.url === '/v1/readings'))
  t.same([...new Set(s.received.map(r => r.auth))].sort(), ['Bearer gw-city.other', 'Bearer gw-farm-a.s3cret'])
  t.ok(s.received.every(r => Array.isArray(JSON.parse(r.body))), 'batches are JSON arrays')
  t.same(pairs(s.received.map(r => r.body)), acked(report), 'the server got exactly the acknowledged set')
})

t.test('a 400 is final: not acknowledged, not retried', async t => {
  const s = await startServer(() => 400)
  t.teardown(s.close)
  const report = await runSim({ httpUrl: s.url, devices: 'cold_chain=2', interval: '1m', messages: 5, speed: 'max', httpRetries: 3 })
  t.equal(report.messages.sent, 5)
  t.equal(s.received.length, 5, 'one request per message')
  t.equal(report.readings.acknowledged, 0)
  t.equal(report.messages.notAcknowledged, 5)
  t.same(report.errors.http, { status_400: 5 })
})

t.test('a 503 is retried with backoff; acknowledged once a retry gets 202, not when retries run out', async t => {
  const flaky = await startServer((req, n) => n % 2 === 1 ? 503 : 202)
  t.teardown(flaky.close)
  const ok = await runSim({ httpUrl: flaky.url, devices: 'water=1', interval: '1m', messages: 4, window: 1, speed: 'max', httpRetries: 2 })
  t.equal(ok.readings.acknowledged, 4, 'each message acknowledged on its second attempt')
  t.equal(flaky.received.length, 8)
  t.same(ok.errors.http, { status_503: 4, retries: 4 })

  const down = await startServer(() => 503)
  t.teardown(down.close)
  const bad = await runSim({ httpUrl: down.url, devices: 'water=1', interval: '1m', messages: 3, speed: 'max', httpRetries: 2 })
  t.equal(bad.readings.acknowledged, 0)
  t.equal(bad.messages.notAcknowledged, 3)
  t.equal(down.received.length, 9, 'three attempts per message')
  t.same(bad.errors.http, { status_503: 9, retries: 6 })
})
