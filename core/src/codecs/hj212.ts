// HJ 212 codec (spec/hj212.md; HJ 212-2017 with HJ/T 212-2005 tolerance). Pure: text or bytes in,
// packets out, and back. A frame is `##` + 4-digit length + data segment + 4-hex CRC + CR LF.
// Every rejection is a ShennongError with an ERR_HJ212_* code and `details.reason` from §9.

import { HJ212_COMMANDS } from './hj212-commands.ts'
import { formatHj212Cp, parseHj212Cp } from './hj212-cp.ts'
import { formatHj212Crc, hj212Crc } from './hj212-crc.ts'
import { hj212Error } from './hj212-error.ts'
import type { Hj212Options, Hj212Packet } from './hj212-packet.ts'
import { isHj212Time } from './hj212-time.ts'

export { formatHj212Crc, hj212Crc } from './hj212-crc.ts'
export { formatHj212Cp, parseHj212Cp, parseHj212Number, readHj212Cp, splitHj212Key } from './hj212-cp.ts'
export type { Hj212CpView, Hj212Factor } from './hj212-cp.ts'
export type { Hj212CpGroup, Hj212CpItem, Hj212Options, Hj212Packet } from './hj212-packet.ts'
export { BEIJING_OFFSET_MINUTES, formatDataTime, formatQn, parseDataTime, parseQn } from './hj212-time.ts'
export * from './hj212-commands.ts'
export * from './hj212-replies.ts'

const MAX_SEGMENT = 1024 // Table 2: data segment 0–1024 bytes
const MAX_CP = 950 // Table 3: CP field including `CP=&&` and `&&`
const CR = 0x0d
const LF = 0x0a
const HASH = 0x23

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

const HEADER_FIELDS = ['QN', 'ST', 'CN', 'PW', 'MN', 'Flag', 'PNUM', 'PNO'] as const
type HeaderField = typeof HEADER_FIELDS[number]
const IDENT = /^[\x21-\x7e]{1,24}$/ // printable ASCII; ; = & are excluded separately
const FORBIDDEN_IN_IDENT = /[;=&]/

/** Decoded Flag bits (§4.1). */
export interface Hj212FlagBits {
  /** Bits 2–7: 0 = HJ/T 212-2005, 1 = HJ 212-2017, others unknown (stored, not rejected). Undefined when Flag is absent. */
  readonly version: number | undefined
  /** Bit 1 (D): the packet carries PNUM/PNO. */
  readonly split: boolean
  /** Bit 0 (A): the receiver must answer. */
  readonly answerRequested: boolean
}

/** HJ 212-2017 §6.3.2 Table 3 Flag: `V5…V0 D A`. Absent Flag (2005 style) = no answer, no split, version unknown. */
export function decodeHj212Flag (flag: number | undefined): Hj212FlagBits {
  if (flag === undefined) return { version: undefined, split: false, answerRequested: false }
  return { version: flag >>> 2, split: (flag & 2) !== 0, answerRequested: (flag & 1) !== 0 }
}

export function encodeHj212Flag (bits: { version: number, split?: boolean, answerRequested?: boolean }): number {
  if (!Number.isInteger(bits.version) || bits.version < 0 || bits.version > 63) {
    throw hj212Error('ERR_HJ212_FIELD', 'BAD_FLAG', `Flag version ${bits.version} is not 0…63`, { field: 'Flag' })
  }
  return (bits.version << 2) | (bits.split === true ? 2 : 0) | (bits.answerRequested === true ? 1 : 0)
}

/** The edition a Flag version names, if known. */
export function hj212Edition (flag: number | undefined): '2005' | '2017' | undefined {
  const { version } = decodeHj212Flag(flag)
  return version === 0 ? '2005' : version === 1 ? '2017' : undefined
}

function fieldError (reason: string, message: string, details?: Record<string, unknown>): Error {
  return hj212Error('ERR_HJ212_FIELD', reason, message, details)
}

function parseSmallInt (field: HeaderField, text: string, maxDigits: number): number {
  if (!new RegExp(`^\\d{1,${maxDigits}}$`).test(text)) throw fieldError(`BAD_${field.toUpperCase()}`, `${field} "${text}" is not a number`, { field, value: text })
  return Number(text)
}

