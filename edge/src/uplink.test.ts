import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteQueue } from '@shennong/core/queue/sqlite-queue.ts'
import { createLogger } from '@shennong/core/logger.ts'
import { topicFilter } from '@shennong/core/topics.ts'
import { createUplink, UPLINK_CONSUMER, type UplinkConfig } from './uplink.ts'
import { startBrokerFixture } from './aedes-fixture.ts'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function reading (i: number, pad = 0): { meta: string, payload: Uint8Array } {
  const r = { device: 'd-1', kind: 'soil', ts: 1_763_798_400_000 + i, seq: i, metrics: { ph: 7 }, ...(pad > 0 ? { flags: {} } : {}) }
  const text = JSON.stringify(r) + ' '.repeat(pad)
  return { meta: `d-1 ${i}`, payload: Buffer.from(text) }
}

async function setup (t: { teardown: (fn: () => Promise<void>) => void }, batch: UplinkConfig['batch']) {
  const fixture = await startBrokerFixture(topicFilter({ site: 's-1', id: 'gw-1', channel: 'telemetry' }))
  const spool = createSqliteQueue({ path: join(mkdtempSync(join(tmpdir(), 'shennong-uplink-')), 'spool.db'), consumers: [UPLINK_CONSUMER], sync: 'normal' })
  const uplink = createUplink({
    url: fixture.url, clientId: 'gw-1', site: 's-1', id: 'gw-1', batch, inflight: 4, keepaliveS: 30, connectTimeoutMs: 2000,
    reconnect: { minMs: 100, maxMs: 500, jitter: 0.3 }, statusIntervalMs: 60_000
  }, { spool, logger: createLogger('uplink', 'silent'), status: async () => ({}), onCommand: () => {} })
  t.teardown(async () => { await uplink.stop(); await spool.close(); await fixture.stop() })
  const batches = (): unknown[][] => fixture.received.map(m => JSON.parse(m.payload.toString()) as unknown[])
  return { fixture, spool, uplink, batches }
}

t.test('closes a batch at max readings', async t => {
  const { spool, uplink, batches } = await setup(t, { maxReadings: 10, maxBytes: 1_000_000, maxDelayMs: 60_000 })
  await spool.append(Array.from({ length: 35 }, (_, i) => reading(i + 1)))
  uplink.start()
  await sleep(800)
  t.same(batches().map(b => b.length), [10, 10, 10], 'full batches go at once; the rest waits for max delay')
  t.equal((await spool.stats()).depth, 5, 'released only what was acknowledged')
})

t.test('closes a batch at max bytes; a payload never exceeds it', async t => {
  const { spool, uplink, fixture } = await setup(t, { maxReadings: 1000, maxBytes: 1000, maxDelayMs: 50 })
  await spool.append(Array.from({ length: 40 }, (_, i) => reading(i + 1, 100)))
  uplink.start()
  await sleep(800)
  const sizes = fixture.received.map(m => m.payload.length)
  t.ok(sizes.length >= 5, `${sizes.length} messages`)
  t.ok(sizes.every(s => s <= 1000), `every payload ≤ 1000 bytes (${Math.max(...sizes)})`)
  t.equal(fixture.received.reduce((n, m) => n + (JSON.parse(m.payload.toString()) as unknown[]).length, 0), 40)
})

t.test('sends a partial batch after max delay', async t => {
  const { spool, uplink, batches } = await setup(t, { maxReadings: 100, maxBytes: 1_000_000, maxDelayMs: 300 })
  uplink.start()
  await sleep(300)
  const appended = Date.now()
  await spool.append([reading(1), reading(2), reading(3)])
  while (batches().length === 0 && Date.now() - appended < 3000) await sleep(10)
  const waited = Date.now() - appended
  t.same(batches(), [[{ device: 'd-1', kind: 'soil', ts: 1_763_798_400_001, seq: 1, metrics: { ph: 7 } }, { device: 'd-1', kind: 'soil', ts: 1_763_798_400_002, seq: 2, metrics: { ph: 7 } }, { device: 'd-1', kind: 'soil', ts: 1_763_798_400_003, seq: 3, metrics: { ph: 7 } }]])
  t.ok(waited >= 250 && waited < 1000, `sent after ${waited} ms (max delay 300 ms)`)
  while ((await spool.stats()).depth > 0 && Date.now() - appended < 3000) await sleep(10)
  t.equal((await spool.stats()).depth, 0, 'released after the PUBACK')
})

