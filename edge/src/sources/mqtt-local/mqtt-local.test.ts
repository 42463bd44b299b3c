import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import Value from 'typebox/value'
import mqtt from 'mqtt'
import { mqttLocal, createMessageMapper, matchFilter } from './mqtt-local.ts'
import { MqttLocalConfigSchema, type MqttLocalConfig } from './mqtt-local-config.ts'
import { startBrokerFixture } from '../../aedes-fixture.ts'
import type { ReadingDraft, SourceIo } from '../source.ts'

function collector (): { io: SourceIo, drafts: ReadingDraft[], faults: Record<string, Record<string, number>> } {
  const drafts: ReadingDraft[] = []
  const faults: Record<string, Record<string, number>> = {}
  return {
    io: { emit: d => { drafts.push(d) }, fault: (device, what) => { faults[device] ??= {}; faults[device][what] = (faults[device][what] ?? 0) + 1 } },
    drafts,
    faults
  }
}
const complete = (extra: Record<string, unknown>): MqttLocalConfig => Value.Default(MqttLocalConfigSchema, { name: 'lan', ...extra }) as MqttLocalConfig

t.test('matches MQTT filters with + and #', async t => {
  t.same(matchFilter('a/+/c', 'a/b/c'), ['b'])
  t.same(matchFilter('a/#', 'a/b/c'), ['b/c'])
  t.equal(matchFilter('a/+', 'a/b/c'), null)
  t.equal(matchFilter('a/b', 'a/c'), null)
})

t.test('golden testcases', async t => {
  const root = join(import.meta.dirname, 'testcases')
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    const col = collector()
    const mapper = createMessageMapper(complete(parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8'))), col.io, () => 1_700_000_000_000)
    for (const line of readFileSync(join(dir, 'messages.ndjson'), 'utf8').split('\n').filter(l => l !== '')) {
      const m = JSON.parse(line) as { topic: string, payload: unknown }
      mapper.handle(m.topic, Buffer.from(typeof m.payload === 'string' ? m.payload : JSON.stringify(m.payload)))
    }
    const expected = readFileSync(join(dir, 'expected.ndjson'), 'utf8').split('\n').filter(l => l !== '').map(l => JSON.parse(l))
    t.same(col.drafts, expected, `${name}: readings`)
    t.same(col.faults, JSON.parse(readFileSync(join(dir, 'faults.json'), 'utf8')), `${name}: faults`)
  }
})

t.test('reads LAN sensors from a real local broker', async t => {
  const lan = await startBrokerFixture('#')
  const col = collector()
  const source = mqttLocal.create(complete({ url: lan.url, subscriptions: [{ filter: 'tasmota/+/SENSOR', device: 'pond-{1}', kind: 'water', fields: { 'DS18B20.Temperature': 'temperature_c' } }] }), { name: 'lan' })
  await source.start(col.io)
  const sensor = await mqtt.connectAsync(lan.url)
  await new Promise(resolve => setTimeout(resolve, 300))
  await sensor.publishAsync('tasmota/a7/SENSOR', JSON.stringify({ Time: '2026-04-01T08:00:00', DS18B20: { Temperature: 19.4 } }), { qos: 1 })
  await sensor.publishAsync('tasmota/a7/SENSOR', '{"DS18B20":{}}', { qos: 1 })
  await new Promise(resolve => setTimeout(resolve, 300))
  await sensor.endAsync()
  await source.stop()
  await lan.stop()
  t.same(col.drafts, [{ device: 'pond-a7', kind: 'water', metrics: { temperature_c: 19.4 } }])
  t.same(col.faults, { 'pond-a7': { parse: 1 } })
})