function checkIdent (field: 'MN' | 'PW', value: string, mode: 'lenient' | 'strict'): void {
  const ok = mode === 'strict'
    ? (field === 'MN' ? /^[0-9A-F]{24}$/.test(value) : /^[\x21-\x7e]{6}$/.test(value) && !FORBIDDEN_IN_IDENT.test(value))
    : IDENT.test(value) && !FORBIDDEN_IN_IDENT.test(value)
  if (!ok) throw fieldError(`BAD_${field}`, `${field} "${value}" is malformed`, { field, value })
}

/** Checks the header fields of a packet (shared by parse and encode). */
function checkHeader (p: Hj212Packet, options: Hj212Options): void {
  const mode = options.mode ?? 'lenient'
  for (const field of ['ST', 'CN', 'PW', 'MN'] as const) {
    const v = p[field.toLowerCase() as 'st' | 'cn' | 'pw' | 'mn']
    if (typeof v !== 'string') throw fieldError(`MISSING_${field}`, `${field} is missing`, { field })
  }
  if (p.qn === undefined) {
    if (mode === 'strict') throw fieldError('MISSING_QN', 'QN is missing', { field: 'QN' })
  } else if (typeof p.qn !== 'string' || !isHj212Time(p.qn, 17)) {
    throw fieldError('BAD_QN', `QN "${String(p.qn)}" is not YYYYMMDDhhmmsszzz`, { field: 'QN', value: p.qn })
  }
  if (!/^[0-9A-Z]{2}$/.test(p.st)) throw fieldError('BAD_ST', `ST "${p.st}" is not 2 chars 0-9A-Z`, { field: 'ST', value: p.st })
  if (!/^\d{4}$/.test(p.cn)) throw fieldError('BAD_CN', `CN "${p.cn}" is not 4 digits`, { field: 'CN', value: p.cn })
  checkIdent('PW', p.pw, mode)
  checkIdent('MN', p.mn, mode)
  if (p.flag === undefined) {
    if (mode === 'strict') throw fieldError('MISSING_FLAG', 'Flag is missing', { field: 'Flag' })
  } else if (!Number.isInteger(p.flag) || p.flag < 0 || p.flag > 255) {
    throw fieldError('BAD_FLAG', `Flag ${p.flag} is not 0…255`, { field: 'Flag', value: p.flag })
  }
  if ((p.pnum === undefined) !== (p.pno === undefined)) {
    const missing = p.pnum === undefined ? 'PNUM' : 'PNO'
    throw fieldError(`MISSING_${missing}`, 'PNUM and PNO come together', { field: missing })
  }
  const bits = decodeHj212Flag(p.flag)
  if (p.pnum !== undefined && p.pno !== undefined) {
    if (!Number.isInteger(p.pnum) || p.pnum < 1 || p.pnum > 9999) throw fieldError('BAD_PNUM', `PNUM ${p.pnum} is not 1…9999`, { field: 'PNUM', value: p.pnum })
    if (!Number.isInteger(p.pno) || p.pno < 1 || p.pno > p.pnum) {
      throw fieldError('BAD_PNO', `PNO ${p.pno} is not 1…PNUM (${p.pnum})`, { field: 'PNO', value: p.pno, pnum: p.pnum })
    }
    // §4.2 practice: PNUM/PNO also arrive without Flag or without the D bit; only strict refuses that
    if (mode === 'strict' && !bits.split) throw fieldError('BAD_FLAG', 'PNUM/PNO present but Flag bit D is 0', { field: 'Flag', value: p.flag })
  } else if (bits.split) {
    throw fieldError('MISSING_PNUM', 'Flag bit D is 1 but PNUM/PNO are missing', { field: 'PNUM', flag: p.flag })
  }
  const commands = options.commands ?? HJ212_COMMANDS
  if ((options.unknownCn ?? 'reject') === 'reject' && !Object.hasOwn(commands, p.cn)) {
    throw hj212Error('ERR_HJ212_CN', 'UNKNOWN_CN', `CN ${p.cn} is not a known command`, { cn: p.cn })
  }
}

