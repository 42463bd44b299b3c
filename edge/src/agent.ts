// The edge agent, assembled from its config: sources under runners, the spool (core's durable
// queue), the seq store, the clock monitor, the uplink and command handling. `createAgent` does no
// I/O; `start` opens everything. main.ts is the only caller outside tests.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createSqliteQueue } from '@shennong/core/queue/sqlite-queue.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { Reading, Flag } from '@shennong/core/reading.ts'
import type { EdgeConfig } from './config.ts'
import type { ReadingDraft, Source, SourceDefinition } from './sources/source.ts'
import { createRunner, type Runner, type DeviceStats } from './runner.ts'
import { openSeqStore, type SeqStore } from './seq-store.ts'
import { createClockMonitor, type ClockMonitor } from './clock.ts'
import { createUplink, UPLINK_CONSUMER, type Uplink } from './uplink.ts'
import { parseSize } from './size.ts'
import { createCommandMemory, handleCommand, type CommandTarget } from './command.ts'

export interface AgentDeps {
  logger: Logger
  now?: () => number
  /** The definitions of the source kinds the config uses (`loadSources(config.sources)`). */
  sources: Record<string, SourceDefinition>
}

export interface Agent {
  start: () => Promise<void>
  stop: () => Promise<void>
  status: () => Promise<Record<string, unknown>>
  /** Stamps seq and ts and spools the drafts; resolves once they are committed. */
  record: (drafts: ReadingDraft[]) => Promise<Reading[]>
}

interface Unit { name: string, kind: string, source: Source, runner: Runner }

