// The alert store (ARCHITECTURE §7): `alerts.db` in the data directory (node:sqlite, WAL).
// One alert per (rule, subject) that is not resolved, enforced by a partial unique index; every
// change is also an `alert_events` row, so the history of each alert is kept. Synchronous: every
// call is one committed transaction, so the state survives a restart (no re-fire, nothing lost).
import type { StatementSync } from 'node:sqlite'
import { join } from 'node:path'
import { ShennongError } from '@shennong/core/errors.ts'
import type { Alert, AlertEvent, AlertEventType, AlertState } from './alert.ts'
import { severityRank, type Severity } from './severity.ts'
import { openSqlite, withTransaction } from '@shennong/core/sqlite.ts'

/** What a raise carries: the alert's identity and cause (Alert's fields), and when it is recorded. */
export interface RaiseInput extends Pick<Alert, 'rule' | 'kind' | 'subject' | 'site' | 'device' | 'severity' | 'value' | 'message' | 'seq' | 'ts'> {
  details?: Record<string, unknown>
  /** When the change is recorded (epoch ms). */
  at: number
}

export interface AlertFilter {
  /** Only these sites (a farmer's own); undefined = every site. */
  sites?: readonly string[]
  site?: string
  device?: string
  rule?: string
  severity?: Severity
  state?: AlertState
  /** openedAt ≥ from (epoch ms). */
  from?: number
  /** openedAt ≤ to (epoch ms). */
  to?: number
  /** Newest first; default 100, at most 1000. */
  limit?: number
  /** Only alerts with id < before (paging). */
  before?: number
}

export interface AlertStore {
  /**
   * Opens an alert for (rule, subject), or changes the severity of the one that is not yet resolved.
   * Returns the event, or null when nothing changed (same severity: the alert stays as it is).
   * An escalation re-opens an acknowledged alert: it is worse than what was acknowledged.
   */
  raise: (input: RaiseInput) => AlertEvent | null
  /**
   * Resolves the unresolved alert of (rule, subject) because its condition cleared; null when none.
   * `cause` is the reading (or tick) that cleared it: the alert's value, seq and ts become its.
   */
  clear: (rule: string, subject: string, at: number, by: string, note?: string, cause?: { value: number | null, seq: number | null, ts: number }) => AlertEvent | null
  /** open → acknowledged; throws ERR_ALERT_NOT_FOUND / ERR_ALERT_STATE. */
  acknowledge: (id: number, by: string, at: number, note?: string) => AlertEvent
  /** open | acknowledged → resolved; throws ERR_ALERT_NOT_FOUND / ERR_ALERT_STATE. */
  resolve: (id: number, by: string, at: number, note?: string) => AlertEvent
  get: (id: number) => Alert | undefined
  /** The unresolved alert of (rule, subject), if any. */
  active: (rule: string, subject: string) => Alert | undefined
  list: (filter?: AlertFilter) => Alert[]
  /** Every event of one alert, oldest first. */
  history: (id: number) => AlertEvent[]
  /** Events with id > after, oldest first (for sinks catching up). */
  eventsAfter: (after: number, limit?: number) => AlertEvent[]
  /** Runs `fn` in one transaction: every change it makes commits together (one fsync). */
  batch: <T>(fn: () => T) => T
  close: () => void
}

