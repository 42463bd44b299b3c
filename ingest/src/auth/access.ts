// ARCHITECTURE §9, HTTP roles: `admin` (everything), `inspector` (reads every site), `farmer`
// (reads its own sites), `gateway` (posts readings for its site). Tokens are
// `Authorization: Bearer <id>.<secret>`, verified against the principal store (scrypt hashes).
// Checks run in the onRequest hook, before a body is read. Refusals are counted by the app's
// error handler (shennong_ingest_http_refusals_total). With rate limits (rate-limits.ts), a guard
// also takes the request from its principal's bucket, a request without a token from its client
// address's, and a failed authentication from the address's failures, after which the address
// is refused before its token is verified.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal, PrincipalStore, Role } from '@shennong/core/principals.ts'
import { HttpError } from '../errors.ts'
import type { RateLimits } from './rate-limits.ts'

export type AuthMode = 'required' | 'demo-anonymous'

export const READ_ROLES: readonly Role[] = ['admin', 'inspector', 'farmer']
export const POST_ROLES: readonly Role[] = ['admin', 'gateway']
export const ADMIN_ROLES: readonly Role[] = ['admin']

/** What a request without a token is in demo-anonymous mode: it reads like an inspector, never writes. */
export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous', kind: 'user', role: 'inspector', sites: [], createdAt: 0, rotatedAt: null, description: 'demo-anonymous access'
}) as Principal

export interface GuardOptions {
  roles: readonly Role[]
  /** Route parameter naming a site the principal must belong to (admin and inspector see every site). */
  siteParam?: string
  /** The principal's bucket the request takes from: `readings` for POST /v1/readings, else `principal` (the default). */
  rateLimit?: 'principal' | 'readings'
}

export interface Access {
  /** An onRequest hook: authenticates, then checks the role (and the site). */
  guard: (options: GuardOptions) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** The principal a guarded request was authenticated as. */
  principalOf: (request: FastifyRequest) => Principal
  /** Sites a principal may read: undefined = every site. */
  readableSites: (principal: Principal) => string[] | undefined
  /** Whether an onRequest hook is one of this access's guards (app.ts limits unguarded routes per client address). */
  isGuard: (hook: unknown) => boolean
}

export function createAccess (deps: { principals: PrincipalStore, mode: AuthMode, limits?: RateLimits }): Access {
  const { principals, mode, limits } = deps
  const who = new WeakMap<FastifyRequest, Principal>()
  const guards = new WeakSet<object>()

  async function authenticate (request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization
    if (header === undefined || header === '') {
      limits?.take('ip', request.ip)
      if (mode === 'demo-anonymous') return ANONYMOUS
      throw new HttpError(401, 'ERR_AUTH_MISSING', 'this endpoint needs a token: send "Authorization: Bearer <id>.<secret>" (create one with "shennong principal add")')
    }
    limits?.reserveAuthFailure(request.ip)
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    let principal: Principal | undefined
    try {
      principal = m === null ? undefined : await principals.verifyToken(m[1])
    } catch (err) {
      limits?.releaseAuthFailure(request.ip) // the store failed, not the client
      throw err
    }
    if (principal === undefined) {
      throw m === null
        ? new HttpError(401, 'ERR_AUTH_INVALID', 'the Authorization header must be "Bearer <id>.<secret>"')
        : new HttpError(401, 'ERR_AUTH_INVALID', 'the token is unknown or its secret is wrong')
    }
    limits?.releaseAuthFailure(request.ip)
    return principal
  }

  const access: Access = {
    guard (options) {
      const guard = async (request: FastifyRequest): Promise<void> => {
        const principal = await authenticate(request)
        // Anonymous (demo) requests took from their address's bucket already.
        if (principal !== ANONYMOUS) limits?.take(options.rateLimit ?? 'principal', principal.id)
        if (!options.roles.includes(principal.role)) {
          throw new HttpError(403, 'ERR_AUTH_FORBIDDEN', `role ${principal.role} may not ${request.method} ${request.routeOptions.url ?? request.url}; it needs one of ${options.roles.join(', ')}`)
        }
        if (options.siteParam !== undefined) {
          const site = (request.params as Record<string, string>)[options.siteParam]
          const sites = access.readableSites(principal)
          if (sites !== undefined && !sites.includes(site)) {
            throw new HttpError(403, 'ERR_AUTH_SITE', `principal ${principal.id} does not belong to site ${JSON.stringify(site)}`)
          }
        }
        who.set(request, principal)
      }
      guards.add(guard)
      return guard
    },
    principalOf (request) {
      const principal = who.get(request)
      if (principal === undefined) throw new HttpError(500, 'ERR_HTTP_INTERNAL', 'route reached without its access guard')
      return principal
    },
    readableSites (principal) {
      return principal.role === 'admin' || principal.role === 'inspector' ? undefined : principal.sites
    },
    isGuard: (hook) => typeof hook === 'function' && guards.has(hook)
  }
  return access
}
