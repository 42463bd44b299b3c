// Durations in configuration are strings with units ("500ms", "5s", "2m", "1h", "7d").
import { ShennongError } from './errors.ts'

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function parseDuration (text: string | number): number {
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return text
  const m = typeof text === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim()) : null
  if (m === null) {
    throw new ShennongError('ERR_DURATION_INVALID', `"${String(text)}" is not a duration: write a number with a unit, e.g. "500ms", "5s", "2m", "1h", "7d"`)
  }
  return Math.round(Number(m[1]) * units[m[2]])
}

export function formatDuration (ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}
