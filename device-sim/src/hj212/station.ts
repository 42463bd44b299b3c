// A simulated HJ 212 data logger (air or water station) speaking to the platform over TCP: uploads
// real-time (2011), minute (2051) and hour (2061) data with Flag A=1 and re-sends what is not
// answered with 9014; keeps its history and answers the platform's history requests (9011, the
// records, 9012); answers 1011/1012. Faults on request: bad CRC, wrong password, split packets,
// frames cut at random byte boundaries. `createStation` is driven step by step (tests);
// run-station.ts drives it on an accelerated clock (CLI, bench).
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import {
  EXE_RTN, QN_RTN, buildExecutionReply, buildRequestReply, encodeHj212, formatDataTime, formatQn, parseDataTime, parseHj212, readHj212Cp
} from '@shennong/core/codecs/hj212.ts'
import type { Hj212CpGroup, Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import { createPrng, type Prng } from '../prng.ts'
import { AIR_FACTORS, WATER_FACTORS, factorValue } from './factor-profiles.ts'

export interface StationFaults {
  /** Probability that an upload goes out first with a corrupted CRC (the platform drops it; re-sent after the ack timeout). */
  badCrc?: number
  /** Every packet carries this password instead of the right one. */
  wrongPassword?: string
  /** Minute and hour records go out as two parts (PNUM=2, Flag bit D). */
  splitPackets?: boolean
  /** Each frame is written in random byte chunks. */
  randomChunks?: boolean
}

export interface StationOptions {
  host?: string
  port: number
  tls?: { ca?: string | Buffer, rejectUnauthorized?: boolean }
  mn: string
  password: string
  kind: 'air' | 'water'
  /** ST; default 22 (air) / 21 (water). */
  st?: string
  seed?: number
  minuteInterval?: number
  tzOffsetMinutes?: number
  /** Wait this long for 9014 before re-sending (Table 1: 10 s). */
  ackTimeoutMs?: number
  retries?: number
  /** The device clock runs this far ahead of `clock` (1011 reports it; 1012 resets it). */
  clockSkewMs?: number
  /** The device's notion of now (virtual time in accelerated runs). */
  clock?: () => number
  faults?: StationFaults
}

export interface StationStats {
  sent: number
  acked: number
  resent: number
  badCrcSent: number
  backfillRequests: number
  backfillRecordsSent: number
  refusals: Record<string, number>
  timeSets: number
}

export interface SimStation {
  connect: () => Promise<void>
  /** Drops the connection abruptly (outage). */
  disconnect: () => void
  readonly connected: boolean
  /** Produces the record of `cn` for DataTime `ts`, keeps it in the history, sends it when online; resolves acked or not. */
  record: (cn: '2011' | '2051' | '2061', ts: number) => Promise<boolean>
  /** DataTimes kept per CN. */
  history: (cn: string) => number[]
  /** The CP groups the station sends for (cn, ts): what the platform must have stored. */
  recordCp: (cn: string, ts: number) => Hj212CpGroup[]
  readonly stats: StationStats
  /** Resolves when no backfill answer is being sent. */
  idle: () => Promise<void>
  close: () => void
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export function createStation (options: StationOptions): SimStation {
  const factors = options.kind === 'air' ? AIR_FACTORS : WATER_FACTORS
  const st = options.st ?? (options.kind === 'air' ? '22' : '21')
  const seed = options.seed ?? 1
  const tz = options.tzOffsetMinutes ?? 480
  const clock = options.clock ?? Date.now
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000
  const retries = options.retries ?? 3
  const faults = options.faults ?? {}
  const prng: Prng = createPrng(seed ^ 0x5eed)
  const historyByCn = new Map<string, Set<number>>()
  const waiting = new Map<string, (acked: boolean) => void>()
  const stats: StationStats = { sent: 0, acked: 0, resent: 0, badCrcSent: 0, backfillRequests: 0, backfillRecordsSent: 0, refusals: {}, timeSets: 0 }
  let skew = options.clockSkewMs ?? 0
  let socket: Socket | undefined
  let rx = ''
  let qnCounter = 0
  let backfilling: Promise<void> = Promise.resolve()

  const pw = (): string => faults.wrongPassword ?? options.password
  const nextQn = (): string => {
    // unique per station: the clock's QN with a rolling millisecond part
    const base = formatQn(new Date(clock() + skew), tz)
    qnCounter = (qnCounter + 1) % 1000
    return base.slice(0, 14) + String(qnCounter).padStart(3, '0')
  }

  const recordCp = (cn: string, ts: number): Hj212CpGroup[] => {
    const groups: Hj212CpGroup[] = [[{ key: 'DataTime', value: formatDataTime(new Date(ts), tz) }]]
    for (const f of factors) {
      const v = factorValue(seed + Number(cn), f, ts, tz)
      groups.push(cn === '2011'
        ? [{ key: `${f.code}-Rtd`, value: v.rtd }, { key: `${f.code}-Flag`, value: 'N' }]
        : [{ key: `${f.code}-Min`, value: v.min }, { key: `${f.code}-Avg`, value: v.avg }, { key: `${f.code}-Max`, value: v.max }, { key: `${f.code}-Flag`, value: 'N' }])
    }
    return groups
  }

  // frames go out one after the other, even when cut into random chunks
  let writing: Promise<void> = Promise.resolve()
  const write = (frame: string): Promise<void> => {
    writing = writing.then(() => writeNow(frame))
    return writing
  }
  const writeNow = async (frame: string): Promise<void> => {
    const s = socket
    if (s === undefined || s.destroyed) return
    if (faults.randomChunks !== true) { s.write(frame); return }
    const bytes = Buffer.from(frame)
    for (let i = 0; i < bytes.length;) {
      const n = 1 + prng.int(Math.min(64, bytes.length - i))
      s.write(bytes.subarray(i, i + n))
      i += n
      await new Promise(resolve => setImmediate(resolve))
    }
  }

  const corrupt = (frame: string): string => {
    const crc = frame.slice(-6, -2)
    const bad = ((parseInt(crc, 16) ^ 0x0101) & 0xffff).toString(16).toUpperCase().padStart(4, '0')
    return frame.slice(0, -6) + bad + '\r\n'
  }

  /** Sends one packet with A=1 and waits for its 9014, re-sending up to `retries` times. */
  const sendAcked = async (packet: Hj212Packet): Promise<boolean> => {
    const frame = encodeHj212(packet)
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (socket === undefined || socket.destroyed) return false
      const acked = new Promise<boolean>(resolve => {
        const timer = setTimeout(() => { waiting.delete(packet.qn!); resolve(false) }, ackTimeoutMs)
        waiting.set(packet.qn!, ok => { clearTimeout(timer); waiting.delete(packet.qn!); resolve(ok) })
      })
      const badCrc = attempt === 0 && (faults.badCrc ?? 0) > 0 && prng.next() < faults.badCrc!
      if (badCrc) stats.badCrcSent++
      if (attempt > 0) stats.resent++
      stats.sent++
      await write(badCrc ? corrupt(frame) : frame)
      if (await acked) { stats.acked++; return true }
    }
    return false
  }

  const packetsFor = (cn: string, ts: number, qn: () => string): Hj212Packet[] => {
    const cp = recordCp(cn, ts)
    const base = { st, cn, pw: pw(), mn: options.mn }
    if (faults.splitPackets === true && cn !== '2011') {
      const half = 1 + Math.floor((cp.length - 1) / 2)
      const parts = [[cp[0], ...cp.slice(1, half)], [cp[0], ...cp.slice(half)]]
      return parts.map((groups, i) => ({ ...base, qn: qn(), flag: 7, pnum: 2, pno: i + 1, cp: groups }))
    }
    return [{ ...base, qn: qn(), flag: 5, cp }]
  }

  const sendRecord = async (cn: string, ts: number): Promise<boolean> => {
    let ok = true
    for (const packet of packetsFor(cn, ts, nextQn)) ok = (await sendAcked(packet)) && ok
    return ok
  }

  const answerHistory = async (request: Hj212Packet): Promise<void> => {
    stats.backfillRequests++
    const fields = readHj212Cp(request.cp).fields
    const send = (p: Hj212Packet): Promise<void> => write(encodeHj212(p))
    if (fields.BeginTime === undefined || fields.EndTime === undefined) {
      await send(buildRequestReply(request, QN_RTN.REJECTED, { flag: 4 }))
      return
    }
    await send(buildRequestReply(request, QN_RTN.READY, { flag: 4 }))
    const begin = parseDataTime(fields.BeginTime, tz).getTime()
    const end = parseDataTime(fields.EndTime, tz).getTime()
    const times = [...(historyByCn.get(request.cn) ?? [])].filter(t => t >= begin && t <= end).sort((a, b) => a - b)
    for (const ts of times) {
      if (await sendRecord(request.cn, ts)) stats.backfillRecordsSent++
    }
    await send(buildExecutionReply(request, times.length === 0 ? EXE_RTN.NO_DATA : EXE_RTN.SUCCESS, { flag: 4 }))
  }

  const onPacket = (packet: Hj212Packet): void => {
    switch (packet.cn) {
      case '9014':
        if (packet.qn !== undefined) waiting.get(packet.qn)?.(true)
        return
      case '9011': {
        const rtn = readHj212Cp(packet.cp).fields.QnRtn ?? '?'
        stats.refusals[rtn] = (stats.refusals[rtn] ?? 0) + 1
        return
      }
      case '2051':
      case '2061':
      case '2031':
        backfilling = backfilling.then(() => answerHistory(packet))
        return
      case '1011':
        void write(encodeHj212({ qn: packet.qn, st, cn: '1011', pw: pw(), mn: options.mn, flag: 4, cp: [[{ key: 'SystemTime', value: formatDataTime(new Date(clock() + skew), tz) }]] }))
        return
      case '1012': {
        const t = readHj212Cp(packet.cp).fields.SystemTime
        if (t !== undefined) { skew = parseDataTime(t, tz).getTime() - clock(); stats.timeSets++ }
        void write(encodeHj212(buildRequestReply(packet, QN_RTN.READY, { flag: 4 }))).then(() => write(encodeHj212(buildExecutionReply(packet, EXE_RTN.SUCCESS, { flag: 4 }))))
      }
    }
  }

  const onData = (chunk: Buffer): void => {
    rx += chunk.toString('utf8')
    let end: number
    while ((end = rx.indexOf('\r\n')) >= 0) {
      const frame = rx.slice(0, end + 2)
      rx = rx.slice(end + 2)
      try {
        onPacket(parseHj212(frame, { unknownCn: 'accept' }))
      } catch { /* a simulator ignores what it cannot parse, like many loggers */ }
    }
    if (rx.length > 4096) rx = ''
  }

  return {
    connect () {
      return new Promise((resolve, reject) => {
        const host = options.host ?? '127.0.0.1'
        const s = options.tls === undefined
          ? connectTcp({ host, port: options.port }, () => resolve())
          : connectTls({ host, port: options.port, ca: options.tls.ca, rejectUnauthorized: options.tls.rejectUnauthorized ?? true }, () => resolve())
        s.setNoDelay(true)
        s.once('error', reject)
        s.on('error', () => {})
        s.on('data', onData)
        s.on('close', () => { if (socket === s) socket = undefined })
        socket = s
        rx = ''
      })
    },
    disconnect () {
      socket?.destroy()
      socket = undefined
      for (const done of [...waiting.values()]) done(false)
    },
    get connected () { return socket !== undefined && !socket.destroyed },
    async record (cn, ts) {
      let set = historyByCn.get(cn)
      if (set === undefined) historyByCn.set(cn, set = new Set())
      set.add(ts)
      if (socket === undefined || socket.destroyed) return false
      return sendRecord(cn, ts)
    },
    history: cn => [...(historyByCn.get(cn) ?? [])].sort((a, b) => a - b),
    recordCp,
    stats,
    async idle () {
      let seen: Promise<void>
      do { seen = backfilling; await seen; await sleep(10) } while (seen !== backfilling)
    },
    close () {
      socket?.destroy()
      socket = undefined
    }
  }
}
