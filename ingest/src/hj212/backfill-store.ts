// hj212.db in the data directory: which minute/hour DataTimes each station's records were stored
// for, and the gaps being backfilled. Written only after the ingest log accepted the records, so a
// DataTime here is in the log; a crash between the two at worst re-requests a record, which then
// lands on the same point (same identity), never twice.
import { join } from 'node:path'
import { openSqlite } from '@shennong/core/sqlite.ts'

export type GapState = 'open' | 'filled' | 'no-data' | 'incomplete' | 'refused' | 'failed'

export interface Gap {
  id: number
  mn: string
  cn: string
  /** First and last missing DataTime (epoch ms), inclusive. */
  begin: number
  end: number
  attempts: number
  state: GapState
}

export interface BackfillStore {
  /** Records a stored DataTime; returns the latest one known before it (undefined for the first). */
  record: (mn: string, cn: string, ts: number) => { previousLast: number | undefined, isNew: boolean }
  last: (mn: string, cn: string) => number | undefined
  /** The DataTimes begin, begin+step, … ≤ end that were not recorded. */
  missing: (mn: string, cn: string, begin: number, end: number, step: number) => number[]
  addGap: (mn: string, cn: string, begin: number, end: number) => Gap
  updateGap: (id: number, change: Partial<Pick<Gap, 'begin' | 'end' | 'attempts' | 'state'>>) => void
  openGaps: (mn: string) => Gap[]
  gaps: (mn?: string) => Gap[]
  /** Forgets DataTimes older than `before` (epoch ms). */
  prune: (before: number) => void
  close: () => void
}

export function hj212DbPath (dataDir: string): string {
  return join(dataDir, 'hj212.db')
}

export function openBackfillStore (path: string): BackfillStore {
  const db = openSqlite(path, { synchronous: 'normal' })
  db.exec(`CREATE TABLE IF NOT EXISTS received (mn TEXT NOT NULL, cn TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (mn, cn, ts)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS gaps (id INTEGER PRIMARY KEY AUTOINCREMENT, mn TEXT NOT NULL, cn TEXT NOT NULL, begin_ts INTEGER NOT NULL,
      end_ts INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'open');
    CREATE INDEX IF NOT EXISTS gaps_open ON gaps (mn, state);`)
  const insert = db.prepare('INSERT OR IGNORE INTO received (mn, cn, ts) VALUES (?, ?, ?)')
  const maxTs = db.prepare('SELECT max(ts) AS t FROM received WHERE mn = ? AND cn = ?')
  const inRange = db.prepare('SELECT ts FROM received WHERE mn = ? AND cn = ? AND ts BETWEEN ? AND ?')
  const addGap = db.prepare('INSERT INTO gaps (mn, cn, begin_ts, end_ts) VALUES (?, ?, ?, ?) RETURNING id')
  const openGaps = db.prepare("SELECT * FROM gaps WHERE mn = ? AND state = 'open' ORDER BY id")
  const lastCache = new Map<string, number | undefined>()
  const toGap = (r: Record<string, unknown>): Gap => ({
    id: Number(r.id), mn: String(r.mn), cn: String(r.cn), begin: Number(r.begin_ts), end: Number(r.end_ts), attempts: Number(r.attempts), state: r.state as GapState
  })
  const last = (mn: string, cn: string): number | undefined => {
    const key = `${mn}\u0000${cn}`
    if (!lastCache.has(key)) {
      const row = maxTs.get(mn, cn) as { t: number | null } | undefined
      lastCache.set(key, row?.t ?? undefined)
    }
    return lastCache.get(key)
  }
  return {
    record (mn, cn, ts) {
      const previousLast = last(mn, cn)
      const isNew = Number(insert.run(mn, cn, ts).changes) > 0
      if (previousLast === undefined || ts > previousLast) lastCache.set(`${mn}\u0000${cn}`, ts)
      return { previousLast, isNew }
    },
    last,
    missing (mn, cn, begin, end, step) {
      const have = new Set((inRange.all(mn, cn, begin, end) as Array<{ ts: number }>).map(r => Number(r.ts)))
      const out: number[] = []
      for (let t = begin; t <= end; t += step) if (!have.has(t)) out.push(t)
      return out
    },
    addGap (mn, cn, begin, end) {
      const { id } = addGap.get(mn, cn, begin, end) as { id: number }
      return { id: Number(id), mn, cn, begin, end, attempts: 0, state: 'open' }
    },
    updateGap (id, change) {
      const sets: string[] = []
      const values: Array<string | number> = []
      if (change.begin !== undefined) { sets.push('begin_ts = ?'); values.push(change.begin) }
      if (change.end !== undefined) { sets.push('end_ts = ?'); values.push(change.end) }
      if (change.attempts !== undefined) { sets.push('attempts = ?'); values.push(change.attempts) }
      if (change.state !== undefined) { sets.push('state = ?'); values.push(change.state) }
      if (sets.length > 0) db.prepare(`UPDATE gaps SET ${sets.join(', ')} WHERE id = ?`).run(...values, id)
    },
    openGaps: mn => (openGaps.all(mn) as Array<Record<string, unknown>>).map(toGap),
    gaps: mn => (mn === undefined ? db.prepare('SELECT * FROM gaps ORDER BY id').all() : db.prepare('SELECT * FROM gaps WHERE mn = ? ORDER BY id').all(mn) as Array<Record<string, unknown>>).map(r => toGap(r as Record<string, unknown>)),
    prune (before) {
      db.prepare('DELETE FROM received WHERE ts < ?').run(before)
      db.prepare("DELETE FROM gaps WHERE state <> 'open' AND end_ts < ?").run(before)
    },
    close () { db.close() }
  }
}
