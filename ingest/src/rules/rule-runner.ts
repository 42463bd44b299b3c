// Runs one rule over one reading or one tick, against the rule's subject states. Shared by the
// engine and the golden tests, so a golden case exercises the path the engine takes.
import type { Reading } from '@shennong/core/reading.ts'
import type { AlertSignal, IndexObservation, TickContext } from './rule-kind.ts'
import { usableMetrics } from './reading-filter.ts'
import type { LoadedRule } from './rule-set.ts'

/** A subject's state with where it was last seen (alerts raised by a tick need a site and device). */
export interface SubjectRecord {
  state: unknown
  site: string
  device: string
}

export interface Fired {
  rule: LoadedRule
  subject: string
  site: string
  device: string
  signal: AlertSignal
}

/** An index observation with the subject's rule, site and device. */
export interface Observed {
  rule: LoadedRule
  subject: string
  site: string
  device: string
  observation: IndexObservation
}

export interface ReadingResult {
  fired: Fired[]
  observed: Observed[]
  /** Subjects whose state changed (to persist). */
  dirty: string[]
  /** Values the rule could not use (flags, range). */
  skipped: number
}

const NONE: ReadingResult = { fired: [], observed: [], dirty: [], skipped: 0 }

export function runReading (rule: LoadedRule, subjects: Map<string, SubjectRecord>, reading: Reading, site: string): ReadingResult {
  if (!rule.enabled || !rule.scope.matches(site, reading.device, reading.kind)) return NONE
  const { metrics, skipped } = usableMetrics(reading, rule.suspect)
  const view = { ...reading, metrics, site }
  const def = rule.definition
  const subject = def.subject(rule.config, view)
  if (subject === null) return { fired: [], observed: [], dirty: [], skipped }
  let record = subjects.get(subject)
  if (record === undefined) {
    record = { state: def.initial(rule.config), site, device: reading.device }
    subjects.set(subject, record)
  }
  const out = def.evaluate(rule.config, record.state, view)
  const moved = record.site !== site || record.device !== reading.device
  const changed = out.state !== record.state || moved
  record.state = out.state
  record.site = site
  record.device = reading.device
  return {
    fired: out.alerts.map(signal => ({ rule, subject, site, device: reading.device, signal })),
    observed: (out.indices ?? []).map(observation => ({ rule, subject, site, device: reading.device, observation })),
    dirty: changed ? [subject] : [],
    skipped
  }
}

export function runTick (rule: LoadedRule, subjects: Map<string, SubjectRecord>, now: number, ctx: TickContext): { fired: Fired[], observed: Observed[], dirty: string[] } {
  const tick = rule.definition.tick
  if (tick === undefined || !rule.enabled) return { fired: [], observed: [], dirty: [] }
  const fired: Fired[] = []
  const observed: Observed[] = []
  const dirty: string[] = []
  for (const [subject, record] of subjects) {
    const out = tick(rule.config, record.state, now, ctx)
    if (out.state !== record.state) { record.state = out.state; dirty.push(subject) }
    for (const signal of out.alerts) fired.push({ rule, subject, site: record.site, device: record.device, signal })
    for (const observation of out.indices ?? []) observed.push({ rule, subject, site: record.site, device: record.device, observation })
  }
  return { fired, observed, dirty }
}