export function alertsPath (dataDir: string): string {
  return join(dataDir, 'alerts.db')
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, site TEXT NOT NULL, device TEXT NOT NULL,
  severity TEXT NOT NULL, state TEXT NOT NULL,
  opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  value REAL, message TEXT NOT NULL, seq INTEGER, ts INTEGER NOT NULL,
  acknowledged_at INTEGER, acknowledged_by TEXT, resolved_at INTEGER, resolved_by TEXT,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_active ON alerts (rule, subject) WHERE state != 'resolved';
CREATE INDEX IF NOT EXISTS alerts_site ON alerts (site, opened_at);
CREATE INDEX IF NOT EXISTS alerts_opened ON alerts (opened_at);
CREATE TABLE IF NOT EXISTS alert_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id INTEGER NOT NULL REFERENCES alerts (id),
  type TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL, note TEXT,
  severity TEXT NOT NULL, state TEXT NOT NULL, value REAL, seq INTEGER, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_events_alert ON alert_events (alert_id, id);
`

interface Row {
  id: number, rule: string, kind: string, subject: string, site: string, device: string, severity: string, state: string
  opened_at: number, updated_at: number, value: number | null, message: string, seq: number | null, ts: number
  acknowledged_at: number | null, acknowledged_by: string | null, resolved_at: number | null, resolved_by: string | null, details: string
}

interface EventRow { id: number, alert_id: number, type: string, at: number, by: string, note: string | null, severity: string, state: string, value: number | null, seq: number | null, message: string }

function toAlert (row: Row): Alert {
  return {
    id: Number(row.id),
    rule: row.rule,
    kind: row.kind,
    subject: row.subject,
    site: row.site,
    device: row.device,
    severity: row.severity as Severity,
    state: row.state as AlertState,
    openedAt: Number(row.opened_at),
    updatedAt: Number(row.updated_at),
    value: row.value === null ? null : Number(row.value),
    message: row.message,
    seq: row.seq === null ? null : Number(row.seq),
    ts: Number(row.ts),
    acknowledgedAt: row.acknowledged_at === null ? null : Number(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolvedBy: row.resolved_by,
    details: JSON.parse(row.details) as Record<string, unknown>
  }
}

export function openAlertStore (path: string): AlertStore {
  const db = openSqlite(path)
  db.exec(SCHEMA)

  const st = {
    get: db.prepare('SELECT * FROM alerts WHERE id = ?'),
    active: db.prepare("SELECT * FROM alerts WHERE rule = ? AND subject = ? AND state != 'resolved'"),
    insert: db.prepare(`INSERT INTO alerts (rule, kind, subject, site, device, severity, state, opened_at, updated_at, value, message, seq, ts, details)
      VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)`),
    change: db.prepare('UPDATE alerts SET severity = ?, state = ?, updated_at = ?, value = ?, message = ?, seq = ?, ts = ?, details = ?, acknowledged_at = ?, acknowledged_by = ? WHERE id = ?'),
    ack: db.prepare("UPDATE alerts SET state = 'acknowledged', updated_at = ?, acknowledged_at = ?, acknowledged_by = ? WHERE id = ?"),
    resolve: db.prepare("UPDATE alerts SET state = 'resolved', updated_at = ?, resolved_at = ?, resolved_by = ? WHERE id = ?"),
    event: db.prepare('INSERT INTO alert_events (alert_id, type, at, by, note, severity, state, value, seq, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    cause: db.prepare('UPDATE alerts SET value = ?, seq = ?, ts = ? WHERE id = ?'),
    history: db.prepare('SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id'),
    after: db.prepare('SELECT * FROM alert_events WHERE id > ? ORDER BY id LIMIT ?')
  } satisfies Record<string, StatementSync>

  const transaction = <T>(fn: () => T): T => withTransaction(db, fn)

  function mustGet (id: number): Alert {
    const row = st.get.get(id) as Row | undefined
    if (row === undefined) throw new ShennongError('ERR_ALERT_NOT_FOUND', `no alert has id ${id}`)
    return toAlert(row)
  }

  function record (alert: Alert, type: AlertEventType, at: number, by: string, note: string | null): AlertEvent {
    const r = st.event.run(alert.id, type, at, by, note, alert.severity, alert.state, alert.value, alert.seq, alert.message)
    return { id: Number(r.lastInsertRowid), type, at, by, note, alert }
  }

  function eventFromRow (row: EventRow, alert: Alert): AlertEvent {
    return {
      id: Number(row.id),
      type: row.type as AlertEventType,
      at: Number(row.at),
      by: row.by,
      note: row.note,
      alert: { ...alert, severity: row.severity as Severity, state: row.state as AlertState, value: row.value === null ? null : Number(row.value), seq: row.seq === null ? null : Number(row.seq), message: row.message }
    }
  }

  return {
    raise (input) {
      return transaction(() => {
        const row = st.active.get(input.rule, input.subject) as Row | undefined
        const details = JSON.stringify(input.details ?? {})
        if (row === undefined) {
          const r = st.insert.run(input.rule, input.kind, input.subject, input.site, input.device, input.severity, input.at, input.at, input.value, input.message, input.seq, input.ts, details)
          const alert = mustGet(Number(r.lastInsertRowid))
          return record(alert, 'opened', input.at, `rule:${input.rule}`, null)
        }
        const before = toAlert(row)
        if (before.severity === input.severity) return null
        const up = severityRank(input.severity) > severityRank(before.severity)
        const state: AlertState = up ? 'open' : before.state
        st.change.run(input.severity, state, input.at, input.value, input.message, input.seq, input.ts, details,
          up ? null : before.acknowledgedAt, up ? null : before.acknowledgedBy, before.id)
        return record(mustGet(before.id), up ? 'escalated' : 'de-escalated', input.at, `rule:${input.rule}`, null)
      })
    },

    clear (rule, subject, at, by, note = 'condition cleared', cause) {
      return transaction(() => {
        const row = st.active.get(rule, subject) as Row | undefined
        if (row === undefined) return null
        st.resolve.run(at, at, by, row.id)
        if (cause !== undefined) st.cause.run(cause.value, cause.seq, cause.ts, row.id)
        return record(mustGet(Number(row.id)), 'resolved', at, by, note)
      })
    },

    acknowledge (id, by, at, note) {
      return transaction(() => {
        const alert = mustGet(id)
        if (alert.state !== 'open') {
          throw new ShennongError('ERR_ALERT_STATE', `alert ${id} is ${alert.state}; only an open alert can be acknowledged`, { details: { state: alert.state } })
        }
        st.ack.run(at, at, by, id)
        return record(mustGet(id), 'acknowledged', at, by, note ?? null)
      })
    },

    resolve (id, by, at, note) {
      return transaction(() => {
        const alert = mustGet(id)
        if (alert.state === 'resolved') {
          throw new ShennongError('ERR_ALERT_STATE', `alert ${id} is already resolved (by ${alert.resolvedBy ?? '?'})`, { details: { state: alert.state } })
        }
        st.resolve.run(at, at, by, id)
        return record(mustGet(id), 'resolved', at, by, note ?? null)
      })
    },

    get (id) {
      const row = st.get.get(id) as Row | undefined
      return row === undefined ? undefined : toAlert(row)
    },

    active (rule, subject) {
      const row = st.active.get(rule, subject) as Row | undefined
      return row === undefined ? undefined : toAlert(row)
    },

    list (filter = {}) {
      const where: string[] = []
      const args: Array<string | number> = []
      if (filter.sites !== undefined) {
        if (filter.sites.length === 0) return []
        where.push(`site IN (${filter.sites.map(() => '?').join(', ')})`)
        args.push(...filter.sites)
      }
      const eq: Array<[string, string | undefined]> = [['site', filter.site], ['device', filter.device], ['rule', filter.rule], ['severity', filter.severity], ['state', filter.state]]
      for (const [column, value] of eq) {
        if (value !== undefined) { where.push(`${column} = ?`); args.push(value) }
      }
      if (filter.from !== undefined) { where.push('opened_at >= ?'); args.push(filter.from) }
      if (filter.to !== undefined) { where.push('opened_at <= ?'); args.push(filter.to) }
      if (filter.before !== undefined) { where.push('id < ?'); args.push(filter.before) }
      const limit = Math.min(Math.max(1, filter.limit ?? 100), 1000)
      const sql = `SELECT * FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`
      return (db.prepare(sql).all(...args) as unknown as Row[]).map(toAlert)
    },

    history (id) {
      const alert = mustGet(id)
      return (st.history.all(id) as unknown as EventRow[]).map(row => eventFromRow(row, alert))
    },

    eventsAfter (after, limit = 1000) {
      const rows = st.after.all(after, limit) as unknown as EventRow[]
      return rows.map(row => eventFromRow(row, mustGet(Number(row.alert_id))))
    },

    batch: fn => withTransaction(db, fn),
    close () {
      if (db.isOpen) db.close()
    }
  }
}
