import t, { type Test } from 'tap'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { atSynchronous, openSqlite, tryTransaction, withTransaction } from './sqlite.ts'

function open (t: Test): { path: string, db: DatabaseSync } {
  const path = join(t.testdir(), 'x.db')
  const db = openSqlite(path, { busyTimeoutMs: 3000 })
  db.exec('CREATE TABLE IF NOT EXISTS v (n INTEGER)')
  t.teardown(() => { db.close() })
  return { path, db }
}

const count = (db: DatabaseSync): number => (db.prepare('SELECT count(*) AS n FROM v').get() as { n: number }).n
const busyTimeout = (db: DatabaseSync): number => (db.prepare('PRAGMA busy_timeout').get() as { timeout: number }).timeout

t.test('tryTransaction commits like withTransaction when the lock is free', async t => {
  const { db } = open(t)
  t.equal(tryTransaction(db, () => { db.exec('INSERT INTO v VALUES (1)') }), true)
  t.equal(count(db), 1)
  t.throws(() => tryTransaction(db, () => { db.exec('INSERT INTO v VALUES (2)'); throw new Error('boom') }), /boom/)
  t.equal(count(db), 1, 'rolled back')
  t.notOk(db.isTransaction)
})

t.test('tryTransaction gives up at once while another connection holds the write lock', async t => {
  const { path, db } = open(t)
  const other = new DatabaseSync(path)
  t.teardown(() => { other.close() })
  other.exec('BEGIN IMMEDIATE')
  const started = performance.now()
  let ran = false
  t.equal(tryTransaction(db, () => { ran = true }), false)
  t.ok(performance.now() - started < 1000, 'did not wait for the busy timeout')
  t.notOk(ran, 'nothing ran')
  t.equal(busyTimeout(db), 3000, 'the busy timeout is put back')
  other.exec('COMMIT')
  t.equal(tryTransaction(db, () => { db.exec('INSERT INTO v VALUES (3)') }), true)
  t.equal(count(db), 1)
})

t.test('inside a transaction, tryTransaction joins it', async t => {
  const { db } = open(t)
  withTransaction(db, () => {
    t.equal(tryTransaction(db, () => { db.exec('INSERT INTO v VALUES (4)') }), true)
  })
  t.equal(count(db), 1)
})

t.test('atSynchronous sets the level for the call and restores it, also on a throw', async t => {
  const { db } = open(t)
  const level = (): number => (db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous
  t.equal(level(), 2, 'FULL by default')
  t.equal(atSynchronous(db, 'normal', 'full', () => level()), 1)
  t.equal(level(), 2)
  t.throws(() => atSynchronous(db, 'normal', 'full', () => { throw new Error('x') }))
  t.equal(level(), 2, 'restored after a throw')
})
