// A durable queue in one SQLite file (node:sqlite, WAL). Several processes may open the same file:
// the broker appends to the ingest log while ingest reads and releases it. Each consumer is read
// by one process at a time.
//
// Layout: `entries` (AUTOINCREMENT ids, never reused), `consumers` (per consumer a watermark: every
// id ≤ it is released by that consumer), `released` (ids released above the watermark, out of
// order), `state` (depth, bytes and lifetime counters, kept in the same transactions as the rows).
import type { StatementSync } from 'node:sqlite'
import { atSynchronous, openSqlite, tryTransaction, withTransaction } from '../sqlite.ts'
import { EventEmitter } from 'node:events'
import { ShennongError } from '../errors.ts'
import {
  DEFAULT_LIMITS, type DropReason, type DurableQueue, type QueueEntry, type QueueInput, type QueueLimits,
  type QueueStats
} from './durable-queue.ts'

export interface SqliteQueueOptions {
  path: string
  /**
   * The consumers this handle reads for; each is registered if new. An entry is deleted once every
   * registered consumer released it. Registration is shared by every process that opens the file.
   */
  consumers: string[]
  /**
   * Retire registered consumers not in `consumers` (they stop holding entries). Only the process
   * that owns the set of consumers (ingest, for the ingest log) sets this; writers never do.
   */
  retireOthers?: boolean
  limits?: Partial<QueueLimits>
  /** `full` fsyncs each commit (survives power loss); `normal` survives a process crash. */
  sync?: 'full' | 'normal'
  /**
   * The same for the commits of releases (default: `sync`). A release lost to a power failure
   * only hands its entries out again; where redelivery is harmless (the ingest log: storage
   * overwrites a point with itself) `normal` spares an fsync per release.
   */
  releaseSync?: 'full' | 'normal'
  /** How long an append may wait for others to join its commit; 0 means the next turn of the loop. */
  groupCommitMs?: number
  now?: () => number
}

interface PendingAppend {
  items: QueueInput[]
  size: number
  since: number
  resolve: (ids: number[]) => void
  reject: (err: Error) => void
}

interface PendingRelease {
  consumer: string
  ids: number[]
  resolve: () => void
  reject: (err: Error) => void
}

/** How long a release keeps trying for the write lock without blocking the event loop. */
const RELEASE_NONBLOCKING_MS = 200

