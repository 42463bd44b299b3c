// History backfill (spec/hj212.md §6.4 item 3): when a station's minute (2051) or hour (2061)
// records skip DataTimes, the platform asks for the missing range with BeginTime/EndTime; the
// station answers 9011 (QnRtn), uploads the records, then 9012 (ExeRtn). Gaps persist in hj212.db
// and are asked for again when the station reconnects. A backfilled record is the same point as
// the original would have been (seq and ts come from DataTime), so it lands exactly once.
import { EXE_RTN, QN_RTN, formatDataTime, formatQn, readHj212Cp } from '@shennong/core/codecs/hj212.ts'
import type { Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { BackfillStore, Gap, GapState } from './backfill-store.ts'
import type { Station } from './station-registry.ts'

export const BACKFILL_CNS = new Set(['2051', '2061'])

export interface BackfillSettings {
  enabled: boolean
  maxRangeMs: number
  replyTimeoutMs: number
  executionTimeoutMs: number
  retries: number
}

/** What backfill needs of the connection a station is on. */
export interface StationLink {
  send: (packet: Hj212Packet) => void
  readonly open: boolean
  /** ST and PW the station last sent (requests echo them), Flag version. */
  readonly st: string
  readonly pw: string
  readonly version: number
}

export interface Backfill {
  /** After a record was appended: detects a gap before it. */
  onRecord: (station: Station, cn: string, ts: number, link: StationLink) => void
  /** A station authenticated on a (new) connection: asks for its open gaps. */
  onLink: (station: Station, link: StationLink) => void
  /** 9011/9012 from a station; true when it answered one of our requests. */
  onReply: (station: Station, packet: Hj212Packet) => boolean
  onUnlink: (station: Station, link: StationLink) => void
  close: () => void
}

interface InFlight { gap: Gap, qn: string, link: StationLink, timer: NodeJS.Timeout, phase: 'reply' | 'execution' }

export function stepMs (station: Station, cn: string): number {
  return cn === '2061' ? 3_600_000 : station.minuteInterval * 60_000
}

export function createBackfill (settings: BackfillSettings, deps: {
  store: BackfillStore
  now: () => number
  logger?: Logger
  onState?: (state: GapState | 'requested', station: Station, gap: Gap) => void
}): Backfill {
  const { store } = deps
  const inFlight = new Map<string, InFlight>()
  const links = new Map<string, StationLink>()
  const stations = new Map<string, Station>()
  const note = (state: GapState | 'requested', station: Station, gap: Gap): void => {
    deps.onState?.(state, station, gap)
    deps.logger?.info('hj212 backfill', { mn: station.mn, cn: gap.cn, state, begin: new Date(gap.begin).toISOString(), end: new Date(gap.end).toISOString(), attempts: gap.attempts })
  }

  const finish = (station: Station, f: InFlight, state: GapState): void => {
    clearTimeout(f.timer)
    inFlight.delete(station.mn)
    f.gap.state = state
    store.updateGap(f.gap.id, { state, attempts: f.gap.attempts })
    note(state, station, f.gap)
    next(station)
  }

  const retryOr = (station: Station, f: InFlight, state: GapState): void => {
    clearTimeout(f.timer)
    inFlight.delete(station.mn)
    if (f.gap.attempts > settings.retries) {
      finish(station, f, state)
      return
    }
    next(station)
  }

  const send = (station: Station, gap: Gap, link: StationLink): void => {
    gap.attempts++
    store.updateGap(gap.id, { attempts: gap.attempts })
    const qn = formatQn(new Date(deps.now()), station.tzOffsetMinutes)
    const tz = station.tzOffsetMinutes
    link.send({
      qn,
      st: link.st,
      cn: gap.cn,
      pw: link.pw,
      mn: station.mn,
      flag: (link.version << 2) | 1,
      cp: [[{ key: 'BeginTime', value: formatDataTime(new Date(gap.begin), tz) }, { key: 'EndTime', value: formatDataTime(new Date(gap.end), tz) }]]
    })
    const f: InFlight = { gap, qn, link, phase: 'reply', timer: setTimeout(() => { timeout(station, f) }, settings.replyTimeoutMs) }
    f.timer.unref()
    inFlight.set(station.mn, f)
    note('requested', station, gap)
  }

  const timeout = (station: Station, f: InFlight): void => {
    if (inFlight.get(station.mn) !== f) return
    deps.logger?.warn('hj212 backfill request unanswered', { mn: station.mn, qn: f.qn, phase: f.phase })
    retryOr(station, f, 'failed')
  }

  const next = (station: Station): void => {
    if (!settings.enabled || inFlight.has(station.mn)) return
    const link = links.get(station.mn)
    if (link === undefined || !link.open) return
    const gap = store.openGaps(station.mn)[0]
    if (gap !== undefined) send(station, gap, link)
  }

  /** After 9012 ExeRtn=1: is the range complete? Narrow to what is still missing, or close. */
  const check = (station: Station, f: InFlight): void => {
    const missing = store.missing(station.mn, f.gap.cn, f.gap.begin, f.gap.end, stepMs(station, f.gap.cn))
    if (missing.length === 0) { finish(station, f, 'filled'); return }
    f.gap.begin = missing[0]
    f.gap.end = missing[missing.length - 1]
    store.updateGap(f.gap.id, { begin: f.gap.begin, end: f.gap.end })
    retryOr(station, f, 'incomplete')
  }

  return {
    onRecord (station, cn, ts, link) {
      stations.set(station.mn, station)
      const { previousLast } = store.record(station.mn, cn, ts)
      if (!settings.enabled || !BACKFILL_CNS.has(cn) || previousLast === undefined) return
      const step = stepMs(station, cn)
      if (ts - previousLast <= step) return
      const end = ts - step
      const begin = Math.max(previousLast + step, end - settings.maxRangeMs)
      if (store.missing(station.mn, cn, begin, end, step).length === 0) return
      store.addGap(station.mn, cn, begin, end)
      links.set(station.mn, link)
      next(station)
    },
    onLink (station, link) {
      stations.set(station.mn, station)
      links.set(station.mn, link)
      next(station)
    },
    onReply (station, packet) {
      const f = inFlight.get(station.mn)
      if (f === undefined || packet.qn !== f.qn) return false
      const fields = readHj212Cp(packet.cp).fields
      if (packet.cn === '9011') {
        const rtn = Number(fields.QnRtn)
        if (rtn !== QN_RTN.READY) { retryOr(station, f, 'refused'); return true }
        clearTimeout(f.timer)
        f.phase = 'execution'
        f.timer = setTimeout(() => { timeout(station, f) }, settings.executionTimeoutMs)
        f.timer.unref()
        return true
      }
      if (packet.cn === '9012') {
        const rtn = Number(fields.ExeRtn)
        if (rtn === EXE_RTN.SUCCESS) check(station, f)
        else if (rtn === EXE_RTN.NO_DATA) finish(station, f, 'no-data')
        else retryOr(station, f, 'failed')
        return true
      }
      return false
    },
    onUnlink (station, link) {
      if (links.get(station.mn) !== link) return
      links.delete(station.mn)
      const f = inFlight.get(station.mn)
      if (f !== undefined && f.link === link) { clearTimeout(f.timer); inFlight.delete(station.mn) }
    },
    close () {
      for (const f of inFlight.values()) clearTimeout(f.timer)
      inFlight.clear()
      links.clear()
    }
  }
}
