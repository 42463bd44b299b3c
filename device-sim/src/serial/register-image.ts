// Fills a simulated slave's registers from metric values through a device profile (the YAML data
// the edge ships). The encoding here is written independently of the edge's decoder, so a test
// through both catches a mistake in either.
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'

export interface ProfilePoint {
  metric: string
  function: 3 | 4
  register: number
  type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32'
  wordOrder?: 'ABCD' | 'CDAB' | 'BADC' | 'DCBA'
  scale?: number
  offset?: number
}

export interface ProfileData { kind: string, address?: number, points: ProfilePoint[] }

export function readProfile (path: string): ProfileData {
  return parseYaml(readFileSync(path, 'utf8')) as ProfileData
}

/** Registers (function → register → value) that make the profile read back `metrics`. */
export function encodeMetrics (profile: ProfileData, metrics: Record<string, number>): Array<{ function: 3 | 4, register: number, value: number }> {
  const out: Array<{ function: 3 | 4, register: number, value: number }> = []
  for (const p of profile.points) {
    const value = metrics[p.metric]
    if (value === undefined) continue
    const raw = (value - (p.offset ?? 0)) / (p.scale ?? 1)
    const bytes = Buffer.alloc(4)
    let words: number[]
    if (p.type === 'uint16' || p.type === 'int16') {
      words = [Math.round(raw) & 0xffff]
    } else {
      if (p.type === 'float32') bytes.writeFloatBE(raw, 0)
      else if (p.type === 'int32') bytes.writeInt32BE(Math.round(raw), 0)
      else bytes.writeUInt32BE(Math.round(raw) >>> 0, 0)
      const order = p.wordOrder ?? 'ABCD'
      // A B C D are the bytes of the big-endian pattern; the order names how they sit in two registers.
      const [a, b, c, d] = bytes
      const seq = { ABCD: [a, b, c, d], CDAB: [c, d, a, b], BADC: [b, a, d, c], DCBA: [d, c, b, a] }[order]
      words = [(seq[0] << 8) | seq[1], (seq[2] << 8) | seq[3]]
    }
    words.forEach((w, i) => out.push({ function: p.function, register: p.register + i, value: w }))
  }
  return out
}