interface ConsumerState {
  watermark: number
  cursor: number
  /** Ids handed out above the watermark, in order. */
  handed: number[]
  /** Ids released above the watermark (persisted in `released`). */
  releasedAbove: Set<number>
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  appended_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  meta TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, watermark INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS released (consumer TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (consumer, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO state (key, value) VALUES ('depth', 0), ('bytes', 0), ('appended', 0), ('dropped_overflow', 0), ('dropped_expired', 0);
`

function sizeOf (item: QueueInput): number {
  return Buffer.byteLength(item.meta) + item.payload.byteLength
}

export function createSqliteQueue (options: SqliteQueueOptions): DurableQueue {
  const limits: QueueLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const now = options.now ?? Date.now
  const groupCommitMs = options.groupCommitMs ?? 0
  const db = openSqlite(options.path, { synchronous: options.sync, busyTimeoutMs: 10_000 })
  const sync = options.sync ?? 'full'
  const releaseSync = options.releaseSync ?? sync
  db.exec(SCHEMA)

  const st = {
    insert: db.prepare('INSERT INTO entries (appended_at, size, meta, payload) VALUES (?, ?, ?, ?)'),
    getState: db.prepare('SELECT key, value FROM state'),
    addState: db.prepare('UPDATE state SET value = value + ? WHERE key = ?'),
    oldest: db.prepare('SELECT id, appended_at, size FROM entries ORDER BY id LIMIT ?'),
    oldestAfter: db.prepare('SELECT id, appended_at, size FROM entries WHERE id > ? ORDER BY id LIMIT ?'),
    sumUpTo: db.prepare('SELECT count(*) AS n, coalesce(sum(size), 0) AS b FROM entries WHERE id <= ?'),
    deleteUpTo: db.prepare('DELETE FROM entries WHERE id <= ?'),
    read: db.prepare('SELECT id, appended_at, meta, payload, size FROM entries WHERE id > ? ORDER BY id LIMIT ?'),
    minWatermark: db.prepare('SELECT min(watermark) AS w FROM consumers'),
    setWatermark: db.prepare('UPDATE consumers SET watermark = ? WHERE name = ?'),
    addReleased: db.prepare('INSERT OR IGNORE INTO released (consumer, id) VALUES (?, ?)'),
    trimReleased: db.prepare('DELETE FROM released WHERE consumer = ? AND id <= ?'),
    pendingAbove: db.prepare('SELECT count(*) AS n FROM entries WHERE id > ?'),
    oldestAt: db.prepare('SELECT appended_at FROM entries ORDER BY id LIMIT 1')
  } satisfies Record<string, StatementSync>
  st.read.setReturnArrays(true)

  // Consumers: each handle registers its own; the owner (retireOthers) retires the ones no longer
  // configured, so they stop holding entries.
  const consumers = new Map<string, ConsumerState>()
  transaction(() => {
    const known = db.prepare('SELECT name, watermark FROM consumers').all() as Array<{ name: string, watermark: number }>
    for (const row of known) {
      if (options.retireOthers === true && !options.consumers.includes(row.name)) {
        db.prepare('DELETE FROM consumers WHERE name = ?').run(row.name)
        db.prepare('DELETE FROM released WHERE consumer = ?').run(row.name)
      }
    }
    for (const name of options.consumers) {
      db.prepare('INSERT OR IGNORE INTO consumers (name, watermark) VALUES (?, 0)').run(name)
      const { watermark } = db.prepare('SELECT watermark FROM consumers WHERE name = ?').get(name) as { watermark: number }
      const released = db.prepare('SELECT id FROM released WHERE consumer = ? ORDER BY id').all(name) as Array<{ id: number }>
      consumers.set(name, { watermark, cursor: watermark, handed: [], releasedAbove: new Set(released.map(r => r.id)) })
    }
    deleteReleasedByAll()
  })

  const events = new EventEmitter()
  let pending: PendingAppend[] = []
  let waiting: PendingAppend[] = []
  let flushTimer: NodeJS.Timeout | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let closed = false
  let releases: PendingRelease[] = []
  let releaseTimer: NodeJS.Timeout | undefined
  let releaseImmediate: NodeJS.Immediate | undefined
  let releasesSince = 0

  function transaction<T> (fn: () => T): T {
    return withTransaction(db, fn)
  }

  function readState (): Record<string, number> {
    const out: Record<string, number> = {}
    for (const row of st.getState.all() as Array<{ key: string, value: number }>) out[row.key] = Number(row.value)
    return out
  }

  function consumerOf (name: string): ConsumerState {
    const c = consumers.get(name)
    if (c === undefined) throw new ShennongError('ERR_QUEUE_CONSUMER', `unknown consumer "${name}"; configured: ${[...consumers.keys()].join(', ')}`)
    return c
  }

  /** Deletes entries every consumer has released; returns nothing, adjusts the state counters. */
  function deleteReleasedByAll (): void {
    const row = st.minWatermark.get() as { w: number | null }
    if (row.w === null || row.w <= 0) return
    const { n, b } = st.sumUpTo.get(row.w) as { n: number, b: number }
    if (n === 0) return
    st.deleteUpTo.run(row.w)
    st.addState.run(-n, 'depth')
    st.addState.run(-b, 'bytes')
  }

  /** Deletes oldest entries (up to `upToId`) as dropped; counted by reason. */
  function dropUpTo (upToId: number, reason: DropReason): number {
    const { n, b } = st.sumUpTo.get(upToId) as { n: number, b: number }
    if (n === 0) return 0
    st.deleteUpTo.run(upToId)
    st.addState.run(-n, 'depth')
    st.addState.run(-b, 'bytes')
    st.addState.run(n, reason === 'overflow' ? 'dropped_overflow' : 'dropped_expired')
    return n
  }

  function expire (drops: Array<[number, DropReason]>): void {
    if (limits.maxAgeMs <= 0) return
    const cutoff = now() - limits.maxAgeMs
    let last = 0
    for (;;) {
      const rows = st.oldestAfter.all(last, 1000) as Array<{ id: number, appended_at: number }>
      const expired = rows.filter(r => r.appended_at < cutoff)
      if (expired.length === 0) break
      last = expired[expired.length - 1].id
      if (expired.length < rows.length) break
    }
    if (last > 0) {
      const n = dropUpTo(last, 'expired')
      if (n > 0) drops.push([n, 'expired'])
    }
  }

  /** Makes room for `needCount` entries of `needBytes` by dropping the oldest. */
  function dropOldestFor (state: Record<string, number>, needCount: number, needBytes: number, drops: Array<[number, DropReason]>): void {
    let overCount = limits.maxEntries > 0 ? state.depth + needCount - limits.maxEntries : 0
    let overBytes = limits.maxBytes > 0 ? state.bytes + needBytes - limits.maxBytes : 0
    if (overCount <= 0 && overBytes <= 0) return
    let last = 0
    while (overCount > 0 || overBytes > 0) {
      const rows = st.oldestAfter.all(last, 1000) as Array<{ id: number, size: number }>
      if (rows.length === 0) break
      for (const r of rows) {
        last = r.id
        overCount--
        overBytes -= r.size
        if (overCount <= 0 && overBytes <= 0) break
      }
    }
    if (last > 0) {
      const n = dropUpTo(last, 'overflow')
      if (n > 0) drops.push([n, 'overflow'])
    }
  }

  function fits (state: Record<string, number>, count: number, bytes: number): boolean {
    if (limits.maxEntries > 0 && state.depth + count > limits.maxEntries) return false
    if (limits.maxBytes > 0 && state.bytes + bytes > limits.maxBytes) return false
    return true
  }

  function flush (): void {
    flushTimer = undefined
    const calls = waiting.concat(pending)
    waiting = []
    pending = []
    if (calls.length === 0) return
    const accepted: Array<{ call: PendingAppend, ids: number[] }> = []
    const drops: Array<[number, DropReason]> = []
    const rejected: PendingAppend[] = []
    try {
      transaction(() => {
        expire(drops)
        const state = readState()
        const t = now()
        let blocked = false
        let addedCount = 0
        let addedBytes = 0
        for (const call of calls) {
          const tooBig = (limits.maxEntries > 0 && call.items.length > limits.maxEntries) || (limits.maxBytes > 0 && call.size > limits.maxBytes)
          if (limits.onFull === 'backpressure') {
            if (tooBig) { rejected.push(call); continue }
            // FIFO: once one call waits, every later call waits behind it.
            if (blocked || !fits(state, call.items.length, call.size)) {
              blocked = true
              if (t - call.since >= limits.backpressureTimeoutMs) rejected.push(call)
              else waiting.push(call)
              continue
            }
          } else {
            const before = drops.length
            dropOldestFor(state, call.items.length, call.size, drops)
            if (drops.length > before) {
              // The stored counters lack this commit's earlier calls until the end of the flush.
              Object.assign(state, readState())
              state.depth += addedCount
              state.bytes += addedBytes
            }
          }
          const ids: number[] = []
          for (const item of call.items) {
            const r = st.insert.run(t, sizeOf(item), item.meta, item.payload)
            ids.push(Number(r.lastInsertRowid))
          }
          state.depth += call.items.length
          state.bytes += call.size
          addedCount += call.items.length
          addedBytes += call.size
          accepted.push({ call, ids })
        }
        // The counters move once per commit, not once per call (same transaction, same totals).
        if (addedCount > 0) {
          st.addState.run(addedCount, 'depth')
          st.addState.run(addedBytes, 'bytes')
          st.addState.run(addedCount, 'appended')
        }
      })
    } catch (err) {
      const wrapped = new ShennongError('ERR_QUEUE_CLOSED', `append to ${options.path} failed: ${(err as Error).message}`, { cause: err })
      for (const call of calls) if (!waiting.includes(call)) call.reject(wrapped)
      for (const call of waiting) call.reject(wrapped)
      waiting = []
      return
    }
    for (const { call, ids } of accepted) call.resolve(ids)
    for (const call of rejected) {
      call.reject(new ShennongError('ERR_QUEUE_FULL', `queue ${options.path} is full (limits: ${limits.maxEntries} entries, ${limits.maxBytes} bytes) and its policy is backpressure; waited ${now() - call.since} ms`))
    }
    for (const [n, reason] of drops) events.emit('drop', n, reason)
    if (accepted.length > 0) events.emit('appended')
    if (waiting.length > 0 && retryTimer === undefined && !closed) {
      retryTimer = setTimeout(() => { retryTimer = undefined; flush() }, 50)
    }
  }

  function scheduleFlush (): void {
    if (flushTimer !== undefined) return
    flushTimer = groupCommitMs > 0 ? setTimeout(flush, groupCommitMs) : (setImmediate(flush) as unknown as NodeJS.Timeout)
  }

  function advance (name: string, c: ConsumerState): void {
    const before = c.watermark
    while (c.handed.length > 0 && c.releasedAbove.has(c.handed[0])) {
      const id = c.handed.shift() as number
      c.releasedAbove.delete(id)
      c.watermark = id
    }
    if (c.watermark !== before) {
      st.setWatermark.run(c.watermark, name)
      st.trimReleased.run(name, c.watermark)
    }
  }

  // Releases (of every consumer of this handle) made in one turn of the event loop share one
  // commit. Another process may hold the write lock (the broker appending): while it does, the
  // release tries again shortly instead of blocking the event loop in SQLite's busy handler, and
  // only after RELEASE_NONBLOCKING_MS waits for the lock like any other commit.
  function scheduleReleases (delayMs: number): void {
    if (releaseTimer !== undefined || releaseImmediate !== undefined) return
    if (delayMs === 0) releaseImmediate = setImmediate(flushReleases)
    else releaseTimer = setTimeout(flushReleases, delayMs)
  }

  function flushReleases (): void {
    releaseTimer = undefined
    releaseImmediate = undefined
    if (releases.length === 0) return
    const calls = releases
    const apply = (): void => {
      for (const call of calls) applyRelease(call.consumer, call.ids)
      deleteReleasedByAll()
    }
    const blocking = closed || now() - releasesSince >= RELEASE_NONBLOCKING_MS
    let committed: boolean
    try {
      committed = atSynchronous(db, releaseSync, sync, () => {
        if (!blocking) return tryTransaction(db, apply)
        withTransaction(db, apply)
        return true
      })
    } catch (err) {
      releases = []
      for (const call of calls) call.reject(err as Error)
      return
    }
    if (!committed) { scheduleReleases(1); return }
    releases = []
    for (const call of calls) call.resolve()
  }

  function applyRelease (consumer: string, ids: number[]): void {
    const c = consumerOf(consumer)
    const fresh: number[] = []
    for (const id of ids) {
      if (id <= c.watermark || c.releasedAbove.has(id)) continue
      c.releasedAbove.add(id)
      fresh.push(id)
    }
    advance(consumer, c)
    for (const id of fresh) if (id > c.watermark) st.addReleased.run(consumer, id)
  }

  const queue: DurableQueue = {
    append (items) {
      if (closed) return Promise.reject(new ShennongError('ERR_QUEUE_CLOSED', `queue ${options.path} is closed`))
      if (items.length === 0) return Promise.resolve([])
      return new Promise((resolve, reject) => {
        pending.push({ items, size: items.reduce((s, i) => s + sizeOf(i), 0), since: now(), resolve, reject })
        scheduleFlush()
      })
    },

    async read (consumer, max, maxBytes = Infinity) {
      const c = consumerOf(consumer)
      const out: QueueEntry[] = []
      let bytes = 0
      let skipped = false
      // With a byte bound, rows are fetched in chunks sized by the rows seen so far, so a batch of
      // large entries does not load (and throw away) payloads far past maxBytes.
      let seen = 0
      let seenBytes = 0
      while (out.length < max) {
        let limit = Math.max(1, max - out.length)
        if (maxBytes !== Infinity) {
          const average = seen === 0 ? 0 : seenBytes / seen
          limit = Math.min(limit, average === 0 ? 16 : Math.max(4, Math.ceil((maxBytes - bytes) / average) + 1))
        }
        // Rows as arrays [id, appended_at, meta, payload, size]: no object per row (see st.read).
        const rows = st.read.all(c.cursor, limit) as unknown as Array<[number, number, string, Uint8Array, number]>
        if (rows.length === 0) break
        for (const [id, appendedAt, meta, payload, size] of rows) {
          if (out.length > 0 && bytes + size > maxBytes) return out
          c.cursor = id
          c.handed.push(id)
          if (c.releasedAbove.has(id)) { skipped = true; continue }
          bytes += size
          out.push({ id, appendedAt, meta, payload })
        }
        seen += rows.length
        for (const row of rows) seenBytes += row[4]
        if (rows.length < limit) break // nothing more in the log now
      }
      if (skipped) transaction(() => advance(consumer, c))
      return out
    },

    release (consumer, ids) {
      if (closed) return Promise.reject(new ShennongError('ERR_QUEUE_CLOSED', `queue ${options.path} is closed`))
      try {
        consumerOf(consumer)
      } catch (err) {
        return Promise.reject(err as Error)
      }
      if (ids.length === 0) return Promise.resolve()
      return new Promise((resolve, reject) => {
        if (releases.length === 0) releasesSince = now()
        releases.push({ consumer, ids, resolve, reject })
        scheduleReleases(0)
      })
    },

    rewind (consumer) {
      const c = consumerOf(consumer)
      c.cursor = c.watermark
      c.handed = []
    },

    waitForData (pollMs) {
      return new Promise(resolve => {
        const done = (): void => { clearTimeout(timer); events.off('appended', done); resolve() }
        const timer = setTimeout(done, pollMs)
        events.once('appended', done)
      })
    },

    async stats () {
      const state = readState()
      const oldest = st.oldestAt.get() as { appended_at: number } | undefined
      const perConsumer: QueueStats['consumers'] = {}
      for (const [name, c] of consumers) {
        const { n } = st.pendingAbove.get(c.watermark) as { n: number }
        perConsumer[name] = { pending: Math.max(0, n - c.releasedAbove.size) }
      }
      return {
        depth: state.depth,
        bytes: state.bytes,
        oldestAppendedAt: oldest === undefined ? null : oldest.appended_at,
        appended: state.appended,
        dropped: { overflow: state.dropped_overflow, expired: state.dropped_expired },
        consumers: perConsumer
      }
    },

    onDrop (listener) {
      events.on('drop', listener)
    },

    async close () {
      if (closed) return
      if (flushTimer !== undefined) { clearTimeout(flushTimer); clearImmediate(flushTimer as unknown as NodeJS.Immediate) }
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      flush()
      closed = true
      if (releaseTimer !== undefined) clearTimeout(releaseTimer)
      if (releaseImmediate !== undefined) clearImmediate(releaseImmediate)
      flushReleases()
      for (const call of waiting) call.reject(new ShennongError('ERR_QUEUE_CLOSED', `queue ${options.path} closed while the append waited for room`))
      waiting = []
      db.close()
    }
  }
  return queue
}
