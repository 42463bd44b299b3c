// Fault injection. A spec maps a fault kind to a rate (a probability per normal message, written
// with a decimal point: `malformed=0.01`, `duplicate=1.0`) or a count (a whole number:
// `duplicate=3`, spread evenly over the planned messages). Most faults are extra messages carrying
// one faulty reading, so good readings are never spoilt; each faulty reading takes the device's next
// `seq`. `duplicate` re-sends a normal message as is; `burst` makes a gateway hold its messages for
// some ticks and then release them all at once (valid readings, arriving in a rush).
import { CATALOG } from '../../core/src/catalog.ts'
import { ShennongError } from '../../core/src/errors.ts'
import type { Reading } from '../../core/src/reading.ts'
import type { Prng } from './prng.ts'

export const FAULT_KINDS = ['malformed', 'wrong_type', 'unknown_metric', 'out_of_range', 'future_ts', 'zoneless_ts', 'duplicate', 'burst'] as const
export type FaultKind = typeof FAULT_KINDS[number]

/** Faults whose reading is valid and lands in storage (out-of-range values are flagged `bad` by QC). */
export const STORABLE_FAULTS: ReadonlySet<FaultKind> = new Set(['out_of_range', 'duplicate', 'burst'])

/** The metric no catalog kind has. */
export const UNKNOWN_METRIC = 'unknown_sim_metric'

export type FaultRate = { rate: number } | { count: number }
export type FaultSpec = Partial<Record<FaultKind, FaultRate>>

function isFaultKind (value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value)
}

export function parseFaults (text: string): FaultSpec {
  const spec: FaultSpec = {}
  const problems: string[] = []
  for (const part of text.split(',').map(s => s.trim()).filter(s => s !== '')) {
    const [name, value = ''] = part.split('=')
    if (!isFaultKind(name)) { problems.push(`unknown fault "${name}"; one of ${FAULT_KINDS.join(', ')}`); continue }
    const n = Number(value)
    if (value === '' || !Number.isFinite(n) || n < 0) { problems.push(`fault ${name}: "${value}" is neither a rate (0.01) nor a count (5)`); continue }
    if (value.includes('.') || n < 1) {
      if (n > 1) { problems.push(`fault ${name}: a rate is at most 1.0, got ${value}`); continue }
      spec[name] = { rate: n }
    } else spec[name] = { count: n }
  }
  if (problems.length > 0) throw new ShennongError('ERR_SIM_OPTIONS', problems.join('\n'))
  return spec
}

export interface FaultPlan {
  /** The faults to inject after normal message number `index` (0-based). */
  decide: (index: number) => FaultKind[]
}

/**
 * Rates draw from `rng` once per kind per message, in a fixed order; counts sit at evenly spaced
 * message indices over `plannedMessages` (every 10th message when the run has no known end).
 */
export function createFaultPlan (spec: FaultSpec, rng: Prng, plannedMessages: number | undefined): FaultPlan {
  const at = new Map<number, FaultKind[]>()
  for (const kind of FAULT_KINDS) {
    const r = spec[kind]
    if (r === undefined || !('count' in r)) continue
    for (let k = 0; k < r.count; k++) {
      const index = plannedMessages !== undefined && plannedMessages > 0
        ? Math.floor((k + 0.5) * plannedMessages / r.count)
        : (k + 1) * 10
      at.set(index, [...(at.get(index) ?? []), kind])
    }
  }
  return {
    decide (index: number): FaultKind[] {
      const out = [...(at.get(index) ?? [])]
      for (const kind of FAULT_KINDS) {
        const r = spec[kind]
        if (r !== undefined && 'rate' in r && rng.next() < r.rate) out.push(kind)
      }
      return out
    }
  }
}

/** Local wall-clock text in China Standard Time without a zone: what a misconfigured logger sends. */
function zoneless (ts: number): string {
  return new Date(ts + 8 * 3_600_000).toISOString().slice(0, 19)
}

/**
 * The payload of one faulty reading built from a good one. `now` is the wall clock (a "future"
 * timestamp must be in the future for the receiver, whatever the simulated time).
 */
export function buildFaultyPayload (kind: Exclude<FaultKind, 'duplicate' | 'burst'>, reading: Reading, rng: Prng, now: number): string {
  const metricNames = Object.keys(reading.metrics)
  const metric = metricNames[rng.int(metricNames.length)]
  const out: Record<string, unknown> = { ...reading, metrics: { ...reading.metrics } }
  const metrics = out.metrics as Record<string, unknown>
  switch (kind) {
    case 'malformed': {
      // A prefix of a JSON object is never valid JSON: the message was cut short.
      const text = JSON.stringify(reading)
      return text.slice(0, Math.max(1, Math.floor(text.length * rng.range(0.3, 0.9))))
    }
    case 'wrong_type':
      metrics[metric] = String(reading.metrics[metric])
      break
    case 'unknown_metric':
      metrics[UNKNOWN_METRIC] = Math.round(rng.range(0, 100))
      break
    case 'out_of_range': {
      const spec = CATALOG[reading.kind][metric]
      metrics[metric] = spec.max * 10 + 1
      break
    }
    case 'future_ts':
      out.ts = now + 30 * 86_400_000
      break
    case 'zoneless_ts':
      out.ts = zoneless(reading.ts)
      break
  }
  return JSON.stringify(out)
}
