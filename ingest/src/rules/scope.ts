// A rule's scope: which sites, devices and reading kinds it looks at. Patterns are globs:
// `*` any run of characters, `?` one character; anything else is literal.
import type { Kind } from '@shennong/core/catalog.ts'

export interface ScopeConfig {
  sites: readonly string[]
  devices: readonly string[]
  kinds: readonly Kind[]
}

export type Matcher = (value: string) => boolean

export function compileGlobs (patterns: readonly string[]): Matcher {
  if (patterns.includes('*')) return () => true
  const exact = new Set(patterns.filter(p => !/[*?]/.test(p)))
  const regexes = patterns.filter(p => /[*?]/.test(p)).map(p =>
    new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$'))
  if (regexes.length === 0) return value => exact.has(value)
  return value => exact.has(value) || regexes.some(r => r.test(value))
}

export interface Scope {
  site: Matcher
  device: Matcher
  kinds: ReadonlySet<string>
  matches: (site: string, device: string, kind: string) => boolean
}

export function compileScope (config: ScopeConfig): Scope {
  const site = compileGlobs(config.sites)
  const device = compileGlobs(config.devices)
  const kinds = new Set<string>(config.kinds)
  return { site, device, kinds, matches: (s, d, k) => kinds.has(k) && site(s) && device(d) }
}
