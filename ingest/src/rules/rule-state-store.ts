// rules.db: each rule's state per subject, and the last ingest-log entry whose effects are in it.
// Written once per batch in one transaction, before the batch's log entries are released, so a
// restart neither re-fires nor forgets.
import { join } from 'node:path'
import type { SubjectRecord } from './rule-runner.ts'
import { openSqlite, withTransaction } from '@shennong/core/sqlite.ts'

export interface StoredState extends SubjectRecord {
  rule: string
  kind: string
  subject: string
}

export interface RuleStateStore {
  loadAll: () => StoredState[]
  /** One transaction: upserts, deletions and the new watermark. */
  save: (upserts: StoredState[], removeRules: string[], watermark: number | null) => void
  watermark: () => number
  close: () => void
}

export function ruleStatePath (dataDir: string): string {
  return join(dataDir, 'rules.db')
}

export function openRuleStateStore (path: string): RuleStateStore {
  // Saved before the batch's log entries are released: fsync every commit.
  const db = openSqlite(path)
  db.exec(`CREATE TABLE IF NOT EXISTS rule_state (
      rule TEXT NOT NULL, subject TEXT NOT NULL, kind TEXT NOT NULL, site TEXT NOT NULL, device TEXT NOT NULL, state TEXT NOT NULL,
      PRIMARY KEY (rule, subject)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;`)
  const upsert = db.prepare('INSERT OR REPLACE INTO rule_state (rule, subject, kind, site, device, state) VALUES (?, ?, ?, ?, ?, ?)')
  const removeRule = db.prepare('DELETE FROM rule_state WHERE rule = ?')
  const setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?')
  return {
    loadAll () {
      const rows = db.prepare('SELECT * FROM rule_state').all() as Array<{ rule: string, subject: string, kind: string, site: string, device: string, state: string }>
      return rows.map(r => ({ rule: r.rule, subject: r.subject, kind: r.kind, site: r.site, device: r.device, state: JSON.parse(r.state) as unknown }))
    },
    save (upserts, removeRules, watermark) {
      if (upserts.length === 0 && removeRules.length === 0 && watermark === null) return
      withTransaction(db, () => {
        for (const rule of removeRules) removeRule.run(rule)
        for (const s of upserts) upsert.run(s.rule, s.subject, s.kind, s.site, s.device, JSON.stringify(s.state))
        if (watermark !== null) setMeta.run('watermark', watermark)
      })
    },
    watermark () {
      const row = getMeta.get('watermark') as { value: number } | undefined
      return row === undefined ? 0 : Number(row.value)
    },
    close () {
      if (db.isOpen) db.close()
    }
  }
}
