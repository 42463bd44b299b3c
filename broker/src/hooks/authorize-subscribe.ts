// Aedes authorizeSubscribe: a gateway or device subscribes only to its own cmd topic; services,
// admins and inspectors anywhere in the namespace; a farmer under its own sites. A refused filter
// gets the SUBACK failure code 0x80 (MQTT 3.1.1 §3.9.3) and the connection stays up.
import type { Client, Subscription } from 'aedes'
import { ShennongError } from '@shennong/core/errors.ts'
import { checkSubscribe, senderOf } from '../acl.ts'
import type { HookContext } from '../hook-context.ts'

export function createAuthorizeSubscribe (ctx: HookContext) {
  return function authorizeSubscribe (client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const session = ctx.sessions.get(client)
    if (session === undefined) return callback(new ShennongError('ERR_BROKER_NOT_AUTHORIZED', 'subscribe before authentication'))
    const why = checkSubscribe(session.identity, subscription.topic)
    if (why !== null) {
      ctx.refuse('acl-subscribe', { sender: senderOf(session.identity), clientId: client.id, filter: subscription.topic, detail: why })
      return callback(null, null)
    }
    callback(null, subscription)
  }
}
