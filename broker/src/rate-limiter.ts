// Per-principal token buckets (limits.publishRate): `burst` tokens, refilled at `perSecond`.
// Every connection of one principal draws from the same bucket.

export interface RateLimiter {
  /** Takes one token for this key; false when the bucket is empty. */
  take: (key: string) => boolean
  /** Forgets idle buckets (full again anyway). */
  prune: () => void
}

export function createRateLimiter (options: { perSecond: number, burst: number, now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now
  const buckets = new Map<string, { tokens: number, at: number }>()
  const refill = (b: { tokens: number, at: number }, t: number): void => {
    b.tokens = Math.min(options.burst, b.tokens + ((t - b.at) * options.perSecond) / 1000)
    b.at = t
  }
  return {
    take (key) {
      const t = now()
      let b = buckets.get(key)
      if (b === undefined) {
        b = { tokens: options.burst, at: t }
        buckets.set(key, b)
      } else {
        refill(b, t)
      }
      if (b.tokens < 1) return false
      b.tokens -= 1
      return true
    },
    prune () {
      const t = now()
      for (const [key, b] of buckets) {
        refill(b, t)
        if (b.tokens >= options.burst) buckets.delete(key)
      }
    }
  }
}
