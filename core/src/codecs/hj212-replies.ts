// Builders for the packets the platform (or a simulated device) sends back (spec/hj212.md §6.3–§6.4).
// Replies go with ST=91, echo the QN, PW and MN of the packet they answer, and carry the answered
// packet's Flag version with D and A cleared (G5: a Flag=5 upload is answered with Flag=4).

import { HJ212_CN, HJ212_ST_INTERACTION } from './hj212-commands.ts'
import type { ExeRtn, QnRtn } from './hj212-commands.ts'
import type { Hj212Packet } from './hj212-packet.ts'
import { BEIJING_OFFSET_MINUTES, formatDataTime, formatQn } from './hj212-time.ts'

export interface Hj212ReplyOptions {
  /** Flag of the reply; default: the answered packet's version bits, D = A = 0 (absent if it had no Flag). */
  readonly flag?: number
}

function reply (to: Hj212Packet, cn: string, cp: Hj212Packet['cp'], options: Hj212ReplyOptions): Hj212Packet {
  const flag = options.flag ?? (to.flag === undefined ? undefined : to.flag & 0xfc)
  return {
    ...(to.qn === undefined ? {} : { qn: to.qn }),
    st: HJ212_ST_INTERACTION,
    cn,
    pw: to.pw,
    mn: to.mn,
    ...(flag === undefined ? {} : { flag }),
    cp
  }
}

/** 9011 request reply: `CP=&&QnRtn=<code>&&` (Table 7). */
export function buildRequestReply (request: Hj212Packet, qnRtn: QnRtn, options: Hj212ReplyOptions = {}): Hj212Packet {
  return reply(request, HJ212_CN.REQUEST_REPLY, [[{ key: 'QnRtn', value: String(qnRtn) }]], options)
}

/** 9012 execution result: `CP=&&ExeRtn=<code>&&` (Table 6). */
export function buildExecutionReply (request: Hj212Packet, exeRtn: ExeRtn, options: Hj212ReplyOptions = {}): Hj212Packet {
  return reply(request, HJ212_CN.EXECUTION_RESULT, [[{ key: 'ExeRtn', value: String(exeRtn) }]], options)
}

/** 9013 notice reply, `CP=&&&&` (answers 2012, 2022, 1013). */
export function buildNoticeReply (notice: Hj212Packet, options: Hj212ReplyOptions = {}): Hj212Packet {
  return reply(notice, HJ212_CN.NOTICE_REPLY, [], options)
}

/** 9014 data reply, `CP=&&&&`, for an upload whose Flag has A = 1 (spec §6.4 item 2, vector G5). */
export function buildDataReply (upload: Hj212Packet, options: Hj212ReplyOptions = {}): Hj212Packet {
  return reply(upload, HJ212_CN.DATA_REPLY, [], options)
}

export interface Hj212TimeCalibrationOptions {
  /** QN of the command; default: `time` formatted as a QN. */
  readonly qn?: string
  /** Zone of the device clock in minutes east of UTC; default +480 (Beijing, practice). */
  readonly tzOffsetMinutes?: number
  /** Default 5: HJ 212-2017, answer requested. */
  readonly flag?: number
}

/**
 * 1012 set device time, `CP=&&SystemTime=YYYYMMDDhhmmss&&`, addressed to a device (its ST, PW, MN).
 * Sent after a device's 1013 time-calibration request has been answered with 9013.
 */
export function buildTimeCalibration (
  device: Pick<Hj212Packet, 'st' | 'pw' | 'mn'>,
  time: Date,
  options: Hj212TimeCalibrationOptions = {}
): Hj212Packet {
  const tz = options.tzOffsetMinutes ?? BEIJING_OFFSET_MINUTES
  return {
    qn: options.qn ?? formatQn(time, tz),
    st: device.st,
    cn: HJ212_CN.SET_TIME,
    pw: device.pw,
    mn: device.mn,
    flag: options.flag ?? 5,
    cp: [[{ key: 'SystemTime', value: formatDataTime(time, tz) }]]
  }
}
