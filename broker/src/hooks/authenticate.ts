// Aedes authenticate: MQTT username = principal id, password = its secret (ARCHITECTURE §9),
// verified against the principal store. A refused CONNECT gets CONNACK 0x04 (bad user name or
// password) or 0x05 (not authorized) and is counted; anonymous clients are let in only in
// `auth: demo-anonymous`. The last will must pass the ACL and the size limit too.
import type { AuthenticateError, Client } from 'aedes'
import { checkWill, senderOf, type Identity } from '../acl.ts'
import type { RefusalReason } from '../broker-metrics.ts'
import type { HookContext } from '../hook-context.ts'

// MQTT 3.1.1 §3.2.2.3, CONNACK return codes.
const BAD_USERNAME_OR_PASSWORD = 4
const NOT_AUTHORIZED = 5
const SERVER_UNAVAILABLE = 3

function connackError (returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}

export function createAuthenticate (ctx: HookContext) {
  return function authenticate (
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void
  ): void {
    const remote = (client.conn as { remoteAddress?: string }).remoteAddress
    const refuse = (reason: RefusalReason, returnCode: number, message: string, sender?: string): void => {
      ctx.refuse(reason, { clientId: client.id, sender, remote, detail: message })
      done(connackError(returnCode, message), false)
    }
    const admit = (identity: Identity): void => {
      const will = ctx.wills.get(client)
      if (will !== undefined) {
        const why = checkWill(identity, will.topic)
        if (why !== null) return refuse('will', NOT_AUTHORIZED, `last will on ${will.topic} refused: ${why}`, senderOf(identity))
        const size = typeof will.payload === 'string' ? Buffer.byteLength(will.payload) : will.payload.length
        if (size > ctx.config.limits.maxPayloadBytes) return refuse('will', NOT_AUTHORIZED, `last will of ${size} bytes exceeds ${ctx.config.limits.maxPayloadBytes}`, senderOf(identity))
      }
      ctx.sessions.set(client, { identity, pending: [], draining: false, refused: false })
      done(null, true)
    }

    if (username === undefined || username === '') {
      if (password !== undefined) return refuse('bad-credentials', BAD_USERNAME_OR_PASSWORD, 'a password without a user name')
      if (ctx.config.auth === 'demo-anonymous') return admit({ anonymous: true })
      return refuse('missing-credentials', NOT_AUTHORIZED, 'credentials required: user name = principal id, password = its secret')
    }
    if (password === undefined || password.length === 0) return refuse('bad-credentials', BAD_USERNAME_OR_PASSWORD, 'no password', username)
    ctx.principals.verify(username, password.toString('utf8')).then(principal => {
      if (principal === undefined) return refuse('bad-credentials', BAD_USERNAME_OR_PASSWORD, 'unknown principal or wrong secret', username)
      admit({ anonymous: false, principal })
    }, (err: unknown) => {
      ctx.logger.error('principal store failed', { err: err instanceof Error ? err : String(err) })
      refuse('auth-error', SERVER_UNAVAILABLE, 'the principal store failed; retry later', username)
    })
  }
}
