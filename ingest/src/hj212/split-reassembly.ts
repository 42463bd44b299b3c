// Split packets (spec/hj212.md §4.2): parts share MN, CN, DataTime and PNUM, each with its own QN
// and PNO. Parts are held per (MN, CN, DataTime, PNUM) until all PNO arrived, then released as one
// record; after `timeoutMs` what arrived is released and the missing parts are reported. Never by QN.
import type { Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import type { DataRecord } from './semantics.ts'

export interface SplitPart {
  packet: Hj212Packet
  record: DataRecord
}

export interface SplitRelease {
  key: string
  parts: SplitPart[]
  /** PNO values that never arrived (empty when complete). */
  missing: number[]
  pnum: number
}

export interface SplitReassembler {
  /** Adds a part; returns the release when this part completes its group. */
  add: (mn: string, part: SplitPart) => SplitRelease | undefined
  /** Releases every group now (connection closing). */
  flushAll: () => SplitRelease[]
  readonly pending: number
  close: () => void
}

export function createSplitReassembler (timeoutMs: number, onTimeout: (release: SplitRelease) => void): SplitReassembler {
  const groups = new Map<string, { pnum: number, parts: Map<number, SplitPart>, timer: NodeJS.Timeout }>()
  const release = (key: string): SplitRelease | undefined => {
    const g = groups.get(key)
    if (g === undefined) return undefined
    clearTimeout(g.timer)
    groups.delete(key)
    const missing: number[] = []
    for (let i = 1; i <= g.pnum; i++) if (!g.parts.has(i)) missing.push(i)
    return { key, pnum: g.pnum, missing, parts: [...g.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p) }
  }
  return {
    add (mn, part) {
      const pnum = part.packet.pnum!
      const key = `${mn}\u0000${part.record.cn}\u0000${part.record.dataTime}\u0000${pnum}`
      let g = groups.get(key)
      if (g === undefined) {
        const timer = setTimeout(() => {
          const r = release(key)
          if (r !== undefined) onTimeout(r)
        }, timeoutMs)
        timer.unref()
        g = { pnum, parts: new Map(), timer }
        groups.set(key, g)
      }
      g.parts.set(part.packet.pno!, part) // a re-sent part replaces the earlier copy
      return g.parts.size === pnum ? release(key) : undefined
    },
    flushAll () {
      return [...groups.keys()].map(k => release(k)).filter((r): r is SplitRelease => r !== undefined)
    },
    get pending () { return groups.size },
    close () {
      for (const g of groups.values()) clearTimeout(g.timer)
      groups.clear()
    }
  }
}
