// A fleet: devices grouped under site gateways, ticking through simulated time. Every
// `intervalMs` of simulated time each device takes a reading (`ts` is simulated time; `speed`
// compresses wall time, so days can be backfilled in minutes); a gateway batches `perMessage`
// readings into one message (a JSON array; a lone reading when perMessage is 1), stamps each
// reading's `seq` when its message is formed, and sends it through the transport with at most
// `window` messages unacknowledged. Faults are injected per the fault plan. `run` resolves with the
// report once the run ends (duration, message count or stop) and in-flight messages are settled.
import type { Kind } from '../../core/src/catalog.ts'
import type { Logger } from '../../core/src/logger.ts'
import type { Reading } from '../../core/src/reading.ts'
import type { GatewayCredential } from './credentials.ts'
import { buildFaultyPayload, createFaultPlan, STORABLE_FAULTS, type FaultKind, type FaultSpec } from './faults.ts'
import { planFleet, type DevicePlan, type GatewayPlan } from './fleet-plan.ts'
import { createClimate, type Climate } from './models/climate.ts'
import { MODELS } from './models/index.ts'
import type { DeviceModel, ModelOptions } from './models/model.ts'
import { createPrng, hashSeed, type Prng } from './prng.ts'
import { createReportBuilder, type SentMessage, type SimReport, type StopReason } from './report.ts'
import type { GatewayEndpoint, Sender } from './senders/sender.ts'

export interface FleetConfig {
  devices: Partial<Record<Kind, number>>
  gateways?: readonly GatewayCredential[]
  sitesByKind?: Partial<Record<Kind, readonly string[]>>
  devicesPerSite: number
  devicePrefix: string
  intervalMs: number
  perMessage: number
  /** Simulated time to cover; omitted with `messages` omitted means until stop(). */
  durationMs?: number
  /** Normal messages to send (fault messages come on top). */
  messages?: number
  startTs: number
  /** Simulated ms per wall ms; Infinity runs as fast as acknowledgements allow. */
  speed: number
  seed: number
  seqStart: number
  /** Unacknowledged messages allowed per gateway. */
  window: number
  faults: FaultSpec
  /** Ticks a gateway holds its messages back before a burst. */
  burstTicks: number
  /** How long to wait for outstanding acknowledgements at the end. */
  drainTimeoutMs: number
  /** The models' scenario knobs (ModelOptions), with the dry plots as a list. */
  scenario: Omit<ModelOptions, 'dry'> & { dry: readonly string[] }
}

export interface FleetDeps {
  sender: Sender
  logger?: Logger
  /** Wall clock, ms. */
  now?: () => number
}

export interface Fleet {
  readonly gateways: readonly GatewayPlan[]
  run: () => Promise<SimReport>
  /** Stops generating; run() then settles in-flight messages and resolves with the report. */
  stop: () => void
}

interface DeviceRuntime { plan: DevicePlan, model: DeviceModel<unknown>, state: unknown, rng: Prng, nextSeq: number }

type Pending = Omit<Reading, 'seq'>

interface Window { acquire: (signal: AbortSignal) => Promise<boolean>, release: () => void }

interface GatewayRuntime {
  plan: GatewayPlan
  endpoint: GatewayEndpoint
  devices: DeviceRuntime[]
  pending: Pending[]
  /** Messages held back for a burst, or null when sending normally. */
  held: Outgoing[] | null
  releaseAtTick: number
  window: Window
}

interface Outgoing extends SentMessage { gateway: GatewayRuntime, payload: string }

function createWindow (limit: number): Window {
  let used = 0
  const waiters: Array<() => void> = []
  // Resolves true with a slot, or false when the signal aborts first (the slot is then not taken).
  return {
    async acquire (signal: AbortSignal): Promise<boolean> {
      if (signal.aborted) return false
      if (used < limit) { used++; return true }
      return await new Promise<boolean>(resolve => {
        const granted = (): void => { signal.removeEventListener('abort', aborted); resolve(true) }
        const aborted = (): void => { waiters.splice(waiters.indexOf(granted), 1); resolve(false) }
        waiters.push(granted)
        signal.addEventListener('abort', aborted, { once: true })
      })
    },
    release (): void {
      const next = waiters.shift()
      if (next !== undefined) next()
      else used--
    }
  }
}