/** Parses a data segment (`QN=…;…;CP=&&…&&`, no framing). Throws ERR_HJ212_CP / _FIELD / _CN. */
export function parseHj212Segment (segment: string, options: Hj212Options = {}): Hj212Packet {
  const mode = options.mode ?? 'lenient'
  // §9 check 9: the segment holds `CP=&&` as a field and ends with `&&`
  const marker = segment.indexOf(';CP=&&')
  const cpAt = segment.startsWith('CP=&&') ? 0 : marker < 0 ? -1 : marker + 1
  if (cpAt < 0 || !segment.endsWith('&&') || segment.length - cpAt < 7) {
    throw hj212Error('ERR_HJ212_CP', 'BAD_CP', 'data segment lacks CP=&&…&& at its end')
  }
  const cpText = segment.slice(cpAt + 5, -2)
  if (mode === 'strict' && utf8.encode(cpText).length + 7 > MAX_CP) {
    throw hj212Error('ERR_HJ212_CP', 'CP_TOO_LARGE', `CP field exceeds ${MAX_CP} bytes`, { max: MAX_CP })
  }
  const seen = new Map<HeaderField, string>()
  if (cpAt > 0) {
    for (const part of segment.slice(0, cpAt - 1).split(';')) {
      const eq = part.indexOf('=')
      const name = eq < 0 ? part : part.slice(0, eq)
      if (!(HEADER_FIELDS as readonly string[]).includes(name)) {
        throw fieldError(eq < 0 ? 'BAD_FIELD' : 'UNKNOWN_FIELD', `"${part.slice(0, 40)}" is not a data segment field`, { field: name })
      }
      if (seen.has(name as HeaderField)) throw fieldError('DUPLICATE_FIELD', `${name} occurs twice`, { field: name })
      seen.set(name as HeaderField, part.slice(eq + 1))
    }
  }
  // §4.2: any field order is accepted on input; the packet is written back in standard order
  const get = (f: HeaderField): string | undefined => seen.get(f)
  const flagText = get('Flag')
  const pnumText = get('PNUM')
  const pnoText = get('PNO')
  const packet: Record<string, unknown> = {}
  if (get('QN') !== undefined) packet.qn = get('QN')
  packet.st = get('ST')
  packet.cn = get('CN')
  packet.pw = get('PW')
  packet.mn = get('MN')
  if (flagText !== undefined) packet.flag = parseSmallInt('Flag', flagText, 3)
  if (pnumText !== undefined) packet.pnum = parseSmallInt('PNUM', pnumText, 4)
  if (pnoText !== undefined) packet.pno = parseSmallInt('PNO', pnoText, 4)
  for (const f of ['st', 'cn', 'pw', 'mn']) if (packet[f] === undefined) delete packet[f]
  checkHeader(packet as unknown as Hj212Packet, options)
  packet.cp = parseHj212Cp(cpText, mode)
  return packet as unknown as Hj212Packet
}

/** The data segment text of a packet in standard field order. Throws like parse would. */
export function encodeHj212Segment (packet: Hj212Packet, options: Hj212Options = {}): string {
  checkHeader(packet, options)
  if (!Array.isArray(packet.cp)) throw hj212Error('ERR_HJ212_CP', 'BAD_CP', 'packet.cp must be an array of groups')
  const parts: string[] = []
  if (packet.qn !== undefined) parts.push(`QN=${packet.qn}`)
  parts.push(`ST=${packet.st}`, `CN=${packet.cn}`, `PW=${packet.pw}`, `MN=${packet.mn}`)
  if (packet.flag !== undefined) parts.push(`Flag=${packet.flag}`)
  if (packet.pnum !== undefined) parts.push(`PNUM=${packet.pnum}`, `PNO=${packet.pno}`)
  const cpText = formatHj212Cp(packet.cp, options.mode ?? 'lenient')
  if ((options.mode ?? 'lenient') === 'strict' && utf8.encode(cpText).length + 7 > MAX_CP) {
    throw hj212Error('ERR_HJ212_CP', 'CP_TOO_LARGE', `CP field exceeds ${MAX_CP} bytes`, { max: MAX_CP })
  }
  parts.push(`CP=&&${cpText}&&`)
  return parts.join(';')
}

/** A whole frame for `packet`: `##` + length + segment + CRC (upper case) + CR LF. */
export function encodeHj212 (packet: Hj212Packet, options: Hj212Options = {}): string {
  const segment = encodeHj212Segment(packet, options)
  const bytes = utf8.encode(segment)
  const length = options.lengthCountsChars === true ? segment.length : bytes.length
  const max = Math.min(options.maxLength ?? MAX_SEGMENT, 9999)
  if (bytes.length > max || length > max) {
    throw hj212Error('ERR_HJ212_LENGTH', 'LENGTH_TOO_LARGE', `data segment of ${bytes.length} bytes exceeds ${max}`, { max, actual: bytes.length })
  }
  // HJ 212-2017 §6.3: length as 4 decimal digits, CRC over the data segment only
  return `##${String(length).padStart(4, '0')}${segment}${formatHj212Crc(hj212Crc(bytes))}\r\n`
}

