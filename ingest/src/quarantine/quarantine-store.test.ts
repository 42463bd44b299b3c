import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildTopic } from '@shennong/core/topics.ts'
import { openQuarantineStore, quarantinePath, type QuarantineInput } from './quarantine-store.ts'

function tempStore (t: { teardown: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'shennong-quarantine-'))
  let store = openQuarantineStore(quarantinePath(dir))
  t.teardown(() => { store.close(); rmSync(dir, { recursive: true, force: true }) })
  return { dir, get: () => store, reopen: () => { store.close(); store = openQuarantineStore(quarantinePath(dir)); return store } }
}

const input = (over: Partial<QuarantineInput> = {}): QuarantineInput => ({
  receivedAt: 1000,
  topic: buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'telemetry' }),
  sender: 'gw-1',
  transport: 'mqtt',
  payload: '{"kind":"soil"}',
  itemIndex: null,
  reasons: [{ field: 'ts', message: 'ts is missing' }, { field: 'seq', message: 'seq is missing' }],
  stage: 'validate',
  ...over
})

t.test('stores every field and reason, durably, with the site taken from the topic', async t => {
  const s = tempStore(t)
  const [id] = s.get().add([input({ logId: 7, itemIndex: 2 })])
  const entry = s.reopen().get(id)
  t.match(entry, { id, receivedAt: 1000, sender: 'gw-1', site: 'farm-a', transport: 'mqtt', payload: '{"kind":"soil"}', itemIndex: 2, stage: 'validate', logId: 7, replayOf: null, replayedAt: null })
  t.equal(entry?.reasons.length, 2)
  t.ok((entry?.quarantinedAt ?? 0) > 0)
})

t.test('the same log entry element at the same stage is stored once (reprocessing after a crash)', async t => {
  const s = tempStore(t)
  const first = s.get().add([input({ logId: 1, itemIndex: 0 }), input({ logId: 1, itemIndex: 1 }), input({ logId: 1, itemIndex: null })])
  const again = s.get().add([input({ logId: 1, itemIndex: 0 }), input({ logId: 1, itemIndex: null })])
  t.same(again, [first[0], first[2]], 'the existing ids come back')
  t.equal(s.get().count(), 3)
  s.get().add([input({ logId: 1, itemIndex: 0, stage: 'storage' }), input(), input()])
  t.equal(s.get().count(), 6, 'another stage, and rows without a log id, are new rows')
})

t.test('lists newest first with filters on reason, sender, stage, sites, time and paging', async t => {
  const s = tempStore(t)
  let now = 100
  s.get().close()
  const store = openQuarantineStore(quarantinePath(s.dir), { now: () => now })
  t.teardown(() => store.close())
  store.add([input({ sender: 'gw-1' })]); now = 200
  store.add([input({ sender: 'gw-2', topic: buildTopic({ site: 'farm-b', id: 'gw-2', channel: 'telemetry' }), reasons: [{ field: 'metrics.x', message: 'unknown metric "x"' }] })]); now = 300
  store.add([input({ sender: 'gw-1', stage: 'storage', reasons: [{ field: 'influxdb', message: 'partial write: field type conflict' }] })])
  t.same(store.list().map(e => e.quarantinedAt), [300, 200, 100])
  t.same(store.list({ reason: 'UNKNOWN METRIC' }).map(e => e.sender), ['gw-2'])
  t.same(store.list({ reason: 'metrics.x' }).map(e => e.sender), ['gw-2'], 'matches fields too')
  t.same(store.list({ sender: 'gw-1' }).length, 2)
  t.same(store.list({ stage: 'storage' }).length, 1)
  t.same(store.list({ sites: ['farm-b'] }).map(e => e.sender), ['gw-2'])
  t.same(store.list({ sites: [] }), [])
  t.same(store.list({ from: 150, to: 250 }).map(e => e.quarantinedAt), [200])
  const page = store.list({ limit: 2 })
  t.same(store.list({ before: page[1].id }).map(e => e.quarantinedAt), [100])
})

t.test('markReplayed claims an entry once', async t => {
  const s = tempStore(t)
  const [id] = s.get().add([input()])
  t.equal(s.get().markReplayed(id, 5), true)
  t.equal(s.get().markReplayed(id, 6), false)
  t.equal(s.get().get(id)?.replayedAt, 5)
  s.get().unmarkReplayed(id)
  t.equal(s.get().get(id)?.replayedAt, null)
  t.equal(s.get().markReplayed(999), false)
})
