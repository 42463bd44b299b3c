import t from 'tap'
import { buildTopic, parseTopic, topicFilter, inNamespace } from './topics.ts'

t.test('builds and parses shennong/v1/{site}/{id}/{channel}', async t => {
  const topic = buildTopic({ site: 'farm-east', id: 'gw-1', channel: 'telemetry' })
  t.equal(topic, 'shennong/v1/farm-east/gw-1/telemetry')
  t.same(parseTopic(topic), { site: 'farm-east', id: 'gw-1', channel: 'telemetry' })
  t.same(parseTopic(buildTopic({ site: 's', id: 'd', channel: 'cmd-result' }))?.channel, 'cmd-result')
})

t.test('refuses segments outside [a-z0-9][a-z0-9_-]{0,63} and unknown channels', async t => {
  t.throws(() => buildTopic({ site: 'Farm', id: 'gw', channel: 'telemetry' }), { code: 'ERR_TOPIC_INVALID' })
  t.throws(() => buildTopic({ site: 'f', id: '-gw', channel: 'telemetry' }), { code: 'ERR_TOPIC_INVALID' })
  t.throws(() => buildTopic({ site: 'f', id: 'x'.repeat(65), channel: 'telemetry' }), { code: 'ERR_TOPIC_INVALID' })
  t.throws(() => buildTopic({ site: 'f', id: 'g', channel: 'nope' as 'cmd' }), { code: 'ERR_TOPIC_INVALID' })
  t.equal(parseTopic('shennong/v1/f/g/nope'), null)
  t.equal(parseTopic('shennong/v1/f/g/telemetry/extra'), null)
  t.equal(parseTopic('shennong/v2/f/g/telemetry'), null)
  t.equal(parseTopic('shennong/v1/F/g/telemetry'), null)
})

t.test('filters and namespace', async t => {
  t.equal(topicFilter({ channel: 'alert' }), 'shennong/v1/+/+/alert')
  t.equal(topicFilter({ site: 's', channel: '#' }), 'shennong/v1/s/+/#')
  t.ok(inNamespace('shennong/v1/a/b/status'))
  t.notOk(inNamespace('shennong/v10/a'))
  t.notOk(inNamespace('other/topic'))
})
