// NMEA 0183 GGA and RMC sentences from any talker (GP, GL, GA, GB, BD, GQ, QZ, GI, GN, …),
// per spec/gnss-beidou.md. Pure: a line in, a typed sentence out, or a ShennongError whose `code` is
// ERR_NMEA_CHECKSUM, ERR_NMEA_SYNTAX or ERR_NMEA_UNSUPPORTED and whose `details.reason` names the cause
// (the reasons of spec §5.3: CHECKSUM_MISMATCH, NO_CHECKSUM, TOO_FEW_FIELDS, NO_START, TOO_LONG, …).
//
// Empty fields become null, never 0 (spec §1). A sentence without a usable position (GGA quality 0,
// RMC status V or mode N) parses normally with `fix: false`: the caller must not store its position.

import { ShennongError } from '../errors.ts'

export type NmeaConstellation = 'gps' | 'glonass' | 'galileo' | 'beidou' | 'qzss' | 'navic' | 'multi' | 'unknown'

interface NmeaFixBase {
  /** Two-letter talker as sent (`BD` and `GB` both mean BeiDou). */
  talker: string
  constellation: NmeaConstellation
  /** UTC time of day as sent, normalised to `hh:mm:ss[.fff]`; null when the field is empty. */
  time: string | null
  /** UTC time of day in milliseconds since midnight; null when empty. */
  timeOfDayMs: number | null
  /** Signed decimal degrees, negative south; null when empty. */
  latDeg: number | null
  /** Signed decimal degrees, negative west; null when empty. */
  lonDeg: number | null
  /** True only when the position is usable (GGA: quality ≠ 0; RMC: status A and mode ≠ N). */
  fix: boolean
}

export interface NmeaGga extends NmeaFixBase {
  type: 'GGA'
  /** 0 no fix, 1 GNSS, 2 differential, 3 PPS, 4 RTK fixed, 5 RTK float, 6 dead reckoning, 7 manual, 8 simulator. */
  fixQuality: number | null
  satellites: number | null
  hdop: number | null
  /** Altitude above mean sea level, metres. */
  altitudeM: number | null
  /** Geoid separation (ellipsoid − geoid), metres; may be negative. */
  geoidSeparationM: number | null
  /** Age of differential data, seconds. */
  dgpsAgeS: number | null
  /** Differential reference station ID, 0–1023. */
  dgpsStationId: number | null
}

export interface NmeaRmc extends NmeaFixBase {
  type: 'RMC'
  /** A = valid, V = warning / invalid. */
  status: 'A' | 'V'
  sogKn: number | null
  /** Course over ground, degrees true; null when the receiver leaves it empty (not moving). */
  cogDeg: number | null
  /** UTC date `YYYY-MM-DD`; two-digit years 80–99 are 19xx, 00–79 are 20xx. */
  date: string | null
  /** Epoch milliseconds (UTC) from date and time; null when either is empty. */
  timestamp: number | null
  /** Magnetic variation, degrees, east positive, west negative. */
  magneticVariationDeg: number | null
  /** NMEA 2.3+ mode indicator: A, D, E, M, S, N, F, R, P (…); null on 2.2 receivers. */
  mode: string | null
  /** NMEA 4.10+ navigational status: S safe, C caution, U unsafe, V not provided; null when absent. */
  navStatus: string | null
}

export type NmeaSentence = NmeaGga | NmeaRmc

/** spec §1: 82 characters including `$` and CR LF, so at most 76 between `$` and `*`. */
const MAX_BODY = 76

const CONSTELLATIONS: Record<string, NmeaConstellation> = {
  GP: 'gps',
  GL: 'glonass',
  GA: 'galileo',
  GB: 'beidou', // NMEA 4.10
  BD: 'beidou', // legacy, common on Chinese modules
  GQ: 'qzss', // NMEA 4.11
  QZ: 'qzss',
  GI: 'navic', // NMEA 4.11
  GN: 'multi'
}

/** Two upper-case hex digits: XOR of every byte of `body` (the text strictly between `$` and `*`). */
export function nmeaChecksum (body: string): string {
  let sum = 0
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i)
  return (sum & 0xff).toString(16).toUpperCase().padStart(2, '0')
}

/**
 * `$` + body + `*hh` (no line ending; serial writers add CR LF). The length is not checked, so a
 * simulator can produce over-long sentences on purpose; characters that break framing are refused.
 */
export function formatNmea (body: string): string {
  if (!/^[\x20-\x7e]*$/.test(body) || body.includes('$') || body.includes('*')) {
    throw syntax('BAD_BODY', 'An NMEA body must be printable ASCII without "$" or "*"; pass the text between them.', { body })
  }
  return `$${body}*${nmeaChecksum(body)}`
}

