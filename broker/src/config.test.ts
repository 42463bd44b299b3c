import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { loadBrokerConfig, ingestLogOptions, BrokerConfigSchema } from './config.ts'

const sample = join(import.meta.dirname, '..', 'sample.yaml')

t.test('an empty config gets every default, frozen', async t => {
  const c = loadBrokerConfig({})
  t.equal(c.auth, 'required')
  t.same(c.mqtt, { host: '127.0.0.1', port: 1883 })
  t.same(c.limits, { maxPayloadBytes: 262144, publishRate: { perSecond: 2000, burst: 4000 } })
  t.same(c.ingestLog.consumers, ['ingest'])
  t.equal(ingestLogOptions(c).groupCommitMs, 2)
  t.equal(c.ws, undefined, 'no WebSocket listener unless configured')
  t.ok(Object.isFrozen(c.limits))
})

t.test('reports every problem at once', async t => {
  let issues: string[] = []
  try {
    loadBrokerConfig({ value: { auth: 'open', limits: { maxPayloadBytes: 0 }, ingestLog: { groupCommit: 'soon' }, colour: 1 } })
    t.fail('an invalid config loaded')
  } catch (err) {
    t.equal((err as { code?: string }).code, 'ERR_CONFIG_INVALID')
    issues = (err as { details: { issues: Array<{ path: string }> } }).details.issues.map(i => i.path).sort()
  }
  t.same(issues, ['auth', 'colour', 'ingestLog.groupCommit', 'limits.maxPayloadBytes'])
})

t.test('reads only the secret from the environment', async t => {
  const c = loadBrokerConfig({ value: { mqtt: { tls: { cert: 'c.pem', key: 'k.pem' } } }, env: { SHENNONG_BROKER_TLS_KEY: 'secret.pem', SHENNONG_DATA_DIR: '/elsewhere' } })
  t.equal(c.mqtt.tls?.key, 'secret.pem')
  t.equal(c.dataDir, '.data')
})

t.test('broker/sample.yaml is valid and documents every option', async t => {
  const text = readFileSync(sample, 'utf8')
  const c = loadBrokerConfig({ text })
  t.ok(c.mqtt.tls !== undefined && c.ws !== undefined, 'the sample shows the optional listeners too')
  const keys = (schema: unknown, prefix: string): string[] => {
    const props = (schema as { properties?: Record<string, unknown> }).properties ?? {}
    return Object.entries(props).flatMap(([k, v]) => [`${prefix}${k}`, ...keys(v, `${prefix}${k}.`)])
  }
  const has = (doc: unknown, path: string): boolean => path.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], doc) !== undefined
  const doc = parse(text) as unknown
  for (const key of keys(BrokerConfigSchema, '')) t.ok(has(doc, key), `sample.yaml sets ${key}`)
})
