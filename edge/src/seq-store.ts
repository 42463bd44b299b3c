// Per-device `seq` (ARCHITECTURE §3): a counter that only grows, persisted across restarts in its
// own SQLite file (WAL). Numbers are handed out in memory and written after the readings that carry
// them are committed to the spool; on start the agent also seeds the store from the spool, so a
// crash between the two commits never reuses a number.
import { DatabaseSync } from 'node:sqlite'

export interface SeqStore {
  /** The next seq for the device (1 for a device never seen). */
  next: (device: string) => number
  /** Raises the device's last seq to at least `seq` (recovery from the spool). */
  seed: (device: string, seq: number) => void
  /** Persists every number handed out so far. */
  commit: () => void
  last: (device: string) => number
  close: () => void
}

export function openSeqStore (path: string): SeqStore {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('CREATE TABLE IF NOT EXISTS seq (device TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID')
  const upsert = db.prepare('INSERT INTO seq (device, last) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET last = max(last, excluded.last)')
  const last = new Map<string, number>()
  for (const row of db.prepare('SELECT device, last FROM seq').all() as Array<{ device: string, last: number }>) last.set(row.device, Number(row.last))
  const dirty = new Set<string>()
  return {
    next (device) {
      const n = (last.get(device) ?? 0) + 1
      last.set(device, n)
      dirty.add(device)
      return n
    },
    seed (device, seq) {
      if (seq > (last.get(device) ?? 0)) { last.set(device, seq); dirty.add(device) }
    },
    commit () {
      if (dirty.size === 0) return
      db.exec('BEGIN')
      try {
        for (const device of dirty) upsert.run(device, last.get(device) ?? 0)
        db.exec('COMMIT')
      } catch (err) {
        db.exec('ROLLBACK')
        throw err
      }
      dirty.clear()
    },
    last: device => last.get(device) ?? 0,
    close () { db.close() }
  }
}
