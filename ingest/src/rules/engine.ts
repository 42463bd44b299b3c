// The rule engine (issue 4): its own consumer of the ingest log, so it keeps evaluating while
// InfluxDB is down or slow. Per batch of log entries: decode (site from the topic, device default
// = topic id), evaluate every rule whose scope matches, record alert changes in the alert store
// and hand them to the sinks, persist the changed rule states (rules.db) with the batch's last log
// id, and only then release the entries. Index observations of the kinds (AQI per closed hour, GB
// 3838 class per reading) go to the sinks that store series. A timer ticks the time-based kinds.
// Rule files are reloaded on change (fs.watch + debounce); a rule that keeps its id and kind keeps
// its state.
import { watch, type FSWatcher } from 'node:fs'
import { parseDuration } from '@shennong/core/duration.ts'
import type { DurableQueue, QueueEntry } from '@shennong/core/queue/durable-queue.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { AlertStore } from '../alerts/alert-store.ts'
import type { AlertEvent } from '../alerts/alert.ts'
import type { AlertSink } from '../alerts/sinks/alert-sink.ts'
import type { AlertMetrics } from '../alerts/alert-metrics.ts'
import type { RuleEngineConfig } from './config.ts'
import { loadRuleDir, readRuleDir, type LoadedRule } from './rule-set.ts'
import { runReading, runTick, type Fired, type Observed, type SubjectRecord } from './rule-runner.ts'
import { openRuleStateStore, ruleStatePath, type RuleStateStore, type StoredState } from './rule-state-store.ts'
import type { ConfigIssue } from '@shennong/core/config.ts'
import { zoneVertices, type GeofenceConfig } from './geofence/geofence.ts'
import { createDecodedEntries, type DecodedEntries } from '../pipeline/decoded-entries.ts'

export interface RuleEngineDeps {
  log: DurableQueue
  alerts: AlertStore
  sinks: AlertSink[]
  logger?: Logger
  metrics?: AlertMetrics
  now?: () => number
  /** Decoded entries shared with the process's other log consumers (storage). */
  decoded?: DecodedEntries
}

export interface ReloadResult {
  ok: boolean
  issues: ConfigIssue[]
  rules: number
}

export interface RuleEngine {
  /** Starts consuming the log, the timer and the file watcher. */
  start: () => Promise<void>
  /** Stops after the current batch; persists state. Does not close the log, the store or the sinks. */
  stop: () => Promise<void>
  /** Re-reads the rule directory now; on any problem keeps the rules it has and reports them all. */
  reload: () => ReloadResult
  /** Runs the time-based kinds now (the timer calls this). */
  tick: (now?: number) => void
  rules: () => readonly LoadedRule[]
  /** Entries evaluated since start. */
  evaluated: () => number
}

const NOOP_LOGGER: Logger = { debug () {}, info () {}, warn () {}, error () {}, child: () => NOOP_LOGGER }

