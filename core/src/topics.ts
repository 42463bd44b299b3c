// ARCHITECTURE §2: shennong/v1/{site}/{id}/{channel}. The only place topic strings are written.
import { ShennongError } from './errors.ts'

export const TOPIC_ROOT = 'shennong/v1'
export const CHANNELS = ['telemetry', 'status', 'cmd', 'cmd-result', 'alert'] as const
export type Channel = typeof CHANNELS[number]
export const SEGMENT_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/

export interface TopicParts {
  site: string
  id: string
  channel: Channel
}

export function isSegment (value: unknown): value is string {
  return typeof value === 'string' && SEGMENT_RE.test(value)
}

export function buildTopic (parts: TopicParts): string {
  for (const key of ['site', 'id'] as const) {
    if (!isSegment(parts[key])) {
      throw new ShennongError('ERR_TOPIC_INVALID', `topic ${key} "${String(parts[key])}" must match [a-z0-9][a-z0-9_-]{0,63}`)
    }
  }
  if (!(CHANNELS as readonly string[]).includes(parts.channel)) {
    throw new ShennongError('ERR_TOPIC_INVALID', `unknown channel "${String(parts.channel)}"; one of ${CHANNELS.join(', ')}`)
  }
  return `${TOPIC_ROOT}/${parts.site}/${parts.id}/${parts.channel}`
}

/** Parses a concrete topic; returns null when it is not a Shennong v1 topic. */
export function parseTopic (topic: string): TopicParts | null {
  const parts = topic.split('/')
  if (parts.length !== 5 || parts[0] !== 'shennong' || parts[1] !== 'v1') return null
  const [, , site, id, channel] = parts
  if (!isSegment(site) || !isSegment(id) || !(CHANNELS as readonly string[]).includes(channel)) return null
  return { site, id, channel: channel as Channel }
}

/** A subscription filter; omitted parts become the single-level wildcard `+`. */
export function topicFilter (parts: { site?: string, id?: string, channel?: Channel | '#' }): string {
  if (parts.channel === '#') return `${TOPIC_ROOT}/${parts.site ?? '+'}/${parts.id ?? '+'}/#`
  return `${TOPIC_ROOT}/${parts.site ?? '+'}/${parts.id ?? '+'}/${parts.channel ?? '+'}`
}

/** True when the topic lies in the Shennong namespace at all (used by the ACL to refuse the rest). */
export function inNamespace (topic: string): boolean {
  return topic === TOPIC_ROOT || topic.startsWith(`${TOPIC_ROOT}/`)
}
