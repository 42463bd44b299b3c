// Sizes in configuration are strings with units ("512MB", "64kB", "1GB") or plain byte counts.
import { ShennongError } from '@shennong/core/errors.ts'

const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

export function parseSize (text: string | number): number {
  if (typeof text === 'number' && Number.isInteger(text) && text >= 0) return text
  const m = typeof text === 'string' ? /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i.exec(text.trim()) : null
  if (m === null) throw new ShennongError('ERR_EDGE_CONFIG', `"${String(text)}" is not a size: write a number with a unit, e.g. "64kB", "512MB", "1GB"`)
  return Math.round(Number(m[1]) * units[m[2].toLowerCase()])
}