export function createFleet (config: FleetConfig, deps: FleetDeps): Fleet {
  const now = deps.now ?? Date.now
  const { sender, logger } = deps
  const plan = planFleet(config)
  const modelOptions: ModelOptions = { ...config.scenario, dry: new Set(config.scenario.dry) }
  const climates = new Map<string, Climate>()
  const climateOf = (site: string): Climate => {
    let c = climates.get(site)
    if (c === undefined) climates.set(site, c = createClimate(hashSeed(config.seed, 'climate', site)))
    return c
  }
  const gateways: GatewayRuntime[] = plan.map(g => ({
    plan: g,
    endpoint: { site: g.site, id: g.id, secret: g.secret, devices: g.devices.length },
    devices: g.devices.map(d => {
      const model = MODELS[d.kind]
      const rng = createPrng(hashSeed(config.seed, d.id))
      const ctx = { device: d.id, index: d.index, climate: climateOf(d.site), startTs: config.startTs, intervalMs: config.intervalMs, options: modelOptions }
      return { plan: d, model, state: model.init(ctx, rng), rng, nextSeq: config.seqStart }
    }),
    pending: [],
    held: null,
    releaseAtTick: 0,
    window: createWindow(config.window)
  }))
  const deviceById = new Map(gateways.flatMap(g => g.devices.map(d => [d.plan.id, d] as const)))
  const report = createReportBuilder(plan)
  const faultRng = createPrng(hashSeed(config.seed, 'faults'))
  const ticks = config.durationMs === undefined ? undefined : Math.ceil(config.durationMs / config.intervalMs)
  const planned = config.messages ?? (ticks === undefined ? undefined : gateways.reduce((n, g) => n + Math.ceil(ticks * g.devices.length / config.perMessage), 0))
  const faultPlan = createFaultPlan(config.faults, faultRng, planned)
  const inflight = new Set<Promise<void>>()
  const stopping = new AbortController()
  let normalSent = 0
  let limitReached = false
  let notAckedLogged = 0

  async function dispatch (m: Outgoing): Promise<void> {
    // After stop() nothing new goes out: formed but unsent messages are not in the report's `sent`.
    if (!await m.gateway.window.acquire(stopping.signal)) return
    report.onSent(m)
    const p: Promise<void> = sender.send(m.gateway.endpoint, m.payload).then(result => {
      report.onResult(m, result.ok)
      if (!result.ok && notAckedLogged++ < 10) logger?.warn('message not acknowledged', { gateway: m.gateway.plan.id, reason: result.reason, fault: m.fault })
    }).finally(() => {
      m.gateway.window.release()
      inflight.delete(p)
    })
    inflight.add(p)
  }

  async function send (m: Outgoing): Promise<void> {
    if (m.gateway.held !== null) m.gateway.held.push(m)
    else await dispatch(m)
  }

  async function release (g: GatewayRuntime): Promise<void> {
    const held = g.held ?? []
    g.held = null
    for (const m of held) await dispatch(m.fault === undefined ? { ...m, fault: 'burst' } : m)
  }

  async function injectFault (g: GatewayRuntime, kind: FaultKind, m: Outgoing, last: Reading): Promise<void> {
    if (kind === 'burst') return
    if (kind === 'duplicate') { await send({ ...m, fault: 'duplicate' }); return }
    const device = deviceById.get(last.device) as DeviceRuntime
    const reading: Reading = { ...last, ts: last.ts + Math.floor(config.intervalMs / 2), seq: device.nextSeq++ }
    const payload = buildFaultyPayload(kind, reading, faultRng, now())
    await send({ gateway: g, payload, readings: [{ device: reading.device, seq: reading.seq }], fault: kind, storable: STORABLE_FAULTS.has(kind) })
  }

  async function emit (g: GatewayRuntime, tick: number): Promise<void> {
    const batch: Reading[] = g.pending.splice(0, config.perMessage).map(p => {
      const d = deviceById.get(p.device) as DeviceRuntime
      return { device: p.device, kind: p.kind, ts: p.ts, seq: d.nextSeq++, metrics: p.metrics }
    })
    const payload = config.perMessage === 1 ? JSON.stringify(batch[0]) : JSON.stringify(batch)
    const m: Outgoing = { gateway: g, payload, readings: batch.map(r => ({ device: r.device, seq: r.seq })), storable: true }
    const faults = faultPlan.decide(normalSent++)
    if (config.messages !== undefined && normalSent >= config.messages) limitReached = true
    if (faults.includes('burst') && g.held === null) {
      g.held = []
      g.releaseAtTick = tick + config.burstTicks
    }
    await send(m)
    for (const kind of faults) await injectFault(g, kind, m, batch[batch.length - 1])
  }

  async function pace (tick: number, wallStart: number): Promise<void> {
    if (!Number.isFinite(config.speed)) {
      // Let sockets breathe now and then even when nothing waits.
      if (tick % 8 === 0) await new Promise(resolve => setImmediate(resolve))
      return
    }
    const wait = wallStart + tick * config.intervalMs / config.speed - now()
    if (wait <= 0) return
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); stopping.signal.removeEventListener('abort', done); resolve() }
      const timer = setTimeout(done, wait)
      stopping.signal.addEventListener('abort', done, { once: true })
    })
  }

  async function settle (timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all([...inflight]),
      new Promise(resolve => { timer = setTimeout(resolve, timeoutMs) })
    ])
    clearTimeout(timer)
  }

  async function run (): Promise<SimReport> {
    const startedAt = now()
    let stoppedBy: StopReason = 'signal'
    let lastTs = config.startTs
    logger?.info('fleet starting', {
      transport: sender.transport,
      gateways: plan.map(g => ({ site: g.site, id: g.id, devices: g.devices.length })),
      start: new Date(config.startTs).toISOString(),
      speed: config.speed
    })
    await sender.open(gateways.map(g => g.endpoint))
    try {
      for (let tick = 0; ; tick++) {
        if (stopping.signal.aborted) break
        if (ticks !== undefined && tick >= ticks) { stoppedBy = 'duration'; break }
        if (limitReached) { stoppedBy = 'messages'; break }
        await pace(tick, startedAt)
        if (stopping.signal.aborted) break
        const ts = config.startTs + tick * config.intervalMs
        lastTs = ts
        for (const g of gateways) {
          if (g.held !== null && tick >= g.releaseAtTick) await release(g)
          for (const d of g.devices) {
            g.pending.push({ device: d.plan.id, kind: d.plan.kind, ts, metrics: d.model.step(d.state, ts, d.rng) })
            if (g.pending.length >= config.perMessage) await emit(g, tick)
            if (limitReached || stopping.signal.aborted) break
          }
          if (limitReached || stopping.signal.aborted) break
        }
      }
      for (const g of gateways) {
        if (stoppedBy === 'duration') while (g.pending.length > 0) await emit(g, Infinity)
        await release(g)
      }
    } catch (err) {
      stoppedBy = 'error'
      logger?.error('fleet failed', { err })
      throw err
    } finally {
      await settle(config.drainTimeoutMs)
      await sender.close()
      await settle(1000)
    }
    return report.build({
      transport: sender.transport,
      seed: config.seed,
      stoppedBy,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(now()).toISOString(),
      simulated: {
        from: new Date(config.startTs).toISOString(),
        to: new Date(lastTs).toISOString(),
        intervalMs: config.intervalMs,
        speed: Number.isFinite(config.speed) ? config.speed : 'max',
        perMessage: config.perMessage
      },
      errors: { [sender.transport]: sender.errors() }
    })
  }

  return {
    gateways: plan,
    run,
    stop: () => { stopping.abort() }
  }
}
