import t from 'tap'
import { buildTopic, topicFilter, TOPIC_ROOT } from '@shennong/core/topics.ts'
import type { Principal } from '@shennong/core/principals.ts'
import { checkPublish, checkSubscribe, checkWill, type Identity } from './acl.ts'

const who = (p: Partial<Principal> & Pick<Principal, 'id' | 'kind' | 'role'>): Identity =>
  ({ anonymous: false, principal: { sites: [], createdAt: 0, rotatedAt: null, description: '', ...p } })
const gw = who({ id: 'gw-1', kind: 'gateway', role: 'gateway', sites: ['farm-a'] })
const svc = who({ id: 'ops', kind: 'service', role: 'service' })
const admin = who({ id: 'root', kind: 'user', role: 'admin' })
const farmer = who({ id: 'li', kind: 'user', role: 'farmer', sites: ['farm-a'] })
const anon: Identity = { anonymous: true }
const topic = (site: string, id: string, channel: 'telemetry' | 'status' | 'cmd' | 'cmd-result' | 'alert'): string => buildTopic({ site, id, channel })

t.test('publish: each principal gets exactly the channels ARCHITECTURE §2 and §9 give it', async t => {
  const allowed: Array<[string, Identity, string]> = [
    ['gateway telemetry', gw, topic('farm-a', 'gw-1', 'telemetry')],
    ['gateway status', gw, topic('farm-a', 'gw-1', 'status')],
    ['gateway cmd-result', gw, topic('farm-a', 'gw-1', 'cmd-result')],
    ['service cmd', svc, topic('farm-z', 'x', 'cmd')],
    ['service alert', svc, topic('farm-z', 'x', 'alert')],
    ['admin cmd', admin, topic('farm-z', 'x', 'cmd')],
    ['anonymous (demo) telemetry', anon, topic('demo', 'x', 'telemetry')]
  ]
  for (const [what, id, tp] of allowed) t.equal(checkPublish(id, tp), null, what)
  const refused: Array<[string, Identity, string]> = [
    ['gateway as another id', gw, topic('farm-a', 'gw-2', 'telemetry')],
    ['gateway on another site', gw, topic('farm-b', 'gw-1', 'telemetry')],
    ['gateway cmd', gw, topic('farm-a', 'gw-1', 'cmd')],
    ['gateway alert', gw, topic('farm-a', 'gw-1', 'alert')],
    ['outside the namespace', svc, 'farm-a/x/cmd'],
    ['$SYS', svc, '$SYS/x'],
    ['namespace but not a topic', svc, `${TOPIC_ROOT}/farm-a/x/cmd/extra`],
    ['service telemetry', svc, topic('farm-a', 'x', 'telemetry')],
    ['farmer anything', farmer, topic('farm-a', 'x', 'cmd')],
    ['anonymous cmd', anon, topic('demo', 'x', 'cmd')]
  ]
  for (const [what, id, tp] of refused) t.type(checkPublish(id, tp), 'string', what)
})

t.test('subscribe: own cmd for senders, the namespace for the platform, own sites for farmers', async t => {
  t.equal(checkSubscribe(gw, topic('farm-a', 'gw-1', 'cmd')), null)
  t.type(checkSubscribe(gw, topicFilter({ site: 'farm-a', id: 'gw-1', channel: '#' })), 'string')
  t.type(checkSubscribe(gw, topic('farm-a', 'gw-2', 'cmd')), 'string')
  t.equal(checkSubscribe(svc, `${TOPIC_ROOT}/#`), null)
  t.type(checkSubscribe(svc, '#'), 'string')
  t.type(checkSubscribe(svc, `+/v1/#`), 'string')
  t.equal(checkSubscribe(farmer, topicFilter({ site: 'farm-a' })), null)
  t.type(checkSubscribe(farmer, topicFilter({})), 'string', 'a wildcard site is more than its own')
})

t.test('a will must be the sender\'s own status topic', async t => {
  t.equal(checkWill(gw, topic('farm-a', 'gw-1', 'status')), null)
  t.type(checkWill(gw, topic('farm-a', 'gw-1', 'telemetry')), 'string')
  t.type(checkWill(gw, topic('farm-a', 'gw-9', 'status')), 'string')
})
