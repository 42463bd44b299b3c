// Quarantine: bad input kept with every reason, never dropped (ARCHITECTURE §3). One SQLite file,
// `quarantine.db` in the data directory (node:sqlite, WAL). Rows that come from the ingest log
// carry the log entry id and the element index, and are unique per (log entry, index, stage): an
// entry processed again after a crash does not quarantine the same reading twice.
import type { StatementSync } from 'node:sqlite'
import { join } from 'node:path'
import type { FieldError } from '@shennong/core/reading.ts'
import type { Transport } from '@shennong/core/ingest-log.ts'
import { parseTopic } from '@shennong/core/topics.ts'
import { openSqlite, withTransaction } from '@shennong/core/sqlite.ts'

export type QuarantineStage = 'decode' | 'validate' | 'storage'
export const QUARANTINE_STAGES: readonly QuarantineStage[] = ['decode', 'validate', 'storage']

export interface QuarantineInput {
  receivedAt: number
  topic: string
  sender: string
  transport: Transport
  /** The raw payload as received, or, for one element of an array, that element as JSON. */
  payload: string
  /** Index of the element in an array payload; null when the whole payload is meant. */
  itemIndex: number | null
  reasons: FieldError[]
  stage: QuarantineStage
  /** Ingest log entry id, when the input came through the log. */
  logId?: number | null
  /** When this input was itself a replay of a quarantine entry: that entry's id. */
  replayOf?: number | null
}

export interface QuarantineEntry extends Required<QuarantineInput> {
  id: number
  quarantinedAt: number
  site: string | null
  replayedAt: number | null
}

export interface QuarantineFilter {
  /** Substring of any reason's field or message (case-insensitive). */
  reason?: string
  sender?: string
  stage?: QuarantineStage
  /** Only entries of these sites (for a farmer); undefined = every site. */
  sites?: string[]
  /** quarantined_at bounds, epoch ms, inclusive. */
  from?: number
  to?: number
  /** Only entries with id below this (paging, newest first). */
  before?: number
  limit?: number
}

export interface QuarantineStore {
  /** Stores entries in one transaction; returns their ids (the existing id for a duplicate). */
  add: (entries: QuarantineInput[]) => number[]
  get: (id: number) => QuarantineEntry | undefined
  /** Newest first. */
  list: (filter?: QuarantineFilter) => QuarantineEntry[]
  /** Marks an entry replayed; false when it already was (or does not exist). */
  markReplayed: (id: number, at?: number) => boolean
  /** Undoes markReplayed after a replay that could not be appended. */
  unmarkReplayed: (id: number) => void
  count: () => number
  close: () => void
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at INTEGER NOT NULL,
  quarantined_at INTEGER NOT NULL,
  topic TEXT NOT NULL,
  site TEXT,
  sender TEXT NOT NULL,
  transport TEXT NOT NULL,
  payload TEXT NOT NULL,
  item_index INTEGER,
  reasons TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('decode', 'validate', 'storage')),
  log_id INTEGER,
  replay_of INTEGER,
  replayed_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS quarantine_log_item ON quarantine (log_id, coalesce(item_index, -1), stage) WHERE log_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS quarantine_at ON quarantine (quarantined_at);
CREATE INDEX IF NOT EXISTS quarantine_sender ON quarantine (sender, id);
`

interface Row {
  id: number, received_at: number, quarantined_at: number, topic: string, site: string | null, sender: string,
  transport: string, payload: string, item_index: number | null, reasons: string, stage: string,
  log_id: number | null, replay_of: number | null, replayed_at: number | null
}

function toEntry (r: Row): QuarantineEntry {
  return {
    id: r.id,
    receivedAt: r.received_at,
    quarantinedAt: r.quarantined_at,
    topic: r.topic,
    site: r.site,
    sender: r.sender,
    transport: r.transport as Transport,
    payload: r.payload,
    itemIndex: r.item_index,
    reasons: JSON.parse(r.reasons) as FieldError[],
    stage: r.stage as QuarantineStage,
    logId: r.log_id,
    replayOf: r.replay_of,
    replayedAt: r.replayed_at
  }
}

export function quarantinePath (dataDir: string): string {
  return join(dataDir, 'quarantine.db')
}

export function openQuarantineStore (path: string, options: { now?: () => number } = {}): QuarantineStore {
  const now = options.now ?? Date.now
  // On the release path (an entry is released once its bad readings are here): fsync every commit.
  const db = openSqlite(path)
  db.exec(SCHEMA)
  const st = {
    insert: db.prepare(`INSERT INTO quarantine (received_at, quarantined_at, topic, site, sender, transport, payload, item_index, reasons, stage, log_id, replay_of)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    existing: db.prepare('SELECT id FROM quarantine WHERE log_id = ? AND coalesce(item_index, -1) = ? AND stage = ?'),
    get: db.prepare('SELECT * FROM quarantine WHERE id = ?'),
    replayed: db.prepare('UPDATE quarantine SET replayed_at = ? WHERE id = ? AND replayed_at IS NULL'),
    unreplayed: db.prepare('UPDATE quarantine SET replayed_at = NULL WHERE id = ?'),
    count: db.prepare('SELECT count(*) AS n FROM quarantine')
  } satisfies Record<string, StatementSync>

  return {
    add (entries) {
      if (entries.length === 0) return []
      const ids: number[] = []
      const t = now()
      withTransaction(db, () => {
        for (const e of entries) {
          const site = parseTopic(e.topic)?.site ?? null
          const r = st.insert.run(e.receivedAt, t, e.topic, site, e.sender, e.transport, e.payload, e.itemIndex, JSON.stringify(e.reasons), e.stage, e.logId ?? null, e.replayOf ?? null)
          if (Number(r.changes) > 0) ids.push(Number(r.lastInsertRowid))
          else {
            const row = st.existing.get(e.logId ?? null, e.itemIndex ?? -1, e.stage) as { id: number }
            ids.push(row.id)
          }
        }
      })
      return ids
    },
    get (id) {
      const r = st.get.get(id) as Row | undefined
      return r === undefined ? undefined : toEntry(r)
    },
    list (filter = {}) {
      const where: string[] = []
      const args: Array<string | number> = []
      if (filter.sender !== undefined) { where.push('sender = ?'); args.push(filter.sender) }
      if (filter.stage !== undefined) { where.push('stage = ?'); args.push(filter.stage) }
      if (filter.from !== undefined) { where.push('quarantined_at >= ?'); args.push(filter.from) }
      if (filter.to !== undefined) { where.push('quarantined_at <= ?'); args.push(filter.to) }
      if (filter.before !== undefined) { where.push('id < ?'); args.push(filter.before) }
      if (filter.reason !== undefined) {
        where.push("instr(lower(reasons), lower(?)) > 0")
        args.push(JSON.stringify(filter.reason).slice(1, -1))
      }
      if (filter.sites !== undefined) {
        if (filter.sites.length === 0) return []
        where.push(`site IN (${filter.sites.map(() => '?').join(', ')})`)
        args.push(...filter.sites)
      }
      const limit = Math.max(1, Math.min(filter.limit ?? 100, 1000))
      const sql = `SELECT * FROM quarantine${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`
      return (db.prepare(sql).all(...args) as unknown as Row[]).map(toEntry)
    },
    markReplayed (id, at = now()) {
      return Number(st.replayed.run(at, id).changes) > 0
    },
    unmarkReplayed (id) {
      st.unreplayed.run(id)
    },
    count () {
      return Number((st.count.get() as { n: number }).n)
    },
    close () { if (db.isOpen) db.close() }
  }
}
