// ARCHITECTURE §9: principals (gateway, device, service, user) and their secrets, stored only as
// scrypt hashes. One SQLite file (`principals.db` in the data directory) shared by the broker,
// ingest and the `shennong principal` command.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ShennongError } from './errors.ts'
import { isSegment } from './topics.ts'
import { openSqlite } from './sqlite.ts'

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: { N: number, r: number, p: number, maxmem: number }) => Promise<Buffer>

export const PRINCIPAL_KINDS = ['gateway', 'device', 'service', 'user'] as const
export type PrincipalKind = typeof PRINCIPAL_KINDS[number]
export const ROLES = ['admin', 'inspector', 'farmer', 'gateway', 'service'] as const
export type Role = typeof ROLES[number]

export interface Principal {
  id: string
  kind: PrincipalKind
  role: Role
  /** Sites this principal belongs to: one for a gateway or device, any number for a farmer. */
  sites: string[]
  createdAt: number
  rotatedAt: number | null
  /** Free text: who or what this is. */
  description: string
}

export interface PrincipalInput {
  id: string
  kind: PrincipalKind
  role?: Role
  sites?: string[]
  description?: string
}

export interface PrincipalStore {
  /** Creates a principal; returns it with its secret, which is never stored and cannot be shown again. */
  add: (input: PrincipalInput) => Promise<{ principal: Principal, secret: string }>
  /** Replaces the secret; returns the new one. */
  rotate: (id: string) => Promise<string>
  remove: (id: string) => boolean
  get: (id: string) => Principal | undefined
  list: () => Principal[]
  /** The principal when the secret is right, otherwise undefined (constant time per attempt). */
  verify: (id: string, secret: string) => Promise<Principal | undefined>
  /** Parses an HTTP bearer token `<id>.<secret>` and verifies it. */
  verifyToken: (token: string) => Promise<Principal | undefined>
  close: () => void
}

// scrypt cost: N=2^15, r=8, p=1 (OWASP's minimum for scrypt), 32-byte key, 16-byte salt.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
const DEFAULT_ROLE: Record<PrincipalKind, Role> = { gateway: 'gateway', device: 'gateway', service: 'service', user: 'farmer' }

export function principalsPath (dataDir: string): string {
  return join(dataDir, 'principals.db')
}

async function hashSecret (secret: string, salt: Buffer): Promise<Buffer> {
  return await scrypt(secret, salt, 32, SCRYPT)
}

export function formatToken (id: string, secret: string): string {
  return `${id}.${secret}`
}

interface Row { id: string, kind: string, role: string, sites: string, created_at: number, rotated_at: number | null, description: string, salt: Uint8Array, hash: Uint8Array }