export function createAgent (config: EdgeConfig, deps: AgentDeps): Agent {
  const { logger } = deps
  const now = deps.now ?? Date.now
  const registry = deps.sources
  const clock: ClockMonitor = createClockMonitor({
    saneAfterMs: Date.parse(config.clock.saneAfter),
    jumpThresholdMs: parseDuration(config.clock.jumpThreshold),
    holdMs: parseDuration(config.clock.hold),
    now
  })

  // Build every source first (validation and precomputation, no I/O): all problems at once.
  const problems: string[] = []
  const built: Array<{ name: string, kind: string, source: Source }> = []
  const names = new Set<string>()
  for (const [kind, list] of Object.entries(config.sources) as Array<[string, unknown[] | undefined]>) {
    const def = registry[kind]
    if (def === undefined && (list?.length ?? 0) > 0) { problems.push(`sources.${kind}: no source definition loaded for this kind`); continue }
    for (const item of list ?? []) {
      const name = (item as { name: string }).name
      if (names.has(name)) problems.push(`sources.${kind}: the name "${name}" is used twice`)
      names.add(name)
      try { built.push({ name, kind, source: def.create(item as never, { name }) }) } catch (err) { problems.push((err as Error).message) }
    }
  }
  const owners = new Map<string, string>()
  for (const b of built) {
    for (const d of b.source.devices) {
      if (owners.has(d) && owners.get(d) !== b.name) problems.push(`device ${d} appears in sources ${owners.get(d)} and ${b.name}; a device id belongs to one source`)
      owners.set(d, b.name)
    }
  }
  if (problems.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `edge config has ${problems.length} problem(s):\n${problems.map(p => `  - ${p}`).join('\n')}`)

  let spool: DurableQueue | undefined
  let seq: SeqStore | undefined
  let uplink: Uplink | undefined
  let units: Unit[] = []
  const commandMemory = createCommandMemory()
  const counters = { taken: 0, lostSpoolFull: 0, droppedOverflow: 0, droppedExpired: 0 }

  async function record (drafts: ReadingDraft[]): Promise<Reading[]> {
    if (spool === undefined || seq === undefined) throw new ShennongError('ERR_QUEUE_CLOSED', 'the agent is not running')
    const clockState = clock.check()
    const t = now()
    const readings: Reading[] = drafts.map(d => {
      const reading: Reading = { device: d.device, kind: d.kind, ts: d.ts ?? t, seq: (seq as SeqStore).next(d.device), metrics: d.metrics }
      let flags: Record<string, Flag> | undefined = d.flags
      if (clockState !== 'synchronised') {
        // An unsynchronised or jumping gateway clock makes every timestamp it gave suspect.
        flags = { ...flags }
        for (const m of Object.keys(d.metrics)) if (flags[m] === undefined || flags[m] === 'ok') flags[m] = 'suspect'
      }
      if (flags !== undefined && Object.keys(flags).length > 0) reading.flags = flags
      return reading
    })
    try {
      await spool.append(readings.map(r => ({ meta: `${r.device} ${r.seq}`, payload: Buffer.from(JSON.stringify({ ...r, source: undefined })) })))
    } catch (err) {
      counters.lostSpoolFull += readings.length
      throw new ShennongError('ERR_SPOOL_FULL', `spool refused ${readings.length} reading(s): ${(err as Error).message}`, { cause: err })
    }
    seq.commit()
    counters.taken += readings.length
    return readings
  }

  /** A crash between the spool commit and the seq commit must not reuse numbers: seed from the spool. */
  async function recoverSeq (q: DurableQueue, store: SeqStore): Promise<void> {
    for (;;) {
      const batch = await q.read(UPLINK_CONSUMER, 10_000)
      if (batch.length === 0) break
      for (const e of batch) {
        const [device, n] = e.meta.split(' ')
        store.seed(device, Number(n))
      }
    }
    q.rewind(UPLINK_CONSUMER)
    store.commit()
  }

  function sourceStatus (): Record<string, { kind: string, devices: Record<string, DeviceStats> }> {
    const out: Record<string, { kind: string, devices: Record<string, DeviceStats> }> = {}
    for (const u of units) out[u.name] = { kind: u.kind, devices: u.runner.stats() }
    return out
  }

  async function status (): Promise<Record<string, unknown>> {
    const s = spool === undefined ? undefined : await spool.stats()
    return {
      spool: s === undefined
        ? null
        : { depth: s.depth, bytes: s.bytes, oldestUnsentAgeMs: s.oldestAppendedAt === null ? 0 : Math.max(0, now() - s.oldestAppendedAt), dropped: s.dropped },
      readings: { ...counters },
      uplink: uplink?.stats() ?? null,
      clock: clock.status(),
      sources: sourceStatus()
    }
  }

  const targets = (): CommandTarget[] => units.map(u => ({ devices: u.source.devices, execute: u.source.execute, exclusive: u.runner.exclusive }))

  return {
    record,
    status,
    async start () {
      mkdirSync(config.dataDir, { recursive: true })
      spool = createSqliteQueue({
        path: join(config.dataDir, 'spool.db'),
        consumers: [UPLINK_CONSUMER],
        limits: {
          maxBytes: parseSize(config.spool.maxSize),
          maxAgeMs: parseDuration(config.spool.maxAge),
          onFull: config.spool.onFull,
          backpressureTimeoutMs: parseDuration(config.spool.waitForRoom)
        },
        sync: config.spool.sync,
        groupCommitMs: parseDuration(config.spool.groupCommit),
        now
      })
      spool.onDrop((count, reason) => {
        if (reason === 'overflow') counters.droppedOverflow += count
        else counters.droppedExpired += count
        logger.warn('spool dropped readings', { count, reason, policy: config.spool.onFull })
      })
      seq = openSeqStore(join(config.dataDir, 'seq.db'))
      await recoverSeq(spool, seq)
      const q = spool
      uplink = createUplink({
        url: config.uplink.url,
        clientId: config.uplink.clientId ?? config.id,
        site: config.site,
        id: config.id,
        username: config.uplink.username ?? (config.uplink.password !== undefined ? config.id : undefined),
        password: config.uplink.password,
        tls: config.uplink.tls,
        batch: { maxReadings: config.uplink.batch.maxReadings, maxBytes: parseSize(config.uplink.batch.maxBytes), maxDelayMs: parseDuration(config.uplink.batch.maxDelay) },
        inflight: config.uplink.inflight,
        keepaliveS: Math.max(1, Math.round(parseDuration(config.uplink.keepalive) / 1000)),
        connectTimeoutMs: parseDuration(config.uplink.connectTimeout),
        reconnect: { minMs: parseDuration(config.uplink.reconnect.min), maxMs: parseDuration(config.uplink.reconnect.max), jitter: config.uplink.reconnect.jitter },
        statusIntervalMs: parseDuration(config.uplink.statusInterval)
      }, {
        spool: q,
        logger: logger.child('uplink'),
        status,
        now,
        onCommand: payload => {
          handleCommand(payload, targets(), now, commandMemory).then(result => uplink?.publishCommandResult(result), (err: Error) => logger.error('command handling failed', { err }))
        }
      })
      const runnerConfig = config.runner
      units = built.map(b => ({
        ...b,
        runner: createRunner({
          name: b.name,
          kind: b.kind,
          source: b.source,
          record: async drafts => { await record(drafts) },
          pollTimeoutMs: parseDuration(runnerConfig.pollTimeout),
          backoffAfter: runnerConfig.backoffAfter,
          maxBackoffMs: parseDuration(runnerConfig.maxBackoff),
          now,
          onError: (device, what, err) => logger.debug('source fault', { source: b.name, device, what, err })
        })
      }))
      for (const u of units) {
        try {
          await u.runner.start()
        } catch (err) {
          // A unit's fatal error stops that unit, not the process.
          logger.error('source failed to start', { source: u.name, err: err as Error })
        }
      }
      uplink.start()
      logger.info('edge agent started', { site: config.site, id: config.id, sources: units.map(u => u.name) })
    },
    async stop () {
      for (const u of units) await u.runner.stop().catch((err: Error) => logger.warn('source stop failed', { source: u.name, err }))
      await uplink?.stop()
      await spool?.close()
      seq?.close()
      spool = undefined
      seq = undefined
    }
  }
}
