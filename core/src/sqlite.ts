// How every Shennong process opens its SQLite files (node:sqlite): WAL, a busy timeout for files
// shared between processes, and a durability level chosen per store. `full` fsyncs every commit
// (survives power loss) and is the default: anything on the path that decides whether a reading
// is released uses it. `normal` survives a process crash and suits bookkeeping that can be rebuilt.
import { DatabaseSync } from 'node:sqlite'

export interface OpenSqliteOptions {
  synchronous?: 'full' | 'normal'
  busyTimeoutMs?: number
}

export function openSqlite (path: string, options: OpenSqliteOptions = {}): DatabaseSync {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
  return db
}

/** Runs `fn` in one write transaction (BEGIN IMMEDIATE); inside another, it joins that one. */
export function withTransaction<T> (db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn()
  db.exec('BEGIN IMMEDIATE')
  try {
    const result = fn()
    db.exec('COMMIT')
    return result
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK')
    throw err
  }
}

/**
 * withTransaction without waiting for the write lock: when another connection holds it, returns
 * false at once (nothing ran) instead of blocking in SQLite's busy handler, so a caller on an event
 * loop can try again on a timer. Other errors are thrown as withTransaction throws them.
 */
export function tryTransaction (db: DatabaseSync, fn: () => void): boolean {
  if (db.isTransaction) { fn(); return true }
  const { timeout } = db.prepare('PRAGMA busy_timeout').get() as { timeout: number }
  db.exec('PRAGMA busy_timeout = 0')
  try {
    db.exec('BEGIN IMMEDIATE')
  } catch (err) {
    if ((err as { errcode?: number }).errcode === SQLITE_BUSY) return false
    throw err
  } finally {
    db.exec(`PRAGMA busy_timeout = ${timeout}`)
  }
  try {
    fn()
    db.exec('COMMIT')
    return true
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK')
    throw err
  }
}

/** Runs `fn` with the connection's `synchronous` at `level`, then puts `restore` back. */
export function atSynchronous<T> (db: DatabaseSync, level: 'full' | 'normal', restore: 'full' | 'normal', fn: () => T): T {
  if (level === restore) return fn()
  db.exec(`PRAGMA synchronous = ${level === 'normal' ? 'NORMAL' : 'FULL'}`)
  try {
    return fn()
  } finally {
    db.exec(`PRAGMA synchronous = ${restore === 'normal' ? 'NORMAL' : 'FULL'}`)
  }
}

const SQLITE_BUSY = 5
