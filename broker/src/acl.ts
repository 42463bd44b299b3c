// The MQTT ACL (ARCHITECTURE §2 and §9), as pure functions of who is asking and which topic.
// Topic strings come only from core/src/topics.ts.
import { buildTopic, inNamespace, parseTopic, type Channel } from '@shennong/core/topics.ts'
import type { Principal } from '@shennong/core/principals.ts'

/** Who a connection is: a verified principal, or the anonymous client of demo mode. */
export type Identity =
  | { anonymous: false, principal: Principal }
  | { anonymous: true }

export const ANONYMOUS_SENDER = 'anonymous'

/** The channels a gateway or device owns and publishes on. */
export const SENDER_CHANNELS: readonly Channel[] = ['telemetry', 'status', 'cmd-result']
/** The channels the platform (role service or admin) publishes on. */
export const PLATFORM_CHANNELS: readonly Channel[] = ['cmd', 'alert']

export function senderOf (identity: Identity): string {
  return identity.anonymous ? ANONYMOUS_SENDER : identity.principal.id
}

function isSender (p: Principal): boolean {
  return p.kind === 'gateway' || p.kind === 'device'
}

function isPlatform (p: Principal): boolean {
  return p.role === 'service' || p.role === 'admin'
}

/** Why a publish is refused, or null when it is allowed. */
export function checkPublish (identity: Identity, topic: string): string | null {
  const parts = parseTopic(topic)
  if (parts === null) return inNamespace(topic) ? 'not a shennong/v1/{site}/{id}/{channel} topic' : 'outside the shennong namespace'
  if (identity.anonymous) {
    // demo-anonymous: an unauthenticated client may act as any sender, never as the platform.
    return SENDER_CHANNELS.includes(parts.channel) ? null : `anonymous clients may not publish on ${parts.channel}`
  }
  const p = identity.principal
  if (isSender(p)) {
    if (parts.id !== p.id) return `a ${p.kind} publishes only under its own id "${p.id}"`
    if (!p.sites.includes(parts.site)) return `${p.kind} "${p.id}" belongs to site ${p.sites.join(', ')}, not "${parts.site}"`
    return SENDER_CHANNELS.includes(parts.channel) ? null : `a ${p.kind} may not publish on ${parts.channel}`
  }
  if (isPlatform(p)) {
    return PLATFORM_CHANNELS.includes(parts.channel) ? null : `role ${p.role} publishes only ${PLATFORM_CHANNELS.join(' and ')}`
  }
  return `role ${p.role} may not publish over MQTT`
}

/** The concrete topic segments of a filter, or null for a wildcard there. */
function filterSegments (filter: string): Array<string | null> | null {
  if (!inNamespace(filter)) return null
  const rest = filter.split('/').slice(2)
  return rest.map(s => (s === '+' || s === '#') ? null : s)
}

/** Why a subscription is refused, or null when it is allowed. */
export function checkSubscribe (identity: Identity, filter: string): string | null {
  const segments = filterSegments(filter)
  if (segments === null) return 'outside the shennong namespace'
  if (identity.anonymous) return null
  const p = identity.principal
  if (isSender(p)) {
    const own = p.sites.map(site => buildTopic({ site, id: p.id, channel: 'cmd' }))
    return own.includes(filter) ? null : `a ${p.kind} subscribes only to its own cmd topic`
  }
  if (isPlatform(p) || p.role === 'inspector') return null
  if (p.role === 'farmer') {
    // A farmer reads its own sites: the site segment must be one of them, never a wildcard.
    const site = segments[0]
    return site !== null && site !== undefined && p.sites.includes(site) ? null : `a farmer subscribes only under its own sites (${p.sites.join(', ')})`
  }
  return `role ${p.role} may not subscribe over MQTT`
}

/** A last will must be the sender's own status (ARCHITECTURE §2: status is also its last will). */
export function checkWill (identity: Identity, topic: string): string | null {
  const parts = parseTopic(topic)
  if (parts === null || parts.channel !== 'status') return 'a last will must be on the sender\'s own status topic'
  return checkPublish(identity, topic)
}