/** Parses one GGA or RMC line (trailing CR/LF allowed). Throws ShennongError; see the file header. */
export function parseNmea (line: string): NmeaSentence {
  const text = line.replace(/\r?\n$|\r$/, '')
  if (text.length === 0) throw syntax('EMPTY', 'The NMEA line is empty.', {})
  if (text[0] === '!') {
    throw new ShennongError('ERR_NMEA_UNSUPPORTED', 'AIS encapsulation sentences (!) are not parsed here.', { details: { reason: 'ENCAPSULATION', line: text } })
  }
  if (text[0] !== '$') throw syntax('NO_START', 'An NMEA sentence must start with "$".', { line: text })

  const star = text.indexOf('*')
  const body = star === -1 ? text.slice(1) : text.slice(1, star)
  if (body.length > MAX_BODY) {
    throw syntax('TOO_LONG', `An NMEA sentence may carry at most ${MAX_BODY} characters between "$" and "*".`, { length: body.length })
  }
  if (!/^[\x20-\x7e]*$/.test(body)) throw syntax('NOT_PRINTABLE', 'An NMEA sentence must be printable ASCII.', {})

  const fields = body.split(',')
  const address = fields[0]
  const sentence = address.length === 5 ? address.slice(2) : address

  if (star === -1) {
    // Some receivers omit the checksum on proprietary sentences; we require it on what we parse (spec §1).
    if (sentence === 'GGA' || sentence === 'RMC') {
      throw new ShennongError('ERR_NMEA_CHECKSUM', 'The NMEA sentence has no *hh checksum; GGA and RMC must carry one.', { details: { reason: 'NO_CHECKSUM', address } })
    }
    throw unsupported(address)
  }
  const given = text.slice(star + 1)
  if (!/^[0-9A-Fa-f]{2}$/.test(given)) {
    throw syntax('BAD_CHECKSUM_FIELD', 'An NMEA checksum must be exactly two hex digits after "*".', { checksum: given })
  }
  const expected = nmeaChecksum(body)
  if (given.toUpperCase() !== expected) {
    throw new ShennongError('ERR_NMEA_CHECKSUM', `NMEA checksum mismatch: sentence says ${given}, content gives ${expected}; discard the line.`, { details: { reason: 'CHECKSUM_MISMATCH', given, expected } })
  }

  if (address[0] === 'P') throw unsupported(address) // proprietary: $P + manufacturer code
  if (!/^[A-Z]{2}[A-Z]{3}$/.test(address)) throw syntax('BAD_ADDRESS', 'The NMEA address must be a two-letter talker and a three-letter sentence type.', { address })

  const talker = address.slice(0, 2)
  const base = { talker, constellation: CONSTELLATIONS[talker] ?? 'unknown' }
  if (sentence === 'GGA') return parseGga(fields, base)
  if (sentence === 'RMC') return parseRmc(fields, base)
  throw unsupported(address)
}

type Base = Pick<NmeaFixBase, 'talker' | 'constellation'>

// spec §3.1: 14 data fields after the address.
function parseGga (f: string[], base: Base): NmeaGga {
  requireFields(f, 14, 'GGA')
  const time = parseTime(f[1])
  const fixQuality = parseInteger(f[6], 'fixQuality')
  unitIs(f[10], 'M', 'altitudeUnit')
  unitIs(f[12], 'M', 'geoidSeparationUnit')
  return {
    type: 'GGA',
    ...base,
    time: time?.text ?? null,
    timeOfDayMs: time?.ms ?? null,
    latDeg: parseCoordinate(f[2], f[3], 'lat'),
    lonDeg: parseCoordinate(f[4], f[5], 'lon'),
    // spec §3.1: a position is usable only when field 6 ≠ 0
    fix: fixQuality !== null && fixQuality !== 0,
    fixQuality,
    satellites: parseInteger(f[7], 'satellites'),
    hdop: parseNumber(f[8], 'hdop'),
    altitudeM: parseNumber(f[9], 'altitudeM'),
    geoidSeparationM: parseNumber(f[11], 'geoidSeparationM'),
    dgpsAgeS: parseNumber(f[13], 'dgpsAgeS'),
    dgpsStationId: parseInteger(f[14], 'dgpsStationId')
  }
}

// spec §3.2: 11 data fields (≤ 2.2), 12 (2.3–4.0), 13 (4.10+); extra trailing fields are tolerated.
function parseRmc (f: string[], base: Base): NmeaRmc {
  requireFields(f, 11, 'RMC')
  const time = parseTime(f[1])
  const status = f[2]
  if (status !== 'A' && status !== 'V') throw badField('status', status)
  const date = parseDate(f[9])
  const mode = parseLetter(f[12], 'mode')
  const navStatus = parseLetter(f[13], 'navStatus')
  const variation = parseNumber(f[10], 'magneticVariationDeg')
  const variationDir = f[11] ?? ''
  if (variationDir !== '' && variationDir !== 'E' && variationDir !== 'W') throw badField('magneticVariationDir', variationDir)
  return {
    type: 'RMC',
    ...base,
    time: time?.text ?? null,
    timeOfDayMs: time?.ms ?? null,
    latDeg: parseCoordinate(f[3], f[4], 'lat'),
    lonDeg: parseCoordinate(f[5], f[6], 'lon'),
    // spec §3.2: usable when status = A and mode ∉ {N}
    fix: status === 'A' && mode !== 'N',
    status,
    sogKn: parseNumber(f[7], 'sogKn'),
    cogDeg: parseNumber(f[8], 'cogDeg'),
    date: date?.text ?? null,
    timestamp: date !== null && time !== null ? date.ms + time.ms : null,
    magneticVariationDeg: variation === null ? null : (variationDir === 'W' ? -variation : variation),
    mode,
    navStatus
  }
}

