// A compiled device profile (profile-loader.ts builds it from YAML) and the register decoding the
// running agent needs: plain data and functions, no schema library.
import type { Kind } from '@shennong/core/catalog.ts'
import type { Flag } from '@shennong/core/reading.ts'

export type ValueType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32'
export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA'

export interface Point {
  metric: string
  function: 3 | 4
  register: number
  type: ValueType
  wordOrder?: WordOrder
  scale: number
  offset: number
  flag?: 'estimated' | 'suspect'
  suspectAbove?: number
  suspectBelow?: number
}

export interface ReadGroup {
  function: 3 | 4
  start: number
  count: number
  points: Array<Point & { at: number, width: number }>
}

export interface Profile {
  name: string
  kind: Kind
  /** The profile document as validated (defaults applied). */
  doc: { model: string, source: string, kind: string, points: Point[] } & Record<string, unknown>
  groups: ReadGroup[]
  prepare: Array<{ register: number, value: number, waitMs: number }>
}

export const widthOf = (type: ValueType): number => type === 'int16' || type === 'uint16' ? 1 : 2

/** spec §4: two registers to one 32-bit pattern, by the profile's word (and byte) order. */
export function decodeValue (regs: number[], type: ValueType, order: WordOrder = 'ABCD'): number {
  if (type === 'uint16') return regs[0]
  if (type === 'int16') return regs[0] >= 0x8000 ? regs[0] - 0x10000 : regs[0]
  const b = Buffer.alloc(4)
  const [r0, r1] = regs
  const hi = order === 'ABCD' || order === 'BADC' ? r0 : r1
  const lo = order === 'ABCD' || order === 'BADC' ? r1 : r0
  b.writeUInt16BE(hi, 0)
  b.writeUInt16BE(lo, 2)
  if (order === 'BADC' || order === 'DCBA') b.swap16()
  if (type === 'uint32') return b.readUInt32BE(0)
  if (type === 'int32') return b.readInt32BE(0)
  return b.readFloatBE(0)
}

export interface DecodedGroup { metrics: Record<string, number>, flags: Record<string, Flag> }

/** Applies scale and offset; rounds away float noise from the scale (0.1 × 225 = 22.5, not 22.500000000000004). */
export function decodeGroup (group: ReadGroup, regs: number[]): DecodedGroup {
  const metrics: Record<string, number> = {}
  const flags: Record<string, Flag> = {}
  for (const p of group.points) {
    const raw = decodeValue(regs.slice(p.at, p.at + p.width), p.type, p.wordOrder)
    if (!Number.isFinite(raw)) continue // NaN/Inf from a float32 register: no value, never a number
    const value = p.type === 'float32' ? raw * p.scale + p.offset : Number((raw * p.scale + p.offset).toPrecision(12))
    metrics[p.metric] = p.type === 'float32' ? Number(value.toPrecision(7)) : value
    if (p.flag !== undefined) flags[p.metric] = p.flag
    if ((p.suspectAbove !== undefined && value > p.suspectAbove) || (p.suspectBelow !== undefined && value < p.suspectBelow)) flags[p.metric] = 'suspect'
  }
  return { metrics, flags }
}
