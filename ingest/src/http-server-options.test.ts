import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { startInfluxd } from '../../test/harness/influxd.ts'
import { loadIngestConfig } from './config.ts'
import { startIngestFixture } from './testing/ingest-fixture.ts'

function selfSignedCert (dir: string, name: string): { cert: string, key: string } {
  const cert = join(dir, `${name}-cert.pem`)
  const key = join(dir, `${name}-key.pem`)
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' })
  return { cert, key }
}

function configIssues (value: unknown): Array<{ path: string, message: string }> {
  try {
    loadIngestConfig({ value, env: {} })
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_CONFIG_INVALID') throw err
    return (err as { details: { issues: Array<{ path: string, message: string }> } }).details.issues
  }
  return []
}

/** GET or POST over HTTPS, trusting `ca` only. */
async function httpsCall (url: string, options: { ca?: Buffer, method?: string, token?: string, body?: unknown } = {}): Promise<{ status: number, json: any }> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body)
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  return await new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: options.method ?? 'GET', headers, ca: options.ca, rejectUnauthorized: true }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

t.test('http.tls: every problem of the files is reported at once, with the schema\'s', async t => {
  const dir = t.testdir()
  const a = selfSignedCert(dir, 'a')
  const b = selfSignedCert(dir, 'b')
  mkdirSync(join(dir, 'a-directory'))
  writeFileSync(join(dir, 'not-pem.txt'), 'hello\n')

  const issues = configIssues({ http: { port: -1, tls: { cert: join(dir, 'missing.pem'), key: join(dir, 'a-directory') }, trustProxy: ['10.0.0.0/8', 'proxy.example', '10.1.2.3/40'] } })
  t.same(issues.map(i => i.path).sort(), ['http.port', 'http.tls.cert', 'http.tls.key', 'http.trustProxy.1', 'http.trustProxy.2'])
  t.match(issues.find(i => i.path === 'http.tls.cert')?.message, /cannot read .*missing\.pem: ENOENT/)
  t.match(issues.find(i => i.path === 'http.tls.key')?.message, /cannot read .*a-directory: EISDIR/)
  t.match(issues.find(i => i.path === 'http.trustProxy.1')?.message, /"proxy\.example" is not an address, a CIDR range/)

  t.same(configIssues({ http: { tls: { cert: a.cert } } }).map(i => [i.path, i.message]), [['http.tls.key', 'is required when http.tls.cert is set: the PEM private key file']])
  t.same(configIssues({ http: { tls: { key: a.key } } }).map(i => i.path), ['http.tls.cert'])
  t.match(configIssues({ http: { tls: { cert: a.cert, key: b.key } } }), [{ path: 'http.tls', message: /are not a PEM certificate and its private key: .*key values mismatch/ }])
  t.match(configIssues({ http: { tls: { cert: join(dir, 'not-pem.txt'), key: a.key } } }), [{ path: 'http.tls', message: /not a PEM certificate/ }])
  t.same(configIssues({ http: { tls: { cert: a.cert, key: a.key }, trustProxy: ['loopback', '192.168.0.0/255.255.0.0', 'fd00::/8', '2001:db8::1'] } }), [], 'a matching pair and valid proxies')
})

t.test('with http.tls, ingest serves HTTPS only', async t => {
  const dir = t.testdir()
  const { cert, key } = selfSignedCert(dir, 'server')
  const f = await startIngestFixture(t, { http: { tls: { cert, key } } }, { influx: await startInfluxd({ t }) })
  const ca = readFileSync(cert)
  const base = `https://127.0.0.1:${f.ingest.port}`

  const health = await httpsCall(`${base}/healthz`, { ca })
  t.equal(health.status, 200)
  t.equal(health.json.status, 'ok')
  const posted = await httpsCall(`${base}/v1/readings`, { ca, method: 'POST', token: f.tokens['gw-north'], body: { device: 'tls-1', kind: 'soil', ts: Date.now() - 1000, seq: 1, metrics: { ph: 6.8 } } })
  t.equal(posted.status, 202, 'a gateway posts readings over HTTPS')
  await f.ingest.pipeline.idle()
  t.match(await f.rows('SELECT * FROM "soil" WHERE "device" = \'tls-1\''), [{ site: 'farm-north', ph: 6.8 }])

  await t.rejects(httpsCall(`${base}/healthz`), 'a client that does not trust the certificate is refused')
  await t.rejects(fetch(`http://127.0.0.1:${f.ingest.port}/healthz`, { signal: AbortSignal.timeout(5000) }), 'plain HTTP gets no answer')
  t.equal((await httpsCall(`${base}/healthz`, { ca })).status, 200, 'and the server is still up')
})
