// Token buckets by key: each key may take `burst` at once, refilled at `perSecond` (fractions
// allowed: 0.5 is one every two seconds). The broker limits publishes per principal with it
// (limits.publishRate), ingest its HTTP requests per principal and per client address
// (http.rateLimit).
//
// Memory is bounded: a bucket that has refilled completely is the same as no bucket, so prune()
// forgets those; and with `maxKeys`, taking for a new key beyond it forgets the least recently used
// bucket first (that key starts full again if it comes back).

export interface RateLimiterOptions {
  /** Tokens added per second; more than 0. */
  perSecond: number
  /** Bucket size, at least 1: what a key may take at once after a quiet spell. */
  burst: number
  /** Buckets kept at most; default unbounded (for keys from a bounded set, such as principals). */
  maxKeys?: number
  now?: () => number
}

export interface RateLimiter {
  /** Takes one token for this key; false (and nothing taken) when the bucket is empty. */
  take: (key: string) => boolean
  /** Gives back a token taken for something that turned out not to count (never beyond the burst). */
  refund: (key: string) => void
  /** Milliseconds until this key has a whole token again; 0 when it has one now. Takes nothing. */
  waitMs: (key: string) => number
  /** Forgets idle buckets (full again anyway). */
  prune: () => void
  /** Buckets currently kept. */
  size: () => number
}

interface Bucket { tokens: number, at: number }

export function createRateLimiter (options: RateLimiterOptions): RateLimiter {
  const { perSecond, burst } = options
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`perSecond must be a finite number above 0 (it is ${perSecond})`)
  if (!(burst >= 1)) throw new RangeError(`burst must be at least 1 (it is ${burst})`)
  const maxKeys = options.maxKeys ?? Infinity
  const now = options.now ?? Date.now
  // Map order is least recently used first: take() moves a key to the end.
  const buckets = new Map<string, Bucket>()
  const refill = (b: Bucket, t: number): void => {
    if (t > b.at) b.tokens = Math.min(burst, b.tokens + ((t - b.at) * perSecond) / 1000)
    b.at = Math.max(b.at, t)
  }
  const prune = (): void => {
    const t = now()
    for (const [key, b] of buckets) {
      refill(b, t)
      if (b.tokens >= burst) buckets.delete(key)
    }
  }
  return {
    take (key) {
      const t = now()
      let b = buckets.get(key)
      if (b === undefined) {
        if (buckets.size >= maxKeys) {
          prune()
          // Still full: forget the least recently used bucket.
          if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string)
        }
        b = { tokens: burst, at: t }
      } else {
        refill(b, t)
        buckets.delete(key)
      }
      buckets.set(key, b)
      if (b.tokens < 1) return false
      b.tokens -= 1
      return true
    },
    refund (key) {
      const b = buckets.get(key)
      if (b === undefined) return
      refill(b, now())
      b.tokens = Math.min(burst, b.tokens + 1)
    },
    waitMs (key) {
      const b = buckets.get(key)
      if (b === undefined) return 0
      refill(b, now())
      return b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) * 1000) / perSecond)
    },
    prune,
    size: () => buckets.size
  }
}
