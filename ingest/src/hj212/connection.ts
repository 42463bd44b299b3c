// One station connection: frames in (through the splitter), one handler per CN, replies out.
// Packets are handled strictly in arrival order; a data answer (9014) is written only after the
// ingest log append of its record resolved (ARCHITECTURE §6.3).
import type { Socket } from 'node:net'
import {
  HJ212_CN, QN_RTN, buildDataReply, buildNoticeReply, buildRequestReply, buildTimeCalibration, encodeHj212, formatQn,
  parseDataTime, readHj212Cp
} from '@shennong/core/codecs/hj212.ts'
import type { Hj212Options, Hj212Packet, QnRtn } from '@shennong/core/codecs/hj212.ts'
import { encodeLogMeta } from '@shennong/core/ingest-log.ts'
import type { Logger } from '@shennong/core/logger.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { buildTopic } from '@shennong/core/topics.ts'
import type { Backfill, StationLink } from './backfill.ts'
import type { Hj212Config } from './config.ts'
import { createFrameSplitter, type FrameReject } from './frame-splitter.ts'
import type { Hj212Metrics } from './hj212-metrics.ts'
import { DATA_CNS, mergeReadings, packetToRecord } from './semantics.ts'
import { createSplitReassembler, type SplitPart, type SplitRelease } from './split-reassembly.ts'
import type { Station, StationRegistry } from './station-registry.ts'

export interface ConnectionDeps {
  config: Readonly<Hj212Config>
  codec: Hj212Options
  registry: StationRegistry
  log: DurableQueue
  backfill: Backfill
  metrics: Hj212Metrics
  logger?: Logger
  now: () => number
  durations: { idleMs: number, keepAliveMs: number, splitMs: number, maxSkewMs: number }
}

export interface Connection {
  close: () => void
  readonly done: Promise<void>
}

/** The sender recorded in the ingest log for a station (principal-like id from the MN). */
export function hj212Sender (mn: string): string {
  return `hj212:${mn}`
}

