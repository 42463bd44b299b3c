// Golden cases (STYLE "A rule kind"): a folder `testcases/<behaviour>/` holds `rule.yaml` (one
// rule), `readings.ndjson` (input lines) and `expected-alerts.ndjson` (what the kind must signal,
// in order). Input lines are readings (with `site`, default "site-a"; `ts` in epoch ms or RFC 3339),
// `{"tick": ts}` (the engine's timer) or `{"restart": ts}` (state goes through JSON, as through
// rules.db, and the engine's start time becomes ts). Expected lines list only the fields that
// matter: action, subject, severity, value (±1e-6), ts, seq, messageIncludes, details (subset).
// A case may also hold `expected-indices.ndjson`: the index observations (aqi, water_class) in
// order, each naming index, subject, site, device, ts and values (subset; integers as {"int": n}).
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { parseTimestamp, type Reading } from '@shennong/core/reading.ts'
import { compileRule, type LoadedRule } from './rule-set.ts'
import { runReading, runTick, type Fired, type Observed, type SubjectRecord } from './rule-runner.ts'

export interface GoldenCase {
  name: string
  dir: string
}

export function listGoldenCases (kindDir: string): GoldenCase[] {
  const root = join(kindDir, 'testcases')
  return readdirSync(root, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => ({ name: d.name, dir: join(root, d.name) })).sort((a, b) => a.name.localeCompare(b.name))
}

function ms (value: unknown, where: string): number {
  const t = parseTimestamp(value)
  if (typeof t === 'string') throw new Error(`${where}: ${t}`)
  return t
}

function ndjson (file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('//')).map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>
    } catch (err) {
      throw new Error(`${file}:${i + 1}: ${(err as Error).message}`)
    }
  })
}

export function loadGoldenRule (dir: string): LoadedRule {
  const raw = parseYaml(readFileSync(join(dir, 'rule.yaml'), 'utf8'))
  const { rule, issues } = compileRule(raw, 'rule.yaml')
  if (rule === undefined || issues.length > 0) throw new Error(`${dir}/rule.yaml: ${issues.map(i => `${i.path}: ${i.message}`).join('; ')}`)
  return rule
}

function project (fired: Fired): Record<string, unknown> {
  const s = fired.signal
  return {
    action: s.action,
    subject: fired.subject,
    site: fired.site,
    device: fired.device,
    severity: s.action === 'raise' ? s.severity : undefined,
    value: s.value,
    ts: s.ts,
    seq: s.seq,
    message: s.message,
    details: s.action === 'raise' ? s.details ?? {} : {}
  }
}

function projectIndex (o: Observed): Record<string, unknown> {
  return { index: o.observation.index, subject: o.subject, site: o.site, device: o.device, ts: o.observation.ts, values: o.observation.values }
}

/** Runs a golden folder; returns the signals in order (projected to plain objects). */
export function runGolden (dir: string): Array<Record<string, unknown>> {
  return runGoldenAll(dir).signals
}

/** Runs a golden folder; returns the signals and the index observations, each in order. */
export function runGoldenAll (dir: string): { signals: Array<Record<string, unknown>>, indices: Array<Record<string, unknown>> } {
  const rule = loadGoldenRule(dir)
  let subjects = new Map<string, SubjectRecord>()
  let startedAt = 0
  const out: Array<Record<string, unknown>> = []
  const indices: Array<Record<string, unknown>> = []
  ndjson(join(dir, 'readings.ndjson')).forEach((line, i) => {
    const where = `${dir}/readings.ndjson:${i + 1}`
    if ('tick' in line) {
      const r = runTick(rule, subjects, ms(line.tick, where), { startedAt })
      for (const f of r.fired) out.push(project(f))
      for (const o of r.observed) indices.push(projectIndex(o))
      return
    }
    if ('restart' in line) {
      subjects = new Map(JSON.parse(JSON.stringify([...subjects])) as Array<[string, SubjectRecord]>)
      startedAt = ms(line.restart, where)
      return
    }
    const { site = 'site-a', ...rest } = line
    const reading = { ...rest, ts: ms(rest.ts, where), seq: rest.seq ?? i + 1 } as Reading
    const r = runReading(rule, subjects, reading, site as string)
    for (const f of r.fired) out.push(project(f))
    for (const o of r.observed) indices.push(projectIndex(o))
  })
  return { signals: out, indices }
}

/** Whether the case lists its index observations (expected-indices.ndjson). */
export function hasGoldenIndices (dir: string): boolean {
  return existsSync(join(dir, 'expected-indices.ndjson'))
}

/** Like compareGolden, for expected-indices.ndjson. */
export function compareGoldenIndices (dir: string): { actual: Array<Record<string, unknown>>, expected: Array<Record<string, unknown>> } {
  return projectOnto(runGoldenAll(dir).indices, ndjson(join(dir, 'expected-indices.ndjson')), `${dir}/expected-indices.ndjson`)
}

function close (a: unknown, b: unknown): boolean {
  return typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-6 : a === b
}

/** Projects actual signals onto the fields each expected line names; returns both for t.same. */
export function compareGolden (dir: string): { actual: Array<Record<string, unknown>>, expected: Array<Record<string, unknown>> } {
  return projectOnto(runGolden(dir), ndjson(join(dir, 'expected-alerts.ndjson')), `${dir}/expected-alerts.ndjson`)
}

/**
 * Each actual line projected onto the keys its expected line names: `ts` as a time, an object
 * (`details`, `values`) on the keys it lists, `messageIncludes` as a substring of `message`,
 * numbers within 1e-6. A missing or extra line shows as {} on the other side.
 */
function projectOnto (got: Array<Record<string, unknown>>, want: Array<Record<string, unknown>>, file: string): { actual: Array<Record<string, unknown>>, expected: Array<Record<string, unknown>> } {
  const actual: Array<Record<string, unknown>> = []
  const expected: Array<Record<string, unknown>> = []
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const g = got[i]
    const w = want[i]
    if (w === undefined) { actual.push(g); expected.push({}); continue }
    if (g === undefined) { actual.push({}); expected.push(w); continue }
    const a: Record<string, unknown> = {}
    const e: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(w)) {
      if (key === 'ts') { e.ts = ms(value, `${file}:${i + 1}`); a.ts = g.ts; continue }
      if (key === 'messageIncludes') {
        e[key] = value
        a[key] = typeof g.message === 'string' && g.message.includes(String(value)) ? value : g.message
        continue
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const have = (g[key] ?? {}) as Record<string, unknown>
        e[key] = value
        a[key] = Object.fromEntries(Object.keys(value).map(k => [k, have[k]]))
        continue
      }
      e[key] = value
      a[key] = close(g[key], value) ? value : g[key]
    }
    actual.push(a)
    expected.push(e)
  }
  return { actual, expected }
}
