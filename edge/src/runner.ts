// The runner owns what every source would otherwise get wrong on its own: polling on schedule, one
// request at a time per source (a bus), a timeout on every poll, backoff for a device that keeps
// failing (so a dead slave costs its neighbours at most one attempt per backoff period), and
// counters. Drafts go to `record`, which stamps seq and spools them.
import { ShennongError } from '@shennong/core/errors.ts'
import type { PollTask, ReadingDraft, Source } from './sources/source.ts'

export interface RunnerOptions {
  name: string
  kind: string
  source: Source
  record: (drafts: ReadingDraft[]) => Promise<void>
  /** A poll that takes longer than this fails with ERR_EDGE_POLL_TIMEOUT. */
  pollTimeoutMs: number
  /** Consecutive failures before backoff starts. */
  backoffAfter: number
  maxBackoffMs: number
  onError?: (device: string, what: string, err: Error | undefined) => void
  now?: () => number
}

export interface DeviceStats {
  polls: number
  readings: number
  failures: number
  consecutiveFailures: number
  lastOkAt: number | null
  errors: Record<string, number>
}

export interface Runner {
  start: () => Promise<void>
  stop: () => Promise<void>
  stats: () => Record<string, DeviceStats>
  /** Runs `fn` between polls (commands share the bus with polling). */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>
}

interface Slot { task: PollTask, due: number }

export function createRunner (options: RunnerOptions): Runner {
  const now = options.now ?? Date.now
  const { source } = options
  const stats: Record<string, DeviceStats> = {}
  const statsOf = (device: string): DeviceStats => {
    stats[device] ??= { polls: 0, readings: 0, failures: 0, consecutiveFailures: 0, lastOkAt: null, errors: {} }
    return stats[device]
  }
  for (const d of source.devices) statsOf(d)
  const slots: Slot[] = source.tasks.map(task => ({ task, due: 0 }))
  let running = false
  let loop: Promise<void> | undefined
  let wake: (() => void) | undefined
  let timer: NodeJS.Timeout | undefined
  const jobs: Array<() => Promise<void>> = []

  function fault (device: string, what: string, err?: Error): void {
    const s = statsOf(device)
    s.errors[what] = (s.errors[what] ?? 0) + 1
    options.onError?.(device, what, err)
  }

  function sleep (ms: number): Promise<void> {
    return new Promise(resolve => {
      wake = () => { clearTimeout(timer); wake = undefined; resolve() }
      timer = setTimeout(() => wake?.(), Math.max(0, ms))
    })
  }

  function withTimeout<T> (p: Promise<T>, ms: number, device: string): Promise<T> {
    let t: NodeJS.Timeout | undefined
    const limit = new Promise<never>((_resolve, reject) => {
      t = setTimeout(() => reject(new ShennongError('ERR_EDGE_POLL_TIMEOUT', `poll of ${device} took longer than ${ms} ms`)), ms)
    })
    return Promise.race([p, limit]).finally(() => clearTimeout(t))
  }

  async function pollOnce (slot: Slot): Promise<void> {
    const s = statsOf(slot.task.device)
    s.polls++
    const started = now()
    try {
      const drafts = await withTimeout(slot.task.poll(), options.pollTimeoutMs, slot.task.device)
      s.consecutiveFailures = 0
      s.lastOkAt = now()
      if (drafts.length > 0) {
        s.readings += drafts.length
        await options.record(drafts)
      }
      // Keep the schedule (no drift), but never try to catch up on missed polls.
      slot.due = Math.max(slot.due + slot.task.intervalMs, started)
      if (slot.due <= now() - slot.task.intervalMs) slot.due = now()
    } catch (err) {
      s.failures++
      s.consecutiveFailures++
      const e = err as Error & { code?: string }
      if (e.code === 'ERR_EDGE_POLL_TIMEOUT') fault(slot.task.device, 'poll-timeout', e)
      else if (e.code === 'ERR_SPOOL_FULL') fault(slot.task.device, 'spool-full', e)
      else fault(slot.task.device, 'poll-failed', e)
      const over = s.consecutiveFailures - options.backoffAfter
      const wait = over < 0 ? slot.task.intervalMs : Math.min(options.maxBackoffMs, slot.task.intervalMs * 2 ** (over + 1))
      slot.due = now() + wait
    }
  }

  async function run (): Promise<void> {
    while (running) {
      const job = jobs.shift()
      if (job !== undefined) { await job(); continue }
      if (slots.length === 0) { await sleep(3_600_000); continue }
      // The most overdue device goes first, so one slow device delays the others by one poll at most.
      let next = slots[0]
      for (const slot of slots) if (slot.due < next.due) next = slot
      const wait = next.due - now()
      if (wait > 0) { await sleep(wait); continue }
      await pollOnce(next)
    }
  }

  return {
    async start () {
      await source.start({
        emit: draft => {
          const s = statsOf(draft.device)
          s.readings++
          s.lastOkAt = now()
          options.record([draft]).catch((err: Error & { code?: string }) => fault(draft.device, err.code === 'ERR_SPOOL_FULL' ? 'spool-full' : 'record-failed', err))
        },
        fault
      })
      running = true
      const t = now()
      slots.forEach((slot) => { slot.due = t })
      loop = run()
    },
    async stop () {
      running = false
      wake?.()
      await loop
      await source.stop()
    },
    stats: () => stats,
    exclusive<T> (fn: () => Promise<T>): Promise<T> {
      if (!running) return fn()
      return new Promise<T>((resolve, reject) => {
        jobs.push(async () => { try { resolve(await fn()) } catch (err) { reject(err) } })
        wake?.()
      })
    }
  }
}
