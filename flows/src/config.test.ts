import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadFlowsConfig } from './config.ts'

const SAMPLE = fileURLToPath(new URL('../sample.yaml', import.meta.url))

t.test('an empty config takes every default', async t => {
  const c = loadFlowsConfig({ value: {}, env: {} })
  t.match(c, { dataDir: '.data', http: { port: 1880, adminPath: '/flows', nodePath: '/flows-api', nodeAuth: 'principal' }, mqtt: { url: 'mqtt://127.0.0.1:1883', principal: 'flows' } })
  t.equal(c.smtp, undefined)
  t.same(c.webhooks, [])
  t.ok(Object.isFrozen(c.http))
})

t.test('sample.yaml is valid and shows every option', async t => {
  const c = loadFlowsConfig({ text: readFileSync(SAMPLE, 'utf8'), env: {} })
  t.equal(c.smtp?.security, 'starttls')
  t.equal(c.irrigation.valves[0].gateway, 'gw-north')
})

t.test('secrets come from the environment only through the mapping', async t => {
  const c = loadFlowsConfig({
    value: { smtp: { host: 'mail', from: 'a@b.c' } },
    env: { SHENNONG_FLOWS_SECRET: 's1', SHENNONG_FLOWS_SMTP_PASSWORD: 's2', SHENNONG_FLOWS_CREDENTIAL_SECRET: 'long-enough', SHENNONG_FLOWS_INGEST_SECRET: 's3', SHENNONG_OTHER: 'x' }
  })
  t.equal(c.mqtt.secret, 's1')
  t.equal(c.smtp?.password, 's2')
  t.equal(c.nodeRed.credentialSecret, 'long-enough')
  t.equal(c.ingest.secret, 's3')
})

t.test('every problem is reported at once', async t => {
  let err: (Error & { code?: string }) | undefined
  try {
    loadFlowsConfig({ value: { http: { adminPath: 'flows', colour: 'red' }, webhooks: [{ url: 'ftp://x' }], irrigation: { valves: [{ site: 'Farm A', plot: 'p', gateway: 'g', valve: 'v' }] } }, env: {} })
  } catch (e) {
    err = e as Error & { code?: string }
  }
  t.equal(err?.code, 'ERR_CONFIG_INVALID')
  t.match(err?.message, /http\.adminPath/)
  t.match(err?.message, /http\.colour: unknown option/)
  t.match(err?.message, /webhooks\.0\.url/)
  t.match(err?.message, /irrigation\.valves\.0\.site/)
})
