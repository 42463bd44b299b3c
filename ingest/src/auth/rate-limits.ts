// ARCHITECTURE §9, rate limits on the HTTP API (http.rateLimit): token buckets (core
// rate-limiter.ts), each limit with its own buckets.
// - principal:    every request of one authenticated principal, except POST /v1/readings;
// - readings:     POST /v1/readings of one principal (gateways post their backlog in bursts);
// - ip:           requests without a token, per client address: the public trace lookup, page
//                 and QR code, /docs, demo-anonymous reads, a missing token, unknown paths;
// - authFailures: failed authentications per client address. A request carrying a token takes
//                 from it before the token is verified and gives it back when the token is good,
//                 so once an address has failed too often its requests are refused unverified: a
//                 guesser is slowed, and many guesses at once cost at most `burst` scrypt hashes.
// Over a limit: HttpError 429 ERR_HTTP_RATE_LIMITED (the app adds Retry-After), counted by limit,
// logged at most once a minute per limit and principal or address. perSecond 0 turns a limit off.
import { isIPv6 } from 'node:net'
import type { Logger } from '@shennong/core/logger.ts'
import type { Counter } from '@shennong/core/metrics.ts'
import { createRateLimiter, type RateLimiter } from '@shennong/core/rate-limiter.ts'
import type { RateLimitConfig } from '../config.ts'
import { HttpError } from '../errors.ts'

export type RateLimitName = 'principal' | 'readings' | 'ip' | 'authFailures'

export interface RateLimits {
  /** Takes one request for `key` (a principal id, or a client address for `ip`); throws 429 when its bucket is empty. */
  take: (limit: 'principal' | 'readings' | 'ip', key: string) => void
  /** Before a token from `address` is verified: takes one failure in advance; throws 429 when none is left. */
  reserveAuthFailure: (address: string) => void
  /** The token was good: gives the reserved failure back. */
  releaseAuthFailure: (address: string) => void
  /** Forgets buckets that have refilled (and old log bookkeeping); the app calls it every minute. */
  prune: () => void
}

export interface RateLimitsDeps {
  /** shennong_ingest_http_rate_limited_total{limit}. */
  counter: Counter
  logger: Pick<Logger, 'warn'>
  now?: () => number
}

const LOG_EVERY_MS = 60_000
/** Rate-limit log lines per minute, all keys together: many addresses must not flood the log either. */
const MAX_LINES_PER_MINUTE = 100

/**
 * The bucket key of a client address: IPv4 as it is; IPv6 by its /64 prefix, the smallest block
 * a site is assigned, so that one host cannot take a fresh bucket for each of its addresses.
 */
export function addressKey (address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped !== null) return mapped[1]
  const plain = address.replace(/%.*$/, '')
  if (!isIPv6(plain)) return address
  const [head, tail = ''] = plain.split('::')
  const groups = (part: string): string[] => part === '' ? [] : part.split(':').flatMap(g => g.includes('.') ? ['0', '0'] : [g])
  const left = groups(head)
  const right = plain.includes('::') ? groups(tail) : []
  const all = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${all.slice(0, 4).map(g => parseInt(g, 16).toString(16)).join(':')}::/64`
}

function describe (limit: RateLimitName, key: string, perSecond: number, burst: number): string {
  const rate = `${perSecond}/s, burst ${burst}; http.rateLimit.${limit}`
  switch (limit) {
    case 'principal': return `principal ${key} sends more than ${rate}`
    case 'readings': return `principal ${key} posts readings more often than ${rate}; send larger batches less often`
    case 'ip': return `too many requests without a token from ${key} (${rate})`
    case 'authFailures': return `too many failed authentications from ${key} (${rate}); check the token before retrying`
  }
}

export function createRateLimits (config: RateLimitConfig, deps: RateLimitsDeps): RateLimits {
  const now = deps.now ?? Date.now
  const limiters = new Map<RateLimitName, RateLimiter>()
  for (const limit of ['principal', 'readings', 'ip', 'authFailures'] as const) {
    const { perSecond, burst } = config[limit]
    if (perSecond > 0) limiters.set(limit, createRateLimiter({ perSecond, burst, maxKeys: config.maxBuckets, now }))
  }

  const logged = new Map<string, { at: number, suppressed: number }>()
  let minute = { start: -Infinity, lines: 0, skipped: 0 }
  const log = (limit: RateLimitName, key: string, retryAfter: number): void => {
    const t = now()
    const id = `${limit}\u0000${key}`
    const last = logged.get(id)
    if (last !== undefined && t - last.at < LOG_EVERY_MS) {
      last.suppressed++
      return
    }
    if (t - minute.start >= LOG_EVERY_MS) minute = { start: t, lines: 0, skipped: minute.skipped }
    if (minute.lines >= MAX_LINES_PER_MINUTE) {
      minute.skipped++
      return
    }
    minute.lines++
    if (logged.size >= config.maxBuckets) logged.clear()
    logged.set(id, { at: t, suppressed: 0 })
    const { perSecond, burst } = config[limit]
    deps.logger.warn('rate limited', {
      limit,
      [limit === 'principal' || limit === 'readings' ? 'principal' : 'address']: key,
      perSecond,
      burst,
      retryAfter,
      ...(last !== undefined && last.suppressed > 0 ? { suppressedSinceLast: last.suppressed } : {}),
      ...(minute.skipped > 0 ? { otherLinesSkipped: minute.skipped } : {})
    })
    minute.skipped = 0
  }

  const refuse = (limit: RateLimitName, key: string, waitMs: number): never => {
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000))
    deps.counter.inc({ limit })
    log(limit, key, retryAfter)
    const { perSecond, burst } = config[limit]
    throw new HttpError(429, 'ERR_HTTP_RATE_LIMITED', `${describe(limit, key, perSecond, burst)}; retry after ${retryAfter} s`, { details: { limit, retryAfter } })
  }

  return {
    take (limit, key) {
      const limiter = limiters.get(limit)
      const k = limit === 'ip' ? addressKey(key) : key
      if (limiter === undefined || limiter.take(k)) return
      refuse(limit, k, limiter.waitMs(k))
    },
    reserveAuthFailure (address) {
      const limiter = limiters.get('authFailures')
      const k = addressKey(address)
      if (limiter === undefined || limiter.take(k)) return
      refuse('authFailures', k, limiter.waitMs(k))
    },
    releaseAuthFailure (address) {
      limiters.get('authFailures')?.refund(addressKey(address))
    },
    prune () {
      for (const limiter of limiters.values()) limiter.prune()
      const t = now()
      // Kept a while longer when lines were suppressed, so the next line can say how many.
      for (const [id, entry] of logged) if (t - entry.at >= (entry.suppressed > 0 ? 10 : 1) * LOG_EVERY_MS) logged.delete(id)
    }
  }
}
