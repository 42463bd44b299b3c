// The trace store: `trace.db` in the data directory (node:sqlite, WAL). Organisations, actors,
// places, keys, batches, lineage and the hash-chained events. Every call is one committed
// transaction; appending reads the head and writes the event and the new head atomically, so two
// writers never fork a chain. The store hashes; it never holds a private key.
import type { StatementSync } from 'node:sqlite'
import { join } from 'node:path'
import { hashEvent, keyIdOf, parsePublicKey, rawPublicKey, verifyChain, verifyHashSignature } from './trace-chain.ts'
import { traceError } from './trace-errors.ts'
import { openSqlite, withTransaction } from '@shennong/core/sqlite.ts'
import {
  GENESIS_PREV, type Actor, type Batch, type EventContent, type EventType, type Location, type Organisation,
  type OrganisationKey, type Place, type PlaceKind, type Quantity, type TraceEvent, type VerifyResult
} from './trace-model.ts'

export function tracePath (dataDir: string): string {
  return join(dataDir, 'trace.db')
}

export interface Who { organisation: string, actor: string }

export interface EventInput extends Who {
  type: EventType
  at: number
  place?: string | null
  location?: Location | null
  data: Record<string, unknown>
}

export interface BatchInput extends Who {
  code: string
  product: string
  productZh?: string | null
  variety?: string | null
  originPlace: string
  quantity?: Quantity | null
  at: number
}

export interface Signed { signature: string, keyId: string }

export interface BatchFilter {
  /** Only batches owned or held by these organisations; undefined = all. */
  organisations?: readonly string[]
  limit?: number
}

