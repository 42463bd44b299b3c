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
