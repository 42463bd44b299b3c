// Runs a simulated HJ 212 station on an accelerated clock: `speed` virtual seconds per real
// second (60 = a minute per second). Produces minute records (2051) every `minuteInterval`
// virtual minutes, hour records (2061) on the hour, optional real-time data (2011). Fault plans:
// an outage (offline for some records, then reconnect: the platform backfills), a reconnect storm.
import { createStation, type SimStation, type StationOptions, type StationStats } from './station.ts'

export interface RunStationOptions extends Omit<StationOptions, 'clock'> {
  /** Virtual start (epoch ms); aligned down to the minute interval. Default: now minus `minutes`. */
  start?: number
  /** Virtual minutes to run. */
  minutes: number
  /** Virtual seconds per real second (default 60). */
  speed?: number
  /** Also send 2011 real-time data every this many virtual seconds (0 = off). */
  realtimeEvery?: number
  /** Offline from the `after`-th minute record for `records` records, then reconnect. */
  outage?: { after: number, records: number }
  /** Connect and drop this many times in a row before the real connection. */
  reconnectStorm?: number
}

export interface RunningStation {
  station: SimStation
  /** Resolves when the virtual time is over and backfill answers went out. */
  done: Promise<StationStats>
  stop: () => void
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export function runStation (options: RunStationOptions): RunningStation {
  const speed = options.speed ?? 60
  const interval = (options.minuteInterval ?? 10) * 60_000
  const start = Math.floor((options.start ?? Date.now() - options.minutes * 60_000) / interval) * interval
  const realStart = Date.now()
  const clock = (): number => start + (Date.now() - realStart) * speed
  const station = createStation({ ...options, clock })
  let stopped = false
  const done = (async () => {
    for (let i = 0; i < (options.reconnectStorm ?? 0) && !stopped; i++) {
      await station.connect()
      station.disconnect()
    }
    await station.connect()
    const end = start + options.minutes * 60_000
    let nextMinute = start
    let nextRealtime = start
    let minuteRecords = 0
    const inFlight = new Set<Promise<boolean>>()
    const send = (cn: '2011' | '2051' | '2061', ts: number): void => {
      const p = station.record(cn, ts)
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
    }
    while (!stopped && nextMinute <= end) {
      const rt = options.realtimeEvery ?? 0
      const due = rt > 0 ? Math.min(nextMinute, nextRealtime) : nextMinute
      const wait = (due - clock()) / speed
      if (wait > 0) await sleep(wait)
      if (rt > 0 && nextRealtime <= nextMinute) {
        send('2011', nextRealtime)
        nextRealtime += rt * 1000
        continue
      }
      const o = options.outage
      if (o !== undefined && minuteRecords === o.after) station.disconnect()
      if (o !== undefined && minuteRecords === o.after + o.records) await station.connect()
      send('2051', nextMinute)
      if (nextMinute % 3_600_000 === 0 && nextMinute > start) send('2061', nextMinute - 3_600_000)
      minuteRecords++
      nextMinute += interval
    }
    await Promise.all([...inFlight])
    await station.idle()
    return station.stats
  })()
  return { station, done, stop: () => { stopped = true; station.close() } }
}