export function handleConnection (socket: Socket, deps: ConnectionDeps): Connection {
  const { config, metrics, logger } = deps
  const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
  const links = new Map<string, StationLink & { st: string, pw: string, version: number }>()
  const tasks: Array<() => Promise<void>> = []
  let running = false
  let closed = false
  let refusedInRow = 0
  let resolveDone!: () => void
  const done = new Promise<void>(resolve => { resolveDone = resolve })

  const send = (packet: Hj212Packet): void => {
    if (closed || socket.destroyed) return
    socket.write(encodeHj212(packet, { unknownCn: 'accept' }))
    metrics.replies.inc({ cn: packet.cn })
  }

  const enqueue = (task: () => Promise<void>): void => {
    tasks.push(task)
    if (tasks.length >= config.maxPendingFrames && !socket.isPaused()) socket.pause()
    if (!running) void drain()
  }

  const drain = async (): Promise<void> => {
    running = true
    while (tasks.length > 0) {
      const task = tasks.shift()!
      try {
        await task()
      } catch (err) {
        logger?.error('hj212 packet handler failed', { err, remote })
      }
      if (tasks.length < config.maxPendingFrames / 2 && socket.isPaused() && !closed) socket.resume()
    }
    running = false
    if (closed) resolveDone()
  }

  const onReject = (r: FrameReject): void => {
    metrics.rejected.inc({ reason: r.reason })
    logger?.warn('hj212 frame rejected', { remote, reason: r.reason, code: r.code, message: r.message, sample: r.sample })
  }

  const refuse = (packet: Hj212Packet, rtn: QnRtn, reason: string): void => {
    metrics.refused.inc({ reason })
    logger?.warn('hj212 packet refused', { remote, reason, mn: packet.mn, cn: packet.cn })
    const asked = packet.flag !== undefined && (packet.flag & 1) === 1
    if (config.refuse.reply === 'always' || asked) send(buildRequestReply(packet, rtn))
    refusedInRow++
    if (config.refuse.closeAfter > 0 && refusedInRow >= config.refuse.closeAfter) {
      logger?.warn('hj212 connection closed after refusals', { remote, refused: refusedInRow })
      close()
    }
  }

  /** Appends the readings of complete (or timed-out) records, then answers the parts that asked. */
  const store = async (station: Station, parts: SplitPart[], link: StationLink): Promise<void> => {
    const readings = mergeReadings(parts.map(p => p.record.readings))
    if (readings.length > 0) {
      const meta = { topic: buildTopic({ site: station.site, id: station.device, channel: 'telemetry' }), sender: hj212Sender(station.mn), transport: 'hj212' as const, receivedAt: deps.now() }
      try {
        await deps.log.append([{ meta: encodeLogMeta(meta), payload: Buffer.from(JSON.stringify(readings)) }])
      } catch (err) {
        metrics.appendErrors.inc()
        logger?.error('hj212 ingest log append failed; the station is not answered and will re-send', { err, mn: station.mn })
        return
      }
      metrics.readings.inc({}, readings.length)
    }
    const record = parts[0].record
    metrics.records.inc({ cn: record.cn })
    deps.backfill.onRecord(station, record.cn, record.ts, link)
    for (const { packet } of parts) {
      if (packet.flag !== undefined && (packet.flag & 1) === 1) send(buildDataReply(packet))
    }
  }

  const releaseSplit = (station: Station, link: StationLink, r: SplitRelease): Promise<void> => {
    metrics.split.inc({ outcome: r.missing.length === 0 ? 'complete' : 'incomplete' })
    if (r.missing.length > 0) logger?.warn('hj212 split packet incomplete; storing the parts that arrived', { mn: station.mn, cn: r.parts[0].record.cn, dataTime: r.parts[0].record.dataTime, pnum: r.pnum, missing: r.missing })
    return store(station, r.parts, link)
  }

  const splitOwners = new Map<string, { station: Station, link: StationLink }>()
  const reassembler = createSplitReassembler(deps.durations.splitMs, r => {
    const owner = splitOwners.get(r.key.split('\u0000')[0])
    if (owner !== undefined) enqueue(() => releaseSplit(owner.station, owner.link, r))
  })

  const linkFor = (station: Station, packet: Hj212Packet): StationLink => {
    let link = links.get(station.mn)
    const isNew = link === undefined
    if (link === undefined) {
      link = { st: packet.st, pw: packet.pw, version: packet.flag === undefined ? 1 : packet.flag >>> 2, send, get open () { return !closed && !socket.destroyed } }
      links.set(station.mn, link)
    }
    if (packet.st !== '91') link.st = packet.st
    link.pw = packet.pw
    if (packet.flag !== undefined) link.version = packet.flag >>> 2
    if (isNew) {
      logger?.info('hj212 station online', { mn: station.mn, site: station.site, device: station.device, remote })
      deps.backfill.onLink(station, link)
      if (config.timeCalibration.onConnect === 'request-time') {
        send({ qn: formatQn(new Date(deps.now()), station.tzOffsetMinutes), st: link.st, cn: HJ212_CN.GET_TIME, pw: link.pw, mn: station.mn, flag: (link.version << 2) | 1, cp: [] })
      }
    }
    return link
  }

  const setTime = (station: Station, link: StationLink): void => {
    send(buildTimeCalibration({ st: link.st, pw: link.pw, mn: station.mn }, new Date(deps.now()), { tzOffsetMinutes: station.tzOffsetMinutes, flag: (link.version << 2) | 1 }))
  }

  const handlePacket = async (packet: Hj212Packet): Promise<void> => {
    metrics.frames.inc({ cn: packet.cn })
    const station = deps.registry.get(packet.mn)
    if (station === undefined) { refuse(packet, QN_RTN.MN_ERROR, 'unknown-mn'); return }
    if (!station.checkPassword(packet.pw)) { refuse(packet, QN_RTN.PW_ERROR, 'wrong-password'); return }
    refusedInRow = 0
    const link = linkFor(station, packet)
    const asked = packet.flag !== undefined && (packet.flag & 1) === 1
    if (DATA_CNS.has(packet.cn)) {
      const result = packetToRecord(packet, station)
      if (!result.ok) {
        metrics.rejected.inc({ reason: result.reason })
        logger?.warn('hj212 data packet without usable DataTime', { mn: station.mn, cn: packet.cn, message: result.message })
        return
      }
      const { record } = result
      if (record.unmapped.length > 0) {
        metrics.unmapped.inc({}, record.unmapped.length)
        logger?.debug('hj212 factors without mapping', { mn: station.mn, codes: record.unmapped })
      }
      if (record.notNumbers.length > 0) metrics.values.inc({ reason: 'not-a-number' }, record.notNumbers.length)
      if (record.unknownFlags.length > 0) metrics.values.inc({ reason: 'unknown-flag' }, record.unknownFlags.length)
      const part = { packet, record }
      if (packet.pnum !== undefined && packet.pno !== undefined && packet.pnum > 1) {
        splitOwners.set(station.mn, { station, link })
        const released = reassembler.add(station.mn, part)
        if (released !== undefined) await releaseSplit(station, link, released)
        return
      }
      await store(station, [part], link)
      return
    }
    switch (packet.cn) {
      case HJ212_CN.REQUEST_REPLY:
      case HJ212_CN.EXECUTION_RESULT:
        if (!deps.backfill.onReply(station, packet)) logger?.debug('hj212 reply to no pending request', { mn: station.mn, cn: packet.cn, qn: packet.qn })
        return
      case HJ212_CN.NOTICE_REPLY:
      case HJ212_CN.DATA_REPLY:
        return
      case HJ212_CN.GET_TIME: { // 1011 upload: the device clock, compared with the platform clock
        const systemTime = readHj212Cp(packet.cp).fields.SystemTime
        if (systemTime === undefined) return
        const skew = parseDataTime(systemTime, station.tzOffsetMinutes).getTime() - deps.now()
        if (Math.abs(skew) > deps.durations.maxSkewMs) {
          logger?.info('hj212 device clock off; setting it', { mn: station.mn, skewMs: skew })
          setTime(station, link)
        }
        return
      }
      case HJ212_CN.TIME_CALIBRATION_REQUEST: // 1013 notice: answer 9013, then 1012 with the platform time
        send(buildNoticeReply(packet))
        setTime(station, link)
        return
      case '9015': // HJ 212-2025 heartbeat [practice, unverified]; only reaches here with edition 2025
        if (asked) send(buildDataReply(packet))
        return
      default:
        if (packet.cn === HJ212_CN.POWER_ON_TIME) logger?.info('hj212 logger power-on', { mn: station.mn, restartTime: readHj212Cp(packet.cp).fields.RestartTime })
        if (asked) send(buildDataReply(packet))
    }
  }

  const splitter = createFrameSplitter({
    maxFrameBytes: config.maxFrameBytes,
    codec: deps.codec,
    onReject,
    onPacket: packet => { enqueue(() => handlePacket(packet)) }
  })

  function close (): void {
    if (closed) return
    closed = true
    splitter.end()
    socket.destroy()
    for (const [mn, link] of links) {
      const station = deps.registry.get(mn)
      if (station !== undefined) deps.backfill.onUnlink(station, link)
    }
    // parts of split packets that were held are valid and self-contained (§4.2): store them
    for (const r of reassembler.flushAll()) {
      const owner = splitOwners.get(r.key.split('\u0000')[0])
      if (owner !== undefined) tasks.push(() => releaseSplit(owner.station, owner.link, r))
    }
    reassembler.close()
    if (!running) void drain()
  }

  socket.setNoDelay(true)
  if (deps.durations.keepAliveMs > 0) socket.setKeepAlive(true, deps.durations.keepAliveMs)
  socket.setTimeout(deps.durations.idleMs)
  socket.on('timeout', () => {
    metrics.connectionsTotal.inc({ outcome: 'idle-timeout' })
    logger?.info('hj212 connection idle; closing', { remote })
    close()
  })
  socket.on('data', (chunk: Buffer) => { splitter.push(chunk) })
  socket.on('error', err => { logger?.debug('hj212 socket error', { remote, err }) })
  socket.on('close', () => { close() })
  return { close, done }
}