export function createRuleEngine (config: RuleEngineConfig, deps: RuleEngineDeps): RuleEngine {
  const logger = deps.logger ?? NOOP_LOGGER
  const now = deps.now ?? Date.now
  const metrics = deps.metrics
  const pollMs = parseDuration(config.pollInterval)
  const tickMs = parseDuration(config.tick)
  const maxFutureMs = parseDuration(config.maxFuture)
  const debounceMs = parseDuration(config.reloadDebounce)
  const decoded = deps.decoded ?? createDecodedEntries({ consumers: 1, maxReadings: 0 })

  let rules: LoadedRule[] = loadRuleDir(config.dir)
  const states = new Map<string, Map<string, SubjectRecord>>()
  // site → device → kind → the enabled rules whose scope matches; starts over past 100 000 targets.
  let byTarget = new Map<string, Map<string, Map<string, LoadedRule[]>>>()
  let targets = 0
  let stateStore: RuleStateStore | null = null
  let watermark = 0
  let startedAt = 0
  let running = false
  let loopDone: Promise<void> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined
  let reloadTimer: NodeJS.Timeout | undefined
  let evaluatedCount = 0
  const dirty = new Map<string, Set<string>>()
  metrics?.rulesLoaded.set(rules.length)

  function markDirty (rule: string, subjects: string[]): void {
    if (subjects.length === 0) return
    let set = dirty.get(rule)
    if (set === undefined) { set = new Set(); dirty.set(rule, set) }
    for (const s of subjects) set.add(s)
  }

  function subjectsOf (rule: LoadedRule): Map<string, SubjectRecord> {
    let m = states.get(rule.id)
    if (m === undefined) { m = new Map(); states.set(rule.id, m) }
    return m
  }

  function rulesFor (site: string, device: string, kind: string): LoadedRule[] {
    let byDevice = byTarget.get(site)
    if (byDevice === undefined) { byDevice = new Map(); byTarget.set(site, byDevice) }
    let byKind = byDevice.get(device)
    if (byKind === undefined) { byKind = new Map(); byDevice.set(device, byKind) }
    let list = byKind.get(kind)
    if (list === undefined) {
      list = rules.filter(r => r.enabled && r.scope.matches(site, device, kind))
      if (++targets > 100_000) { byTarget = new Map(); targets = 0 }
      byKind.set(kind, list)
    }
    return list
  }

  function deliver (event: AlertEvent | null): void {
    if (event === null) return
    metrics?.events.inc({ type: event.type })
    for (const sink of deps.sinks) {
      try {
        sink.deliver(event)
      } catch (err) {
        logger.error('alert sink threw; the event is not lost for the other sinks', { err, sink: sink.name })
      }
    }
  }

  // Alert changes of one batch (or tick) commit together, in one transaction, and reach the sinks
  // only after it: one fsync per batch, and nothing is published that the store does not hold.
  // Index observations (aqi, water_class) go with them, after the alert events, and only to the
  // sinks that store series; like alert events, a sink takes them at once and never holds up the
  // engine. Their point identity (index, site, device, time) makes a re-evaluation overwrite them.
  let committed: Array<AlertEvent | null> = []
  let observed: Observed[] = []

  function inOneTransaction (fn: () => void): void {
    const events: Array<AlertEvent | null> = []
    const observations: Observed[] = []
    committed = events
    observed = observations
    try {
      deps.alerts.batch(fn)
    } finally {
      committed = []
      observed = []
    }
    for (const event of events) deliver(event)
    for (const o of observations) observe(o)
  }

  function observe (o: Observed): void {
    const record = { rule: o.rule.id, site: o.site, device: o.device, observation: o.observation }
    for (const sink of deps.sinks) {
      if (sink.observe === undefined) continue
      try {
        sink.observe(record)
      } catch (err) {
        logger.error('alert sink threw on an index observation', { err, sink: sink.name })
      }
    }
  }

  function apply (fired: Fired): void {
    const { rule, subject, signal } = fired
    const at = now()
    if (signal.action === 'raise') {
      committed.push(deps.alerts.raise({
        rule: rule.id,
        kind: rule.kind,
        subject,
        site: fired.site,
        device: fired.device,
        severity: signal.severity,
        value: signal.value,
        message: signal.message,
        seq: signal.seq,
        ts: signal.ts,
        details: signal.details,
        at
      }))
    } else {
      committed.push(deps.alerts.clear(rule.id, subject, at, `rule:${rule.id}`, signal.message, { value: signal.value, seq: signal.seq, ts: signal.ts }))
    }
  }

  let watermarkSavedAt = 0

  function persist (newWatermark: number | null, removeRules: string[] = []): void {
    if (stateStore === null) return
    const upserts: StoredState[] = []
    for (const [ruleId, subjects] of dirty) {
      const rule = rules.find(r => r.id === ruleId)
      const map = states.get(ruleId)
      if (rule === undefined || map === undefined) continue
      for (const subject of subjects) {
        const record = map.get(subject)
        if (record !== undefined) upserts.push({ rule: ruleId, subject, kind: rule.kind, ...record })
      }
    }
    dirty.clear()
    // With no state change, only the watermark moves: it is saved at most once a second. An older
    // saved watermark is safe: the entries after it were released (nothing comes back) or are
    // evaluated again with the state that was saved for them.
    const t = now()
    if (upserts.length === 0 && removeRules.length === 0 && newWatermark !== null && t - watermarkSavedAt < 1000) {
      watermark = newWatermark
      return
    }
    stateStore.save(upserts, removeRules, newWatermark)
    if (newWatermark !== null) { watermark = newWatermark; watermarkSavedAt = t }
  }

  function evaluateEntry (entry: QueueEntry): void {
    // What cannot be decoded or validated is storage's to quarantine; rules see valid readings only.
    const d = decoded.decode(config.consumer, entry, maxFutureMs)
    if (d.site === null) return
    const site = d.site
    if (d.readings.length > 0) metrics?.readings.inc({}, d.readings.length)
    for (const item of d.readings) {
      const reading = item.reading
      for (const rule of rulesFor(site, reading.device, reading.kind)) {
        let result
        try {
          result = runReading(rule, subjectsOf(rule), reading, site)
        } catch (err) {
          metrics?.ruleErrors.inc({ rule: rule.id })
          logger.error('rule evaluation failed; the reading is skipped for this rule', { err, rule: rule.id })
          continue
        }
        if (result.skipped > 0) metrics?.flaggedSkips.inc({}, result.skipped)
        markDirty(rule.id, result.dirty)
        for (const f of result.fired) apply(f)
        observed.push(...result.observed)
      }
    }
  }

  function processBatch (entries: QueueEntry[]): void {
    const t = now()
    inOneTransaction(() => {
      for (const entry of entries) {
        if (entry.id <= watermark) continue
        evaluateEntry(entry)
        evaluatedCount++
        metrics?.lagSeconds.observe(Math.max(0, t - entry.appendedAt) / 1000)
      }
    })
    persist(entries[entries.length - 1].id)
  }

  async function loop (): Promise<void> {
    while (running) {
      try {
        const entries = await deps.log.read(config.consumer, config.batchEntries, config.batchBytes)
        if (!running) { deps.log.rewind(config.consumer); break }
        if (entries.length === 0) { await deps.log.waitForData(pollMs); continue }
        processBatch(entries)
        await deps.log.release(config.consumer, entries.map(e => e.id))
      } catch (err) {
        if (!running) break
        logger.error('rule engine batch failed; retrying from the last released entry', { err })
        deps.log.rewind(config.consumer)
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    }
  }

  function tick (at = now()): void {
    const ctx = { startedAt }
    inOneTransaction(() => {
      for (const rule of rules) {
        if (rule.definition.tick === undefined || !rule.enabled) continue
        try {
          const out = runTick(rule, subjectsOf(rule), at, ctx)
          markDirty(rule.id, out.dirty)
          for (const f of out.fired) apply(f)
          observed.push(...out.observed)
        } catch (err) {
          metrics?.ruleErrors.inc({ rule: rule.id })
          logger.error('rule tick failed', { err, rule: rule.id })
        }
      }
    })
    if (dirty.size > 0) persist(null)
  }

  // Polygons of the geofence rules for maps (measurement `zone` in the InfluxDB sink), at start and
  // after each reload: the same points are rewritten, so an unchanged zone stays as it was.
  function publishGeometry (): void {
    const records = rules.filter(r => r.kind === 'geofence' && r.enabled).flatMap(r => zoneVertices(r.id, r.config as GeofenceConfig))
    for (const sink of deps.sinks) {
      if (sink.geometry === undefined) continue
      try {
        sink.geometry(records)
      } catch (err) {
        logger.error('alert sink threw on zone geometry', { err, sink: sink.name })
      }
    }
  }

  function reload (): ReloadResult {
    const set = readRuleDir(config.dir)
    if (set.issues.length > 0) {
      metrics?.reloads.inc({ outcome: 'invalid' })
      logger.error('rule files have problems; the rules in force stay as they were', { issues: set.issues.map(i => `${i.path}: ${i.message}`) })
      return { ok: false, issues: set.issues, rules: rules.length }
    }
    const old = new Map(rules.map(r => [r.id, r]))
    const fresh = new Set(set.rules.map(r => r.id))
    const removed: string[] = []
    for (const rule of set.rules) {
      const before = old.get(rule.id)
      if (before !== undefined && before.kind !== rule.kind) { states.delete(rule.id); removed.push(rule.id) }
    }
    for (const id of old.keys()) {
      if (fresh.has(id)) continue
      states.delete(id)
      removed.push(id)
      // A rule that is gone can no longer clear its alerts: resolve them, saying why.
      for (const a of deps.alerts.list({ rule: id, limit: 1000 })) {
        if (a.state !== 'resolved') deliver(deps.alerts.resolve(a.id, 'system', now(), 'rule removed'))
      }
    }
    rules = set.rules
    byTarget = new Map()
    targets = 0
    metrics?.reloads.inc({ outcome: 'ok' })
    metrics?.rulesLoaded.set(rules.length)
    persist(null, removed)
    publishGeometry()
    logger.info('rules reloaded', { rules: rules.length, removed: removed.length })
    return { ok: true, issues: [], rules: rules.length }
  }

  return {
    async start () {
      if (running) return
      stateStore = openRuleStateStore(ruleStatePath(config.dataDir))
      const ids = new Map(rules.map(r => [r.id, r]))
      const orphans = new Set<string>()
      for (const s of stateStore.loadAll()) {
        const rule = ids.get(s.rule)
        if (rule === undefined || rule.kind !== s.kind) { orphans.add(s.rule); continue }
        subjectsOf(rule).set(s.subject, { state: s.state, site: s.site, device: s.device })
      }
      watermark = stateStore.watermark()
      // A new ingest log (ids start again) must not be skipped as if already evaluated.
      if ((await deps.log.stats()).appended < watermark) watermark = 0
      if (orphans.size > 0) stateStore.save([], [...orphans], null)
      startedAt = now()
      running = true
      deps.log.rewind(config.consumer)
      loopDone = loop()
      publishGeometry()
      timer = setInterval(() => { tick() }, tickMs)
      if (config.watch === 'on') {
        try {
          watcher = watch(config.dir, () => {
            clearTimeout(reloadTimer)
            reloadTimer = setTimeout(() => { reload() }, debounceMs)
          })
          watcher.on('error', err => { logger.warn('rule directory watch failed; reload by restart', { err }) })
        } catch (err) {
          logger.warn('cannot watch the rule directory; rules reload only on restart', { err, dir: config.dir })
        }
      }
      logger.info('rule engine started', { rules: rules.length, watermark })
    },
    async stop () {
      if (!running) return
      running = false
      clearInterval(timer)
      clearTimeout(reloadTimer)
      watcher?.close()
      await loopDone
      persist(null)
      stateStore?.close()
      stateStore = null
    },
    reload,
    tick,
    rules: () => rules,
    evaluated: () => evaluatedCount
  }
}