function isDigit (b: number): boolean {
  return b >= 0x30 && b <= 0x39
}

function isHex (b: number): boolean {
  return isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
}

/**
 * Parses one complete frame (string or bytes, CR LF included). Checks follow spec §9 in order:
 * header, length field, size, length, trailer, CRC field, CRC, CP, fields, CN.
 */
export function parseHj212 (frame: string | Uint8Array, options: Hj212Options = {}): Hj212Packet {
  const bytes = typeof frame === 'string' ? utf8.encode(frame) : frame
  const n = bytes.length
  if (n < 2 && (n === 0 || bytes[0] === HASH)) throw hj212Error('ERR_HJ212_TRUNCATED', 'TRUNCATED', 'frame ends before its header', { received: n })
  if (bytes[0] !== HASH || bytes[1] !== HASH) throw hj212Error('ERR_HJ212_FRAME', 'BAD_HEADER', 'frame does not start with ##')
  if (n < 6) throw hj212Error('ERR_HJ212_TRUNCATED', 'TRUNCATED', 'frame ends inside its length field', { received: n })
  const lengthField = String.fromCharCode(bytes[2], bytes[3], bytes[4], bytes[5])
  if (![2, 3, 4, 5].every(i => isDigit(bytes[i]))) {
    throw hj212Error('ERR_HJ212_LENGTH', 'BAD_LENGTH_FIELD', `length field "${lengthField}" is not 4 digits`, { actual: lengthField })
  }
  const declared = Number(lengthField)
  const max = options.maxLength ?? MAX_SEGMENT
  if (declared > max) throw hj212Error('ERR_HJ212_LENGTH', 'LENGTH_TOO_LARGE', `declared length ${declared} exceeds ${max}`, { declared, max })
  const endsWithCrlf = n >= 2 && bytes[n - 2] === CR && bytes[n - 1] === LF
  if (n !== 12 + declared) {
    const charsMatch = options.lengthCountsChars === true && endsWithCrlf && n >= 12 && charLength(bytes.subarray(6, n - 6)) === declared
    if (!charsMatch) {
      if (n < 12 + declared && !endsWithCrlf) {
        throw hj212Error('ERR_HJ212_TRUNCATED', 'TRUNCATED', `frame has ${n} of ${12 + declared} bytes`, { declared, received: n, expectedBytes: 12 + declared })
      }
      throw hj212Error('ERR_HJ212_LENGTH', 'LENGTH_MISMATCH', `length field says ${declared} but the data segment has ${n - 12} bytes`, { declared, actual: n - 12 })
    }
  }
  if (!endsWithCrlf) throw hj212Error('ERR_HJ212_FRAME', 'BAD_TRAILER', 'frame does not end with CR LF')
  const crcBytes = bytes.subarray(n - 6, n - 2)
  if (!crcBytes.every(isHex)) {
    throw hj212Error('ERR_HJ212_CRC', 'BAD_CRC_FIELD', 'CRC field is not 4 hex digits', { actual: String.fromCharCode(...crcBytes) })
  }
  const segmentBytes = bytes.subarray(6, n - 6)
  const actual = String.fromCharCode(...crcBytes)
  const expected = formatHj212Crc(hj212Crc(segmentBytes))
  // §3: compare case-insensitively; devices send lower case
  if (actual.toUpperCase() !== expected) {
    throw hj212Error('ERR_HJ212_CRC', 'CRC_MISMATCH', `CRC ${actual} does not match the data segment (${expected})`, { expected, actual })
  }
  let segment: string
  try {
    segment = utf8Strict.decode(segmentBytes)
  } catch (cause) {
    throw hj212Error('ERR_HJ212_FRAME', 'BAD_ENCODING', 'data segment is not valid UTF-8', { cause: String(cause) })
  }
  return parseHj212Segment(segment, options)
}

function charLength (bytes: Uint8Array): number {
  try {
    return utf8Strict.decode(bytes).length
  } catch {
    return -1
  }
}