export interface TraceStore {
  addOrganisation: (o: { id: string, name: string, nameZh?: string | null, members?: string[] }) => Organisation
  getOrganisation: (id: string) => Organisation | undefined
  listOrganisations: () => Organisation[]
  /** Organisations a principal acts for. */
  organisationsOf: (principalId: string) => string[]
  addActor: (a: { id: string, organisation: string, name: string, role: string }) => Actor
  getActor: (id: string) => Actor | undefined
  addPlace: (p: { id: string, organisation: string, kind: PlaceKind, name: string, nameZh?: string | null, site?: string | null, devices?: string[], location?: Location | null }) => Place
  getPlace: (id: string) => Place | undefined
  listPlaces: (organisations?: readonly string[]) => Place[]
  /** Registers an Ed25519 public key (raw base64 or PEM) for an organisation. */
  addKey: (organisation: string, publicKey: string) => OrganisationKey
  getKey: (id: string) => OrganisationKey | undefined
  /** Creates a batch and its first event (`created`). */
  createBatch: (input: BatchInput) => { batch: Batch, event: TraceEvent }
  getBatch: (code: string) => Batch | undefined
  listBatches: (filter?: BatchFilter) => Batch[]
  children: (code: string) => string[]
  /** The event that would be appended next (content and hash), without writing it. */
  prepare: (code: string, input: EventInput) => { content: EventContent, hash: string }
  /** Appends an event; with `signed`, the signature must verify and `expectedPrev` must still be the head. */
  append: (code: string, input: EventInput, options?: { signed?: Signed, expectedPrev?: string }) => TraceEvent
  /** Split: a `split` event on the parent, then each child created from it. */
  split: (code: string, who: Who & { at: number }, children: Array<{ code: string, quantity?: Quantity | null }>) => Batch[]
  /** Merge: a `merge` event on each parent, then the new batch created from them. */
  merge: (input: BatchInput & { parents: string[] }) => Batch
  events: (code: string) => TraceEvent[]
  /** Events with `at` in [from, to], oldest first, of the given organisations' batches (undefined = all). */
  eventsBetween: (from: number, to: number, organisations?: readonly string[]) => TraceEvent[]
  verify: (code: string) => VerifyResult
  close: () => void
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS organisations (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_zh TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (organisation TEXT NOT NULL REFERENCES organisations (id), principal TEXT NOT NULL, PRIMARY KEY (organisation, principal));
CREATE INDEX IF NOT EXISTS members_principal ON members (principal);
CREATE TABLE IF NOT EXISTS actors (id TEXT PRIMARY KEY, organisation TEXT NOT NULL REFERENCES organisations (id), name TEXT NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS places (
  id TEXT PRIMARY KEY, organisation TEXT NOT NULL REFERENCES organisations (id), kind TEXT NOT NULL, name TEXT NOT NULL, name_zh TEXT,
  site TEXT, devices TEXT NOT NULL, location TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS org_keys (id TEXT PRIMARY KEY, organisation TEXT NOT NULL REFERENCES organisations (id), public_key TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
  code TEXT PRIMARY KEY, product TEXT NOT NULL, product_zh TEXT, variety TEXT, organisation TEXT NOT NULL, custodian TEXT NOT NULL,
  origin_place TEXT NOT NULL, quantity TEXT, created_at INTEGER NOT NULL, head TEXT NOT NULL, length INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS batches_org ON batches (organisation);
CREATE INDEX IF NOT EXISTS batches_custodian ON batches (custodian);
CREATE TABLE IF NOT EXISTS batch_parents (child TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY (child, parent));
CREATE INDEX IF NOT EXISTS batch_parents_parent ON batch_parents (parent);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, batch TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL,
  organisation TEXT NOT NULL, actor TEXT NOT NULL, place TEXT, location TEXT, data TEXT NOT NULL, prev TEXT NOT NULL,
  hash TEXT NOT NULL, signature TEXT, key_id TEXT, recorded_at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS events_batch_seq ON events (batch, seq);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
`

interface EventRow { id: number, batch: string, seq: number, type: string, at: number, organisation: string, actor: string, place: string | null, location: string | null, data: string, prev: string, hash: string, signature: string | null, key_id: string | null, recorded_at: number }
interface BatchRow { code: string, product: string, product_zh: string | null, variety: string | null, organisation: string, custodian: string, origin_place: string, quantity: string | null, created_at: number, head: string, length: number }

const toEvent = (r: EventRow): TraceEvent => ({
  id: Number(r.id),
  batch: r.batch,
  seq: Number(r.seq),
  type: r.type as EventType,
  at: Number(r.at),
  organisation: r.organisation,
  actor: r.actor,
  place: r.place,
  location: r.location === null ? null : JSON.parse(r.location) as Location,
  data: JSON.parse(r.data) as Record<string, unknown>,
  prev: r.prev,
  hash: r.hash,
  signature: r.signature,
  keyId: r.key_id,
  recordedAt: Number(r.recorded_at)
})

export function openTraceStore (path: string, options: { now?: () => number } = {}): TraceStore {
  const now = options.now ?? Date.now
  // Custody records: every commit is fsynced.
  const db = openSqlite(path)
  db.exec(SCHEMA)

  const st = {
    org: db.prepare('SELECT * FROM organisations WHERE id = ?'),
    orgs: db.prepare('SELECT * FROM organisations ORDER BY id'),
    membersOf: db.prepare('SELECT principal FROM members WHERE organisation = ? ORDER BY principal'),
    orgsOf: db.prepare('SELECT organisation FROM members WHERE principal = ? ORDER BY organisation'),
    actor: db.prepare('SELECT * FROM actors WHERE id = ?'),
    place: db.prepare('SELECT * FROM places WHERE id = ?'),
    key: db.prepare('SELECT * FROM org_keys WHERE id = ?'),
    batch: db.prepare('SELECT * FROM batches WHERE code = ?'),
    parents: db.prepare('SELECT parent FROM batch_parents WHERE child = ? ORDER BY parent'),
    children: db.prepare('SELECT child FROM batch_parents WHERE parent = ? ORDER BY child'),
    events: db.prepare('SELECT * FROM events WHERE batch = ? ORDER BY seq, id'),
    insertEvent: db.prepare(`INSERT INTO events (batch, seq, type, at, organisation, actor, place, location, data, prev, hash, signature, key_id, recorded_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    setHead: db.prepare('UPDATE batches SET head = ?, length = ? WHERE code = ?'),
    setCustodian: db.prepare('UPDATE batches SET custodian = ? WHERE code = ?')
  } satisfies Record<string, StatementSync>

  const transaction = <T>(fn: () => T): T => withTransaction(db, fn)

  const toBatch = (r: BatchRow): Batch => ({
    code: r.code,
    product: r.product,
    productZh: r.product_zh,
    variety: r.variety,
    organisation: r.organisation,
    custodian: r.custodian,
    originPlace: r.origin_place,
    parents: (st.parents.all(r.code) as Array<{ parent: string }>).map(p => p.parent),
    quantity: r.quantity === null ? null : JSON.parse(r.quantity) as Quantity,
    createdAt: Number(r.created_at),
    head: r.head,
    length: Number(r.length)
  })

  function mustBatch (code: string): Batch {
    const row = st.batch.get(code) as BatchRow | undefined
    if (row === undefined) throw traceError(404, 'ERR_TRACE_NOT_FOUND', `no batch ${JSON.stringify(code)}`)
    return toBatch(row)
  }

  function checkWho (who: Who): void {
    if (store.getOrganisation(who.organisation) === undefined) throw traceError(400, 'ERR_TRACE_INVALID', `organisation: no organisation ${JSON.stringify(who.organisation)}`)
    if (who.actor === 'system') return
    const actor = store.getActor(who.actor)
    if (actor === undefined) throw traceError(400, 'ERR_TRACE_INVALID', `actor: no actor ${JSON.stringify(who.actor)}`)
    if (actor.organisation !== who.organisation) throw traceError(400, 'ERR_TRACE_INVALID', `actor: ${who.actor} acts for ${actor.organisation}, not ${who.organisation}`)
  }

  function contentOf (batch: Batch, input: EventInput): EventContent {
    checkWho(input)
    if (input.place !== undefined && input.place !== null && store.getPlace(input.place) === undefined) {
      throw traceError(400, 'ERR_TRACE_INVALID', `place: no place ${JSON.stringify(input.place)}`)
    }
    if (!Number.isSafeInteger(input.at)) throw traceError(400, 'ERR_TRACE_INVALID', 'at: epoch milliseconds')
    return {
      batch: batch.code,
      seq: batch.length + 1,
      type: input.type,
      at: input.at,
      organisation: input.organisation,
      actor: input.actor,
      place: input.place ?? null,
      location: input.location ?? null,
      data: input.data,
      prev: batch.length === 0 ? GENESIS_PREV : batch.head
    }
  }

  function write (content: EventContent, signed?: Signed): TraceEvent {
    const hash = hashEvent(content)
    const recordedAt = now()
    const r = st.insertEvent.run(content.batch, content.seq, content.type, content.at, content.organisation, content.actor, content.place,
      content.location === null ? null : JSON.stringify(content.location), JSON.stringify(content.data), content.prev, hash,
      signed?.signature ?? null, signed?.keyId ?? null, recordedAt)
    st.setHead.run(hash, content.seq, content.batch)
    if (content.type === 'sale' && typeof content.data.to === 'string') st.setCustodian.run(content.data.to, content.batch)
    return { ...content, id: Number(r.lastInsertRowid), hash, signature: signed?.signature ?? null, keyId: signed?.keyId ?? null, recordedAt }
  }

  function insertBatch (input: BatchInput, parents: Array<{ code: string, hash: string }>): { batch: Batch, event: TraceEvent } {
    checkWho(input)
    if (st.batch.get(input.code) !== undefined) throw traceError(409, 'ERR_TRACE_EXISTS', `batch ${input.code} exists`)
    const place = store.getPlace(input.originPlace)
    if (place === undefined) throw traceError(400, 'ERR_TRACE_INVALID', `originPlace: no place ${JSON.stringify(input.originPlace)}`)
    db.prepare(`INSERT INTO batches (code, product, product_zh, variety, organisation, custodian, origin_place, quantity, created_at, head, length)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`).run(input.code, input.product, input.productZh ?? null, input.variety ?? null, input.organisation,
      input.organisation, input.originPlace, input.quantity == null ? null : JSON.stringify(input.quantity), input.at, GENESIS_PREV)
    for (const p of parents) db.prepare('INSERT INTO batch_parents (child, parent) VALUES (?, ?)').run(input.code, p.code)
    const batch = mustBatch(input.code)
    const data: Record<string, unknown> = {
      code: input.code, product: input.product, productZh: input.productZh ?? null, variety: input.variety ?? null,
      originPlace: input.originPlace, quantity: input.quantity ?? null, parents
    }
    const event = write(contentOf(batch, { organisation: input.organisation, actor: input.actor, type: 'created', at: input.at, place: input.originPlace, data }))
    return { batch: mustBatch(input.code), event }
  }

  const store: TraceStore = {
    addOrganisation (o) {
      return transaction(() => {
        if (st.org.get(o.id) !== undefined) throw traceError(409, 'ERR_TRACE_EXISTS', `organisation ${o.id} exists`)
        db.prepare('INSERT INTO organisations (id, name, name_zh, created_at) VALUES (?, ?, ?, ?)').run(o.id, o.name, o.nameZh ?? null, now())
        for (const m of o.members ?? []) db.prepare('INSERT OR IGNORE INTO members (organisation, principal) VALUES (?, ?)').run(o.id, m)
        return store.getOrganisation(o.id) as Organisation
      })
    },
    getOrganisation (id) {
      const r = st.org.get(id) as { id: string, name: string, name_zh: string | null, created_at: number } | undefined
      if (r === undefined) return undefined
      return { id: r.id, name: r.name, nameZh: r.name_zh, members: (st.membersOf.all(id) as Array<{ principal: string }>).map(m => m.principal), createdAt: Number(r.created_at) }
    },
    listOrganisations () {
      return (st.orgs.all() as Array<{ id: string }>).map(r => store.getOrganisation(r.id) as Organisation)
    },
    organisationsOf (principalId) {
      return (st.orgsOf.all(principalId) as Array<{ organisation: string }>).map(r => r.organisation)
    },
    addActor (a) {
      if (st.org.get(a.organisation) === undefined) throw traceError(400, 'ERR_TRACE_INVALID', `organisation: no organisation ${JSON.stringify(a.organisation)}`)
      if (a.id === 'system' || st.actor.get(a.id) !== undefined) throw traceError(409, 'ERR_TRACE_EXISTS', `actor ${a.id} exists`)
      db.prepare('INSERT INTO actors (id, organisation, name, role, created_at) VALUES (?, ?, ?, ?, ?)').run(a.id, a.organisation, a.name, a.role, now())
      return store.getActor(a.id) as Actor
    },
    getActor (id) {
      const r = st.actor.get(id) as { id: string, organisation: string, name: string, role: string, created_at: number } | undefined
      return r === undefined ? undefined : { id: r.id, organisation: r.organisation, name: r.name, role: r.role, createdAt: Number(r.created_at) }
    },
    addPlace (p) {
      if (st.org.get(p.organisation) === undefined) throw traceError(400, 'ERR_TRACE_INVALID', `organisation: no organisation ${JSON.stringify(p.organisation)}`)
      if (st.place.get(p.id) !== undefined) throw traceError(409, 'ERR_TRACE_EXISTS', `place ${p.id} exists`)
      db.prepare('INSERT INTO places (id, organisation, kind, name, name_zh, site, devices, location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(p.id, p.organisation, p.kind, p.name, p.nameZh ?? null, p.site ?? null, JSON.stringify(p.devices ?? []), p.location == null ? null : JSON.stringify(p.location), now())
      return store.getPlace(p.id) as Place
    },
    getPlace (id) {
      const r = st.place.get(id) as { id: string, organisation: string, kind: string, name: string, name_zh: string | null, site: string | null, devices: string, location: string | null, created_at: number } | undefined
      if (r === undefined) return undefined
      return { id: r.id, organisation: r.organisation, kind: r.kind as PlaceKind, name: r.name, nameZh: r.name_zh, site: r.site, devices: JSON.parse(r.devices) as string[], location: r.location === null ? null : JSON.parse(r.location) as Location, createdAt: Number(r.created_at) }
    },
    listPlaces (organisations) {
      const rows = db.prepare('SELECT id FROM places ORDER BY id').all() as Array<{ id: string }>
      return rows.map(r => store.getPlace(r.id) as Place).filter(p => organisations === undefined || organisations.includes(p.organisation))
    },
    addKey (organisation, publicKey) {
      if (st.org.get(organisation) === undefined) throw traceError(404, 'ERR_TRACE_NOT_FOUND', `no organisation ${JSON.stringify(organisation)}`)
      let raw: string
      try {
        raw = rawPublicKey(parsePublicKey(publicKey))
      } catch (err) {
        throw traceError(400, 'ERR_TRACE_INVALID', `publicKey: ${(err as Error).message}`)
      }
      const id = keyIdOf(raw)
      if (st.key.get(id) !== undefined) throw traceError(409, 'ERR_TRACE_EXISTS', `key ${id} is registered already`)
      db.prepare('INSERT INTO org_keys (id, organisation, public_key, created_at) VALUES (?, ?, ?, ?)').run(id, organisation, raw, now())
      return store.getKey(id) as OrganisationKey
    },
    getKey (id) {
      const r = st.key.get(id) as { id: string, organisation: string, public_key: string, created_at: number } | undefined
      return r === undefined ? undefined : { id: r.id, organisation: r.organisation, publicKey: r.public_key, createdAt: Number(r.created_at) }
    },
    createBatch (input) {
      return transaction(() => insertBatch(input, []))
    },
    getBatch (code) {
      const row = st.batch.get(code) as BatchRow | undefined
      return row === undefined ? undefined : toBatch(row)
    },
    listBatches (filter = {}) {
      const limit = Math.min(Math.max(1, filter.limit ?? 100), 1000)
      if (filter.organisations !== undefined) {
        if (filter.organisations.length === 0) return []
        const marks = filter.organisations.map(() => '?').join(', ')
        const rows = db.prepare(`SELECT * FROM batches WHERE organisation IN (${marks}) OR custodian IN (${marks}) ORDER BY created_at DESC, code LIMIT ${limit}`)
          .all(...filter.organisations, ...filter.organisations) as unknown as BatchRow[]
        return rows.map(toBatch)
      }
      return (db.prepare(`SELECT * FROM batches ORDER BY created_at DESC, code LIMIT ${limit}`).all() as unknown as BatchRow[]).map(toBatch)
    },
    children (code) {
      return (st.children.all(code) as Array<{ child: string }>).map(r => r.child)
    },
    prepare (code, input) {
      const content = contentOf(mustBatch(code), input)
      return { content, hash: hashEvent(content) }
    },
    append (code, input, options = {}) {
      return transaction(() => {
        const batch = mustBatch(code)
        if (options.expectedPrev !== undefined && options.expectedPrev !== batch.head) {
          throw traceError(409, 'ERR_TRACE_CONFLICT', `the chain of ${code} has moved on (head ${batch.head.slice(0, 12)}…, prepared on ${options.expectedPrev.slice(0, 12)}…); prepare the event again`)
        }
        const content = contentOf(batch, input)
        if (options.signed !== undefined) {
          const key = store.getKey(options.signed.keyId)
          if (key === undefined || key.organisation !== content.organisation) {
            throw traceError(400, 'ERR_TRACE_SIGNATURE', `key ${options.signed.keyId} is not registered for organisation ${content.organisation}`)
          }
          if (!verifyHashSignature(hashEvent(content), options.signed.signature, key.publicKey)) {
            throw traceError(400, 'ERR_TRACE_SIGNATURE', `the signature does not verify with key ${key.id} over the event hash ${hashEvent(content)}`)
          }
        }
        return write(content, options.signed)
      })
    },
    split (code, who, children) {
      return transaction(() => {
        const parent = mustBatch(code)
        if (children.length === 0) throw traceError(400, 'ERR_TRACE_INVALID', 'children: at least one')
        const event = write(contentOf(parent, { ...who, type: 'split', place: null, data: { children: children.map(c => ({ code: c.code, quantity: c.quantity ?? null })) } }))
        return children.map(c => insertBatch({
          ...who, code: c.code, product: parent.product, productZh: parent.productZh, variety: parent.variety, originPlace: parent.originPlace, quantity: c.quantity ?? null
        }, [{ code, hash: event.hash }]).batch)
      })
    },
    merge (input) {
      return transaction(() => {
        if (input.parents.length < 2) throw traceError(400, 'ERR_TRACE_INVALID', 'parents: a merge needs at least two batches')
        if (st.batch.get(input.code) !== undefined) throw traceError(409, 'ERR_TRACE_EXISTS', `batch ${input.code} exists`)
        const links = input.parents.map(p => {
          const event = write(contentOf(mustBatch(p), { organisation: input.organisation, actor: input.actor, type: 'merge', at: input.at, place: null, data: { into: input.code } }))
          return { code: p, hash: event.hash }
        })
        return insertBatch(input, links).batch
      })
    },
    events (code) {
      return (st.events.all(code) as unknown as EventRow[]).map(toEvent)
    },
    eventsBetween (from, to, organisations) {
      const rows = db.prepare('SELECT * FROM events WHERE at >= ? AND at <= ? ORDER BY at, batch, seq LIMIT 100000').all(from, to) as unknown as EventRow[]
      const events = rows.map(toEvent)
      if (organisations === undefined) return events
      const visible = new Set(store.listBatches({ organisations, limit: 1000 }).map(b => b.code))
      return events.filter(e => visible.has(e.batch))
    },
    verify (code) {
      return verifyChain(mustBatch(code), store.events(code), id => store.getKey(id))
    },
    close () {
      if (db.isOpen) db.close()
    }
  }
  return store
}
