import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { DatabaseSync } from 'node:sqlite'
import { createSqliteQueue } from './sqlite-queue.ts'
import { runQueueContract } from './contract.ts'

runQueueContract(t, 'sqlite', ({ consumers, limits, now }) => {
  const path = join(t.testdir(), `q-${Math.random().toString(36).slice(2)}.db`)
  return async () => createSqliteQueue({ path, consumers, limits, now })
})

t.test('sqlite: the owner retires a consumer no longer configured; other handles never do', async t => {
  const path = join(t.testdir(), 'drop-consumer.db')
  let q = createSqliteQueue({ path, consumers: ['a', 'b'] })
  const [id] = await q.append([{ meta: '', payload: Buffer.from('x') }])
  await q.read('a', 1)
  await q.release('a', [id])
  t.equal((await q.stats()).depth, 1)
  await q.close()
  const writer = createSqliteQueue({ path, consumers: ['a'] })
  t.equal((await writer.stats()).depth, 1, 'a writer that lists fewer consumers retires nobody')
  await writer.close()
  q = createSqliteQueue({ path, consumers: ['a'], retireOthers: true })
  t.equal((await q.stats()).depth, 0, 'deleted once only released consumers remain')
  await q.close()
})

t.test('sqlite: entries appended before a consumer first registers are kept for it', async t => {
  const path = join(t.testdir(), 'late-consumer.db')
  const writer = createSqliteQueue({ path, consumers: [] })
  await writer.append([{ meta: 'early', payload: Buffer.from('1') }])
  const reader = createSqliteQueue({ path, consumers: ['ingest'] })
  t.same((await reader.read('ingest', 10)).map(e => e.meta), ['early'])
  await writer.close()
  await reader.close()
})

t.test('sqlite: two processes share a file, one appending and one consuming', async t => {
  const path = join(t.testdir(), 'shared.db')
  const writer = createSqliteQueue({ path, consumers: ['c'] })
  const reader = createSqliteQueue({ path, consumers: ['c'] })
  await writer.append([{ meta: 'a', payload: Buffer.from('1') }])
  const got = await reader.read('c', 10)
  t.equal(got.length, 1)
  await reader.release('c', [got[0].id])
  t.equal((await writer.stats()).depth, 0)
  await writer.close()
  await reader.close()
})

t.test('sqlite: releases of several consumers made together share one commit', async t => {
  const path = join(t.testdir(), 'grouped-release.db')
  const q = createSqliteQueue({ path, consumers: ['ingest', 'rules'], releaseSync: 'normal' })
  const ids = await q.append([1, 2, 3].map(n => ({ meta: String(n), payload: Buffer.from([n]) })))
  await q.read('ingest', 10)
  await q.read('rules', 10)
  const spy = new DatabaseSync(path)
  const changes = (): number => (spy.prepare('SELECT count(*) AS n FROM released').get() as { n: number }).n
  const before = (await q.stats()).depth
  // Turns of the event loop, counted, so each release records the turn it settled in.
  let turn = 0
  const bump = (): void => { if (++turn < 1000) setImmediate(bump) }
  setImmediate(bump)
  const calls = [q.release('ingest', [ids[1]]), q.release('rules', [ids[1]]), q.release('ingest', [ids[2]])]
  t.equal(changes(), 0, 'nothing committed before the next turn of the event loop')
  const turns = await Promise.all(calls.map(p => p.then(() => turn)))
  turn = 1000
  t.equal(new Set(turns).size, 1, 'all three settle in the same turn, from one commit')
  t.equal(changes(), 3, 'ids 2 and 3 above ingest\'s watermark, id 2 above rules\'')
  t.equal(before, 3)
  t.same((await q.read('ingest', 10)).map(e => e.meta), [], 'released entries are not handed out again')
  await q.close()
  const reopened = createSqliteQueue({ path, consumers: ['ingest', 'rules'] })
  t.same((await reopened.read('ingest', 10)).map(e => e.meta), ['1'], 'after a reopen only the unreleased entry comes back to ingest')
  t.same((await reopened.read('rules', 10)).map(e => e.meta), ['1', '3'])
  await reopened.close()
  spy.close()
})