t.test('keeps readings spooled while the broker is down and reconnects with backoff', async t => {
  const { spool, uplink, fixture, batches } = await setup(t, { maxReadings: 50, maxBytes: 1_000_000, maxDelayMs: 20 })
  await fixture.stop()
  uplink.start()
  await spool.append(Array.from({ length: 120 }, (_, i) => reading(i + 1)))
  await sleep(1200)
  t.equal(uplink.stats().connected, false)
  t.equal((await spool.stats()).depth, 120, 'nothing leaves the spool without a PUBACK')
  await fixture.start()
  while ((await spool.stats()).depth > 0) await sleep(20)
  const seqs = batches().flat().map(r => (r as { seq: number }).seq)
  t.same([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => i + 1))
  t.equal(uplink.stats().readings, 120)
})

t.test('connects over TLS with a CA file and credentials, and is refused with a wrong password', async t => {
  const { execFileSync } = await import('node:child_process')
  const { readFileSync } = await import('node:fs')
  const { createServer } = await import('node:tls')
  const { Aedes } = await import('aedes')
  const dir = mkdtempSync(join(tmpdir(), 'shennong-uplink-tls-'))
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }) }
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca')
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf')
  const broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => { done(null, username === 'gw-1' && password?.toString() === 's3cret') }
  })
  let received = 0
  await new Promise<void>(resolve => broker.subscribe(topicFilter({ channel: 'telemetry' }), (packet, cb) => { received += (JSON.parse(packet.payload.toString()) as unknown[]).length; cb() }, () => resolve()))
  const server = createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }, broker.handle)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as { port: number }).port
  t.teardown(async () => { server.close(); await new Promise<void>(resolve => broker.close(() => resolve())) })
  const make = async (password: string) => {
    const spool = createSqliteQueue({ path: join(mkdtempSync(join(tmpdir(), 'shennong-uplink-')), 'spool.db'), consumers: [UPLINK_CONSUMER], sync: 'normal' })
    await spool.append([reading(1), reading(2)])
    const uplink = createUplink({
      url: `mqtts://127.0.0.1:${port}`, clientId: 'gw-1', site: 's-1', id: 'gw-1', username: 'gw-1', password,
      tls: { ca: join(dir, 'ca.pem'), rejectUnauthorized: true },
      batch: { maxReadings: 10, maxBytes: 100_000, maxDelayMs: 20 }, inflight: 2, keepaliveS: 30, connectTimeoutMs: 2000,
      reconnect: { minMs: 200, maxMs: 400, jitter: 0.3 }, statusIntervalMs: 60_000
    }, { spool, logger: createLogger('uplink', 'silent'), status: async () => ({}), onCommand: () => {} })
    return { spool, uplink }
  }
  const bad = await make('wrong')
  bad.uplink.start()
  await sleep(800)
  t.equal(bad.uplink.stats().connected, false, 'a wrong password is refused')
  t.match(bad.uplink.stats().lastConnectError, /Not authorized|Bad username or password/i)
  t.equal((await bad.spool.stats()).depth, 2, 'and nothing leaves the spool')
  await bad.uplink.stop(); await bad.spool.close()
  const good = await make('s3cret')
  good.uplink.start()
  while ((await good.spool.stats()).depth > 0) await sleep(20)
  t.equal(received, 2, 'delivered over TLS, the broker certificate checked against the CA file')
  await good.uplink.stop(); await good.spool.close()
})