export function openPrincipalStore (path: string): PrincipalStore {
  const db = openSqlite(path)
  db.exec(`CREATE TABLE IF NOT EXISTS principals (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, role TEXT NOT NULL, sites TEXT NOT NULL,
    created_at INTEGER NOT NULL, rotated_at INTEGER, description TEXT NOT NULL,
    salt BLOB NOT NULL, hash BLOB NOT NULL)`)
  // A verified (id, secret) is remembered by a keyed digest for a while, so a reconnect storm does
  // not cost an scrypt per connection. Rotating or removing a principal forgets it, also when another
  // process (the `shennong principal` command) did it: an entry is bound to the stored hash.
  const cacheKey = randomBytes(32)
  const verified = new Map<string, { digest: string, stored: string, until: number }>()
  const digest = (secret: string): string => createHash('sha256').update(cacheKey).update(secret).digest('hex')

  const toPrincipal = (r: Row): Principal => ({
    id: r.id, kind: r.kind as PrincipalKind, role: r.role as Role, sites: JSON.parse(r.sites) as string[],
    createdAt: r.created_at, rotatedAt: r.rotated_at, description: r.description
  })
  const row = (id: string): Row | undefined => db.prepare('SELECT * FROM principals WHERE id = ?').get(id) as Row | undefined

  const store: PrincipalStore = {
    async add (input) {
      const problems: string[] = []
      if (!isSegment(input.id)) problems.push(`id "${input.id}" must match [a-z0-9][a-z0-9_-]{0,63}`)
      if (!(PRINCIPAL_KINDS as readonly string[]).includes(input.kind)) problems.push(`kind must be one of ${PRINCIPAL_KINDS.join(', ')}`)
      const role = input.role ?? DEFAULT_ROLE[input.kind]
      if (!(ROLES as readonly string[]).includes(role)) problems.push(`role must be one of ${ROLES.join(', ')}`)
      const sites = input.sites ?? []
      for (const s of sites) if (!isSegment(s)) problems.push(`site "${s}" must match [a-z0-9][a-z0-9_-]{0,63}`)
      if ((input.kind === 'gateway' || input.kind === 'device') && sites.length !== 1) problems.push(`a ${input.kind} belongs to exactly one site (--site)`)
      if (role === 'farmer' && sites.length === 0) problems.push('a farmer needs at least one site (--site)')
      if (problems.length > 0) throw new ShennongError('ERR_PRINCIPAL_INVALID', problems.join('; '))
      if (row(input.id) !== undefined) throw new ShennongError('ERR_PRINCIPAL_EXISTS', `principal "${input.id}" exists; use rotate to give it a new secret`)
      const secret = randomBytes(24).toString('base64url')
      const salt = randomBytes(16)
      const hash = await hashSecret(secret, salt)
      const createdAt = Date.now()
      db.prepare('INSERT INTO principals (id, kind, role, sites, created_at, rotated_at, description, salt, hash) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)')
        .run(input.id, input.kind, role, JSON.stringify(sites), createdAt, input.description ?? '', salt, hash)
      return { principal: store.get(input.id) as Principal, secret }
    },
    async rotate (id) {
      if (row(id) === undefined) throw new ShennongError('ERR_PRINCIPAL_UNKNOWN', `no principal "${id}"`)
      const secret = randomBytes(24).toString('base64url')
      const salt = randomBytes(16)
      const hash = await hashSecret(secret, salt)
      db.prepare('UPDATE principals SET salt = ?, hash = ?, rotated_at = ? WHERE id = ?').run(salt, hash, Date.now(), id)
      verified.delete(id)
      return secret
    },
    remove (id) {
      verified.delete(id)
      return Number(db.prepare('DELETE FROM principals WHERE id = ?').run(id).changes) > 0
    },
    get (id) {
      const r = row(id)
      return r === undefined ? undefined : toPrincipal(r)
    },
    list () {
      return (db.prepare('SELECT * FROM principals ORDER BY id').all() as unknown as Row[]).map(toPrincipal)
    },
    async verify (id, secret) {
      if (typeof id !== 'string' || typeof secret !== 'string' || secret.length === 0 || secret.length > 256) return undefined
      const r = row(id)
      if (r === undefined) {
        await hashSecret(secret, randomBytes(16)) // same cost whether or not the id exists
        return undefined
      }
      const cached = verified.get(id)
      const d = digest(secret)
      const stored = Buffer.from(r.hash).toString('hex')
      if (cached !== undefined && cached.until > Date.now() && cached.digest === d && cached.stored === stored) return toPrincipal(r)
      const hash = await hashSecret(secret, Buffer.from(r.salt))
      if (!timingSafeEqual(hash, Buffer.from(r.hash))) return undefined
      verified.set(id, { digest: d, stored, until: Date.now() + 300_000 })
      return toPrincipal(r)
    },
    async verifyToken (token) {
      const dot = token.indexOf('.')
      if (dot <= 0) return undefined
      return await store.verify(token.slice(0, dot), token.slice(dot + 1))
    },
    close () { db.close() }
  }
  return store
}