function requireFields (f: string[], dataFields: number, type: string): void {
  if (f.length - 1 < dataFields) {
    throw syntax('TOO_FEW_FIELDS', `An NMEA ${type} sentence needs at least ${dataFields} data fields; got ${f.length - 1}.`, { fields: f.length - 1 })
  }
}

function parseTime (s: string): { text: string, ms: number } | null {
  if (s === '') return null
  const m = /^(\d{2})(\d{2})(\d{2})(\.\d+)?$/.exec(s)
  if (m === null) throw badField('time', s)
  const h = Number(m[1])
  const min = Number(m[2])
  const sec = Number(m[3])
  if (h > 23 || min > 59 || sec > 60) throw badField('time', s) // 60: leap second
  const frac = m[4] ?? ''
  const ms = Math.round(Number(`0${frac === '' ? '' : frac}`) * 1000)
  return { text: `${m[1]}:${m[2]}:${m[3]}${frac}`, ms: ((h * 60 + min) * 60 + sec) * 1000 + ms }
}

function parseDate (s: string): { text: string, ms: number } | null {
  if (s === '') return null
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(s)
  if (m === null) throw badField('date', s)
  const day = Number(m[1])
  const month = Number(m[2])
  const yy = Number(m[3])
  const year = yy >= 80 ? 1900 + yy : 2000 + yy // spec §3.2: 80–99 → 19xx, 00–79 → 20xx
  const ms = Date.UTC(year, month - 1, day)
  const check = new Date(ms)
  if (month < 1 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) throw badField('date', s)
  return { text: `${year}-${m[2]}-${m[1]}`, ms }
}

// spec §4: ddmm.mmmm / dddmm.mmmm; locate the decimal point, not fixed widths.
function parseCoordinate (value: string, hemisphere: string, axis: 'lat' | 'lon'): number | null {
  const name = axis === 'lat' ? 'latDeg' : 'lonDeg'
  if (value === '' && hemisphere === '') return null
  if (!/^\d{3,}(\.\d+)?$/.test(value)) throw badField(name, value)
  const point = value.indexOf('.') === -1 ? value.length : value.indexOf('.')
  const degrees = Number(value.slice(0, point - 2))
  const minutes = Number(value.slice(point - 2))
  const max = axis === 'lat' ? 90 : 180
  const decimal = degrees + minutes / 60
  if (minutes >= 60 || decimal > max) throw badField(name, value)
  const negative = axis === 'lat' ? 'S' : 'W'
  const positive = axis === 'lat' ? 'N' : 'E'
  if (hemisphere === negative) return decimal === 0 ? 0 : -decimal
  if (hemisphere === positive) return decimal
  throw badField(`${name} hemisphere`, hemisphere)
}

function parseNumber (s: string | undefined, name: string): number | null {
  if (s === undefined || s === '') return null
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) throw badField(name, s)
  return Number(s)
}

function parseInteger (s: string | undefined, name: string): number | null {
  if (s === undefined || s === '') return null
  if (!/^\d+$/.test(s)) throw badField(name, s)
  return Number(s)
}

function parseLetter (s: string | undefined, name: string): string | null {
  if (s === undefined || s === '') return null
  if (!/^[A-Z]$/.test(s)) throw badField(name, s)
  return s
}

function unitIs (s: string, unit: string, name: string): void {
  if (s !== '' && s !== unit) throw badField(name, s)
}

function badField (field: string, value: string): ShennongError {
  return syntax('BAD_FIELD', `NMEA field ${field} is malformed: ${JSON.stringify(value)}.`, { field, value })
}

function syntax (reason: string, message: string, details: Record<string, unknown>): ShennongError {
  return new ShennongError('ERR_NMEA_SYNTAX', message, { details: { reason, ...details } })
}

function unsupported (address: string): ShennongError {
  return new ShennongError('ERR_NMEA_UNSUPPORTED', `NMEA sentence ${address} is not parsed (only GGA and RMC); skip it.`, {
    details: { reason: address[0] === 'P' ? 'PROPRIETARY' : 'SENTENCE_TYPE', address, sentence: address.length === 5 ? address.slice(2) : address }
  })
}
