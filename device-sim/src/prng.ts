// A seeded pseudo-random generator: mulberry32 (Tommy Ettinger's 32-bit generator), small, fast and
// good enough for simulation. Every random choice in the simulator comes from a Prng derived from
// the run's seed, so a seed reproduces a run byte for byte.

export interface Prng {
  /** Uniform in [0, 1). */
  next: () => number
  /** Uniform in [min, max). */
  range: (min: number, max: number) => number
  /** Integer in [0, n). */
  int: (n: number) => number
  /** Standard normal (Box–Muller), times `sd`. */
  normal: (sd?: number) => number
}

export function createPrng (seed: number): Prng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: n => Math.floor(next() * n),
    normal: (sd = 1) => {
      const u = 1 - next()
      const v = next()
      return sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    }
  }
}

/** FNV-1a over the parts: derives independent seeds (per device, per site) from the run's seed. */
export function hashSeed (...parts: Array<string | number>): number {
  let h = 0x811c9dc5
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0) ?? 0
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** A deterministic value in [0, 1) for (seed, bucket): random, yet the same whenever asked. */
export function hashUnit (seed: number, bucket: number): number {
  return createPrng(hashSeed(seed, bucket)).next()
}
