// The contract every DurableQueue implementation passes (the way every Aedes persistence runs the
// same abstract tests). An implementation's test file calls `runQueueContract` with a factory that
// opens a queue on fresh storage, and can reopen the same storage.
import type { Test } from 'tap'
import type { DurableQueue, QueueInput, QueueLimits } from './durable-queue.ts'

export interface QueueFactoryOptions {
  consumers: string[]
  limits?: Partial<QueueLimits>
  now?: () => number
}

/** Returns an opener bound to one fresh store: each call opens (or reopens) that store. */
export type QueueFactory = (options: QueueFactoryOptions) => Promise<() => Promise<DurableQueue>> | (() => Promise<DurableQueue>)

const item = (n: number, size = 8): QueueInput => ({ meta: `m${n}`, payload: Buffer.from(String(n).padStart(size, '0')) })
const numbers = (q: Array<{ meta: string }>): number[] => q.map(e => Number(e.meta.slice(1)))

export function runQueueContract (t: Test, name: string, factory: QueueFactory): void {
  t.test(`${name}: appends, reads in order and keeps meta and payload intact`, async t => {
    const open = await factory({ consumers: ['c'] })
    const q = await open()
    const ids = await q.append([item(1), item(2), item(3)])
    t.equal(ids.length, 3)
    t.ok(ids[0] < ids[1] && ids[1] < ids[2], 'ids increase')
    const got = await q.read('c', 10)
    t.same(got.map(e => e.meta), ['m1', 'm2', 'm3'])
    t.same(Buffer.from(got[1].payload).toString(), '00000002')
    t.type(got[0].appendedAt, 'number')
    t.same(await q.read('c', 10), [], 'an entry is handed out once')
    await q.close()
  })

  t.test(`${name}: concurrent appends share commits and keep call order`, async t => {
    const open = await factory({ consumers: ['c'] })
    const q = await open()
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => q.append([item(i)])))
    const flat = results.map(r => r[0])
    t.same(flat, [...flat].sort((a, b) => a - b), 'ids follow the order of the calls')
    t.same(numbers(await q.read('c', 500)), Array.from({ length: 200 }, (_, i) => i))
    await q.close()
  })

  t.test(`${name}: a released entry never comes back; an unreleased one survives a reopen`, async t => {
    const open = await factory({ consumers: ['c'] })
    let q = await open()
    await q.append([item(1), item(2), item(3), item(4)])
    const got = await q.read('c', 4)
    await q.release('c', [got[0].id, got[2].id])
    await q.close()
    q = await open()
    t.same(numbers(await q.read('c', 10)), [2, 4], 'out-of-order releases persist')
    const s = await q.stats()
    t.equal(s.consumers.c.pending, 2)
    await q.close()
  })

  t.test(`${name}: an entry is kept until every consumer released it`, async t => {
    const open = await factory({ consumers: ['ingest', 'rules'] })
    const q = await open()
    const [id] = await q.append([item(1)])
    await q.read('ingest', 1)
    await q.release('ingest', [id])
    t.equal((await q.stats()).depth, 1, 'still held for rules')
    t.same(numbers(await q.read('rules', 1)), [1])
    await q.release('rules', [id])
    t.equal((await q.stats()).depth, 0)
    await q.close()
  })

  t.test(`${name}: rewind hands out unreleased entries again`, async t => {
    const open = await factory({ consumers: ['c'] })
    const q = await open()
    await q.append([item(1), item(2), item(3)])
    const got = await q.read('c', 3)
    await q.release('c', [got[1].id])
    q.rewind('c')
    t.same(numbers(await q.read('c', 10)), [1, 3])
    await q.close()
  })

  t.test(`${name}: read respects maxBytes but always returns at least one entry`, async t => {
    const open = await factory({ consumers: ['c'] })
    const q = await open()
    await q.append([item(1, 100), item(2, 100), item(3, 100)])
    t.equal((await q.read('c', 10, 50)).length, 1)
    t.equal((await q.read('c', 10, 250)).length, 2)
    await q.close()
  })

  t.test(`${name}: drop-oldest drops, counts and reports the oldest entries`, async t => {
    const open = await factory({ consumers: ['c'], limits: { maxEntries: 3, onFull: 'drop-oldest' } })
    const q = await open()
    const dropped: Array<[number, string]> = []
    q.onDrop((n, reason) => dropped.push([n, reason]))
    for (let i = 1; i <= 5; i++) await q.append([item(i)])
    t.same(numbers(await q.read('c', 10)), [3, 4, 5])
    const s = await q.stats()
    t.equal(s.depth, 3)
    t.equal(s.dropped.overflow, 2)
    t.same(dropped.reduce((sum, [n]) => sum + n, 0), 2)
    t.ok(dropped.every(([, r]) => r === 'overflow'))
    await q.close()
  })

  t.test(`${name}: drop-oldest also bounds bytes`, async t => {
    const open = await factory({ consumers: ['c'], limits: { maxBytes: 50, onFull: 'drop-oldest' } })
    const q = await open()
    for (let i = 1; i <= 6; i++) await q.append([item(i)]) // 10 bytes each
    const s = await q.stats()
    t.ok(s.bytes <= 50, `bytes ${s.bytes} ≤ 50`)
    t.equal(s.dropped.overflow, 1)
    await q.close()
  })

  t.test(`${name}: backpressure makes an append wait for room, then fail with ERR_QUEUE_FULL`, async t => {
    const open = await factory({ consumers: ['c'], limits: { maxEntries: 2, onFull: 'backpressure', backpressureTimeoutMs: 400 } })
    const q = await open()
    await q.append([item(1), item(2)])
    let done = false
    const waiting = q.append([item(3)]).then(ids => { done = true; return ids })
    await new Promise(r => setTimeout(r, 120))
    t.notOk(done, 'waits while full')
    const got = await q.read('c', 1)
    await q.release('c', [got[0].id])
    const ids = await waiting
    t.equal(ids.length, 1, 'proceeds once room is made')
    await t.rejects(q.append([item(4)]), { code: 'ERR_QUEUE_FULL' })
    t.equal((await q.stats()).dropped.overflow, 0, 'backpressure drops nothing')
    await q.close()
  })

  t.test(`${name}: entries older than maxAge expire and are counted`, async t => {
    let clock = 1_000_000
    const open = await factory({ consumers: ['c'], limits: { maxAgeMs: 1000, onFull: 'drop-oldest' }, now: () => clock })
    const q = await open()
    await q.append([item(1), item(2)])
    clock += 5000
    await q.append([item(3)])
    t.same(numbers(await q.read('c', 10)), [3])
    t.equal((await q.stats()).dropped.expired, 2)
    await q.close()
  })

  t.test(`${name}: stats account depth, bytes and the oldest entry`, async t => {
    let clock = 5_000
    const open = await factory({ consumers: ['c'], now: () => clock })
    const q = await open()
    t.equal((await q.stats()).oldestAppendedAt, null)
    await q.append([item(1)])
    clock = 9_000
    await q.append([item(2)])
    const s = await q.stats()
    t.equal(s.depth, 2)
    t.equal(s.bytes, 20)
    t.equal(s.oldestAppendedAt, 5_000)
    t.equal(s.appended, 2)
    await q.close()
  })

  t.test(`${name}: unknown consumers and closed queues fail clearly`, async t => {
    const open = await factory({ consumers: ['c'] })
    const q = await open()
    await t.rejects(q.read('nobody', 1), { code: 'ERR_QUEUE_CONSUMER' })
    await q.close()
    await t.rejects(q.append([item(1)]), { code: 'ERR_QUEUE_CLOSED' })
  })
}
