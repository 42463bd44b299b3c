import t from 'tap'
import { openAlertStore, alertsPath } from './alert-store.ts'

const base = { rule: 'r1', kind: 'threshold', subject: 'd1', site: 's1', device: 'd1', value: 1, message: 'm', seq: 1, ts: 1000, at: 1000 }

t.test('one unresolved alert per (rule, subject): raise opens, changes severity, and is idempotent', async t => {
  const store = openAlertStore(alertsPath(t.testdir()))
  t.teardown(() => store.close())
  const opened = store.raise({ ...base, severity: 'blue' })
  t.match(opened, { type: 'opened', alert: { state: 'open', severity: 'blue' } })
  t.equal(store.raise({ ...base, severity: 'blue', value: 2 }), null, 'the same severity again changes nothing')
  store.acknowledge(opened!.alert.id, 'ann', 1500)
  t.match(store.raise({ ...base, severity: 'blue', at: 1600 }), null)
  const up = store.raise({ ...base, severity: 'red', value: 9, at: 2000 })
  t.match(up, { type: 'escalated', alert: { id: opened!.alert.id, severity: 'red', state: 'open', acknowledgedBy: null, value: 9 } }, 'an escalation re-opens an acknowledged alert')
  const down = store.raise({ ...base, severity: 'yellow', at: 2500 })
  t.match(down, { type: 'de-escalated', alert: { severity: 'yellow' } })
  const cleared = store.clear('r1', 'd1', 3000, 'rule:r1')
  t.match(cleared, { type: 'resolved', alert: { state: 'resolved', resolvedBy: 'rule:r1', resolvedAt: 3000 } })
  t.equal(store.clear('r1', 'd1', 3100, 'rule:r1'), null, 'nothing left to clear')
  const second = store.raise({ ...base, severity: 'blue', at: 4000 })
  t.not(second!.alert.id, opened!.alert.id, 'after resolution a new alert opens')
  t.same(store.history(opened!.alert.id).map(e => e.type), ['opened', 'acknowledged', 'escalated', 'de-escalated', 'resolved'])
  t.equal(store.eventsAfter(0).length, 6)
})

t.test('alerts and their states survive reopening the file', async t => {
  const path = alertsPath(t.testdir())
  let store = openAlertStore(path)
  const a = store.raise({ ...base, severity: 'orange' })!.alert
  store.acknowledge(a.id, 'bob', 1200, 'on it')
  store.close()
  store = openAlertStore(path)
  t.teardown(() => store.close())
  t.match(store.get(a.id), { state: 'acknowledged', acknowledgedBy: 'bob', acknowledgedAt: 1200, severity: 'orange' })
  t.match(store.active('r1', 'd1'), { id: a.id })
  t.throws(() => store.acknowledge(a.id, 'bob', 1300), { code: 'ERR_ALERT_STATE' })
  t.throws(() => store.resolve(999, 'bob', 1300), { code: 'ERR_ALERT_NOT_FOUND' })
})

t.test('list filters by site set, severity, state, rule and time, newest first', async t => {
  const store = openAlertStore(alertsPath(t.testdir()))
  t.teardown(() => store.close())
  store.raise({ ...base, subject: 'a', site: 's1', severity: 'blue', at: 1000 })
  store.raise({ ...base, subject: 'b', site: 's2', severity: 'red', at: 2000 })
  store.raise({ ...base, rule: 'r2', subject: 'c', site: 's3', severity: 'red', at: 3000 })
  t.same(store.list().map(a => a.subject), ['c', 'b', 'a'])
  t.same(store.list({ sites: ['s1', 's2'] }).map(a => a.subject), ['b', 'a'])
  t.same(store.list({ sites: [] }), [])
  t.same(store.list({ severity: 'red', rule: 'r1' }).map(a => a.subject), ['b'])
  t.same(store.list({ from: 1500, to: 2500 }).map(a => a.subject), ['b'])
  t.same(store.list({ limit: 1, before: 3 }).map(a => a.subject), ['b'])
})
