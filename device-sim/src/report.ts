// What a run sent and what the far end acknowledged, per device, as compact `seq` ranges: the
// record a test compares with storage. `acknowledgedSeq` is the set of readings expected in storage
// (valid readings whose message was acknowledged, out-of-range ones included: QC flags them `bad`
// but stores them); `faultySeq` holds the readings built to fail validation (expected in quarantine).
import type { Kind } from '../../core/src/catalog.ts'
import type { FaultKind } from './faults.ts'
import type { GatewayPlan } from './fleet-plan.ts'

export type SeqRanges = Array<[number, number]>

/** Sorted, de-duplicated, consecutive runs: [1,2,3,5] → [[1,3],[5,5]]. */
export function compactRanges (seqs: Iterable<number>): SeqRanges {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b)
  const out: SeqRanges = []
  for (const s of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && s === last[1] + 1) last[1] = s
    else out.push([s, s])
  }
  return out
}

/** Expands ranges back to the numbers: for checks in tests and tools. */
export function expandRanges (ranges: SeqRanges): number[] {
  const out: number[] = []
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) out.push(s)
  return out
}

export interface DeviceReport {
  kind: Kind
  site: string
  gateway: string
  /** Valid readings sent (each seq once, however often it was re-sent). */
  sent: number
  acknowledged: number
  seq: SeqRanges
  acknowledgedSeq: SeqRanges
  faultySeq: SeqRanges
}

export interface FaultReport {
  messages: number
  readings: number
  acknowledged: number
  notAcknowledged: number
  seq: Record<string, SeqRanges>
}

export type StopReason = 'duration' | 'messages' | 'signal' | 'error'

export interface SimReport {
  transport: string
  seed: number
  stoppedBy: StopReason
  startedAt: string
  finishedAt: string
  simulated: { from: string, to: string, intervalMs: number, speed: number | 'max', perMessage: number }
  /** All messages; `faulty` counts those built to fail validation. */
  messages: { sent: number, acknowledged: number, notAcknowledged: number, faulty: number }
  readings: { sent: number, acknowledged: number, faulty: number }
  devices: Record<string, DeviceReport>
  faults: Partial<Record<FaultKind, FaultReport>>
  errors: Record<string, Record<string, number>>
}

/** One message as the report sees it. */
export interface SentMessage {
  readings: Array<{ device: string, seq: number }>
  fault?: FaultKind
  /** Its readings are valid and expected in storage once acknowledged. */
  storable: boolean
}

interface DeviceTally { sent: number[], acked: Set<number>, faulty: number[] }

export interface ReportBuilder {
  onSent: (message: SentMessage) => void
  onResult: (message: SentMessage, acknowledged: boolean) => void
  build: (fields: Pick<SimReport, 'transport' | 'seed' | 'stoppedBy' | 'startedAt' | 'finishedAt' | 'simulated' | 'errors'>) => SimReport
}

export function createReportBuilder (gateways: readonly GatewayPlan[]): ReportBuilder {
  const tallies = new Map<string, DeviceTally>()
  for (const g of gateways) for (const d of g.devices) tallies.set(d.id, { sent: [], acked: new Set(), faulty: [] })
  const faults: Partial<Record<FaultKind, { messages: number, readings: number, acknowledged: number, notAcknowledged: number, seq: Map<string, number[]> }>> = {}
  const messages = { sent: 0, acknowledged: 0, notAcknowledged: 0, faulty: 0 }
  const faultFor = (kind: FaultKind) => (faults[kind] ??= { messages: 0, readings: 0, acknowledged: 0, notAcknowledged: 0, seq: new Map() })
  return {
    onSent (m: SentMessage): void {
      messages.sent++
      if (!m.storable) messages.faulty++
      if (m.fault !== undefined) {
        const f = faultFor(m.fault)
        f.messages++
        f.readings += m.readings.length
        for (const r of m.readings) {
          const list = f.seq.get(r.device)
          if (list === undefined) f.seq.set(r.device, [r.seq])
          else list.push(r.seq)
        }
      }
      if (m.fault === 'duplicate') return
      for (const r of m.readings) {
        const t = tallies.get(r.device)
        if (t === undefined) continue
        if (m.storable) t.sent.push(r.seq)
        else t.faulty.push(r.seq)
      }
    },
    onResult (m: SentMessage, acknowledged: boolean): void {
      if (acknowledged) messages.acknowledged++
      else messages.notAcknowledged++
      if (m.fault !== undefined) {
        const f = faultFor(m.fault)
        if (acknowledged) f.acknowledged++
        else f.notAcknowledged++
      }
      if (!acknowledged || !m.storable) return
      for (const r of m.readings) tallies.get(r.device)?.acked.add(r.seq)
    },
    build (fields): SimReport {
      const devices: Record<string, DeviceReport> = {}
      const readings = { sent: 0, acknowledged: 0, faulty: 0 }
      for (const g of gateways) {
        for (const d of g.devices) {
          const t = tallies.get(d.id) as DeviceTally
          const sent = new Set(t.sent).size
          devices[d.id] = {
            kind: d.kind,
            site: d.site,
            gateway: d.gateway,
            sent,
            acknowledged: t.acked.size,
            seq: compactRanges(t.sent),
            acknowledgedSeq: compactRanges(t.acked),
            faultySeq: compactRanges(t.faulty)
          }
          readings.sent += sent
          readings.acknowledged += t.acked.size
          readings.faulty += t.faulty.length
        }
      }
      const faultReport: Partial<Record<FaultKind, FaultReport>> = {}
      for (const [kind, f] of Object.entries(faults) as Array<[FaultKind, NonNullable<typeof faults[FaultKind]>]>) {
        faultReport[kind] = {
          messages: f.messages,
          readings: f.readings,
          acknowledged: f.acknowledged,
          notAcknowledged: f.notAcknowledged,
          seq: Object.fromEntries([...f.seq].map(([dev, seqs]) => [dev, compactRanges(seqs)]))
        }
      }
      return { ...fields, messages: { ...messages }, readings, devices, faults: faultReport }
    }
  }
}

/** The report as indented JSON with each seq range on one line ([1, 500]). */
export function formatReport (report: SimReport): string {
  return JSON.stringify(report, null, 2).replace(/\[\s+(\d+),\s+(\d+)\s+\]/g, '[$1, $2]') + '\n'
}