t.test('sqlite: a release waits for another connection\'s write lock without blocking the event loop', async t => {
  const path = join(t.testdir(), 'locked-release.db')
  const q = createSqliteQueue({ path, consumers: ['c'] })
  const [id] = await q.append([{ meta: 'a', payload: Buffer.from('1') }])
  await q.read('c', 1)
  const other = new DatabaseSync(path)
  other.exec('PRAGMA busy_timeout = 10000')
  other.exec('BEGIN IMMEDIATE')
  let released = false
  const release = q.release('c', [id]).then(() => { released = true })
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 5)
  await new Promise(resolve => setTimeout(resolve, 80))
  t.notOk(released, 'not released while the other connection holds the lock')
  t.ok(ticks >= 5, `timers kept running meanwhile (${ticks} ticks of 5 ms in 80 ms)`)
  other.exec('COMMIT')
  await release
  clearInterval(timer)
  t.ok(released, 'released once the lock is free')
  t.equal((await q.stats()).depth, 0)
  other.close()
  await q.close()
})

t.test('sqlite: a release pending at close is committed by the close', async t => {
  const path = join(t.testdir(), 'release-at-close.db')
  const q = createSqliteQueue({ path, consumers: ['c'] })
  const [id] = await q.append([{ meta: 'a', payload: Buffer.from('1') }])
  await q.read('c', 1)
  const release = q.release('c', [id])
  await q.close()
  await release
  const reopened = createSqliteQueue({ path, consumers: ['c'] })
  t.same(await reopened.read('c', 10), [], 'the release survived the close')
  await reopened.close()
  await t.rejects(q.release('c', [id]), { code: 'ERR_QUEUE_CLOSED' })
})

t.test('sqlite: kill -9 at random moments never loses an acknowledged append, never resurrects a release, never corrupts', async t => {
  // A unique directory: two runs of this file at once must never share the file they crash.
  const dir = mkdtempSync(join(tmpdir(), 'shennong-crash-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'crash.db')
  const child = join(import.meta.dirname, 'crash-child.ts')
  const acked = new Set<number>()
  const releasing = new Set<number>()
  const released = new Set<number>()
  const rounds = Number(process.env.SHENNONG_CRASH_ROUNDS ?? 25)
  for (let round = 0; round < rounds; round++) {
    const journal = join(dir, `journal-${round}.txt`)
    writeFileSync(journal, '') // the kill may come before the child has started
    const proc = spawn(process.execPath, [child, path, journal], { stdio: ['ignore', 'ignore', 'inherit'] })
    await new Promise(r => setTimeout(r, 150 + Math.random() * 350))
    proc.kill('SIGKILL')
    await new Promise(r => proc.once('exit', r))
    const lines = readFileSync(journal, 'utf8').split('\n')
    lines.pop() // a line cut by the kill says nothing
    for (const line of lines) {
      const [tag, ...ids] = line.split(' ')
      const set = tag === 'A' ? acked : tag === 'r' ? releasing : released
      for (const id of ids) set.add(Number(id))
    }
    const db = new DatabaseSync(path)
    const check = db.prepare('PRAGMA integrity_check').get() as Record<string, string>
    db.close()
    if (Object.values(check)[0] !== 'ok') t.fail(`round ${round}: integrity_check says ${JSON.stringify(check)}`)
    const q = createSqliteQueue({ path, consumers: ['c'] })
    const present = new Set<number>()
    for (;;) {
      const got = await q.read('c', 10_000)
      if (got.length === 0) break
      for (const e of got) present.add(e.id)
    }
    await q.close()
    const missing = [...acked].filter(id => !releasing.has(id) && !present.has(id))
    const resurrected = [...released].filter(id => present.has(id))
    if (missing.length > 0) t.fail(`round ${round}: acknowledged appends missing: ${missing.slice(0, 10).join(', ')}`)
    if (resurrected.length > 0) t.fail(`round ${round}: released entries came back: ${resurrected.slice(0, 10).join(', ')}`)
  }
  t.ok(acked.size > rounds, `${acked.size} appends acknowledged over ${rounds} kills`)
  t.ok(released.size > 0, `${released.size} releases confirmed`)
})
