import t from 'tap'
import Type from 'typebox'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { loadConfig } from './config.ts'
import { parseDuration, formatDuration } from './duration.ts'

const Schema = Type.Object({
  port: Type.Integer({ default: 1883, minimum: 0, maximum: 65535 }),
  onFull: Type.Union([Type.Literal('drop-oldest'), Type.Literal('backpressure')], { default: 'backpressure' }),
  influx: Type.Object({ url: Type.String({ default: 'http://127.0.0.1:8086' }), token: Type.String({ default: '' }) }, { additionalProperties: false, default: {} })
}, { additionalProperties: false })

t.test('applies defaults and freezes', async t => {
  const c = loadConfig({ schema: Schema, text: 'port: 1884\n' })
  t.same(c, { port: 1884, onFull: 'backpressure', influx: { url: 'http://127.0.0.1:8086', token: '' } })
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.influx))
})

t.test('reports every problem at once', async t => {
  const file = join(t.testdir(), 'bad.yaml')
  writeFileSync(file, 'port: "x"\nonFull: drop-newest\ninflux: { uri: 1 }\ntypo: 3\n')
  const err = t.throws(() => loadConfig({ schema: Schema, file })) as unknown as { code: string, message: string, details: { issues: unknown[] } }
  t.equal(err.code, 'ERR_CONFIG_INVALID')
  t.match(err.message, /4 problems/)
  t.match(err.message, /port: must be integer/)
  t.match(err.message, /onFull: must be one of "drop-oldest", "backpressure"/)
  t.match(err.message, /influx.uri: unknown option "uri"/)
  t.match(err.message, /typo: unknown option "typo"/)
})

t.test('a check adds problems the schema cannot see, reported with the schema\'s', async t => {
  const check = (completed: unknown): Array<{ path: string, message: string }> => {
    const url = (completed as { influx?: { url?: unknown } }).influx?.url
    return typeof url === 'string' && url.startsWith('https:') ? [] : [{ path: 'influx.url', message: 'must be https' }]
  }
  const err = t.throws(() => loadConfig({ schema: Schema, text: 'port: x\n', check })) as unknown as { message: string, details: { issues: Array<{ path: string }> } }
  t.match(err.message, /2 problems/)
  t.same(err.details.issues.map(i => i.path).sort(), ['influx.url', 'port'])
  t.equal(loadConfig({ schema: Schema, text: 'influx: { url: "https://db" }\n', check }).influx.url, 'https://db')
})

t.test('reports more than eight problems', async t => {
  const text = Array.from({ length: 12 }, (_, i) => `typo${i}: 1`).join('\n')
  const err = t.throws(() => loadConfig({ schema: Schema, text })) as unknown as { message: string }
  t.match(err.message, /12 problems/)
})

t.test('env overrides only through the explicit mapping', async t => {
  const c = loadConfig({ schema: Schema, text: '', envMap: { SHENNONG_INFLUX_TOKEN: 'influx.token' }, env: { SHENNONG_INFLUX_TOKEN: 's3cret', PORT: '1' } })
  t.equal(c.influx.token, 's3cret')
  t.equal(c.port, 1883)
})

t.test('unreadable files and bad YAML are clear errors', async t => {
  t.throws(() => loadConfig({ schema: Schema, file: '/nonexistent.yaml' }), { code: 'ERR_CONFIG_READ' })
  t.throws(() => loadConfig({ schema: Schema, text: 'a: [' }), { code: 'ERR_CONFIG_READ' })
})

t.test('durations are strings with units', async t => {
  t.equal(parseDuration('500ms'), 500)
  t.equal(parseDuration('5s'), 5000)
  t.equal(parseDuration('1.5h'), 5_400_000)
  t.equal(parseDuration('7d'), 604_800_000)
  t.throws(() => parseDuration('5'), { code: 'ERR_DURATION_INVALID' })
  t.throws(() => parseDuration('5 sec'), { code: 'ERR_DURATION_INVALID' })
  t.equal(formatDuration(60_000), '1m')
  t.equal(formatDuration(1500), '1500ms')
})
