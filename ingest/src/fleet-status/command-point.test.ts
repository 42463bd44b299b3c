import t from 'tap'
import { createCommandMemory, toCommandResultPoint, toCommandSentPoint } from './command-point.ts'

const topic = { site: 'pond-7', id: 'gw-pond-7' }
const NOW = Date.UTC(2025, 10, 22, 8, 0, 0)
const buf = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))

t.test('a command and its result', async t => {
  const memory = createCommandMemory()
  const sent = toCommandSentPoint(topic, buf({ id: 'c-17', name: 'valve', args: { device: 'valve-0001', value: 1 } }), NOW, memory)
  t.same(sent.ok && sent.point, {
    measurement: 'command',
    tags: { site: 'pond-7', gateway: 'gw-pond-7', device: 'valve-0001', name: 'valve', phase: 'sent' },
    fields: { id: 'c-17', args: '{"device":"valve-0001","value":1}', value: 1 },
    ts: NOW
  })
  const ok = toCommandResultPoint(topic, buf({ id: 'c-17', ok: true, device: 'valve-0001', name: 'valve', result: { function: 5, register: 0, value: 1 }, ts: NOW + 40 }), NOW + 50, memory)
  t.same(ok.ok && ok.point, {
    measurement: 'command',
    tags: { site: 'pond-7', gateway: 'gw-pond-7', device: 'valve-0001', name: 'valve', phase: 'result' },
    fields: { ok: { int: 1 }, id: 'c-17', args: '{"device":"valve-0001","value":1}', result: '{"function":5,"register":0,"value":1}' },
    ts: NOW + 40
  })
})

t.test('a refusal without device or name takes them from the command it answers', async t => {
  const memory = createCommandMemory()
  toCommandSentPoint(topic, buf({ id: 18, name: 'valve', args: { device: 'valve-0002', value: 7 } }), NOW, memory)
  const refused = toCommandResultPoint(topic, buf({ id: 18, ok: false, error: { code: 'ERR_CMD_REFUSED', message: 'command valve does not allow value 7; allowed: 0, 1' }, ts: NOW + 5 }), NOW + 6, memory)
  t.same(refused.ok && refused.point.tags, { site: 'pond-7', gateway: 'gw-pond-7', device: 'valve-0002', name: 'valve', phase: 'result' })
  t.same(refused.ok && refused.point.fields, { ok: { int: 0 }, id: '18', args: '{"device":"valve-0002","value":7}', error_code: 'ERR_CMD_REFUSED', message: 'command valve does not allow value 7; allowed: 0, 1' })
  const unknown = toCommandResultPoint(topic, buf({ id: null, ok: false, error: { code: 'ERR_CMD_INVALID', message: 'command payload is not JSON' } }), NOW, memory)
  t.same(unknown.ok && unknown.point.tags, { site: 'pond-7', gateway: 'gw-pond-7', device: 'gw-pond-7', name: '', phase: 'result' }, 'an answer to garbage: the gateway itself, no name (the empty tag is left out)')
})

t.test('commands and results that cannot be stored are malformed', async t => {
  const memory = createCommandMemory()
  for (const payload of ['{"name":"valve"}', '{"id":"c","name":"has space"}', '{"id":"c"}', '[]']) {
    const r = toCommandSentPoint(topic, buf(payload), NOW, memory)
    t.equal(!r.ok && r.outcome, 'malformed', payload)
  }
  const noDevice = toCommandSentPoint(topic, buf({ id: 'c-1', name: 'reboot' }), NOW, memory)
  t.same(noDevice.ok && [noDevice.point.tags.device, noDevice.point.fields.args], ['gw-pond-7', '{}'], 'a command for the gateway itself')
  for (const payload of ['{"id":"c-1"}', '{"id":"c-1","ok":"yes"}', 'nope']) {
    const r = toCommandResultPoint(topic, buf(payload), NOW, memory)
    t.equal(!r.ok && r.outcome, 'malformed', payload)
  }
  const long = toCommandSentPoint(topic, buf({ id: 'c-2', name: 'note', args: { text: 'x'.repeat(5000) } }), NOW, memory)
  t.equal(long.ok && (long.point.fields.args as string).length, 1024, 'long args are cut')
})
