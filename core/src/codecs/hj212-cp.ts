// The HJ 212 CP data area (spec/hj212.md §5): groups separated by `;`, the items of one group by
// `,`, each item `key=value`, keys `code-suffix` split at the last `-` or plain (`DataTime`).
// Spaces around keys and values are tolerated and remembered, so the text re-encodes unchanged.
// Device log text (`i11001-Info=//…//`, UTF-8) may contain separators: it ends at the first `//`
// followed by a separator or the end of the area.

import { hj212Error } from './hj212-error.ts'
import type { Hj212CpGroup, Hj212CpItem } from './hj212-packet.ts'
import { isHj212Time } from './hj212-time.ts'

type Mode = 'lenient' | 'strict'

const KEY = /^[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*$/
const CONTROL = /[\u0000-\u001f\u007f]/
const PLAIN_VALUE_FORBIDDEN = /[=&;,]/
const STRICT_DECIMAL = /^[+-]?\d+(?:\.\d+)?$/
const LOOSE_DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)$/
const INTEGER = /^\d+$/

// Table 4 (spec §5.1): N14 times, numeric suffixes, integer parameters
const TIME_KEYS = new Set(['DataTime', 'BeginTime', 'EndTime', 'SystemTime', 'RestartTime'])
const NUMERIC_SUFFIXES = new Set(['Rtd', 'Avg', 'Min', 'Max', 'Cou', 'ZsRtd', 'ZsAvg', 'ZsMin', 'ZsMax', 'RS', 'RT', 'Data', 'DayData', 'NightData'])
const INTEGER_KEYS = new Set(['QnRtn', 'ExeRtn', 'RtdInterval', 'MinInterval', 'OverTime', 'ReCount'])

function trimSpaces (s: string): string {
  let a = 0
  let b = s.length
  while (a < b && s[a] === ' ') a++
  while (b > a && s[b - 1] === ' ') b--
  return s.slice(a, b)
}

function cpError (reason: string, message: string, details?: Record<string, unknown>): Error {
  return hj212Error('ERR_HJ212_CP', reason, message, details)
}

/** Splits a CP key at its last `-`: `a34004-Rtd` → `['a34004', 'Rtd']`; plain keys → `[key, undefined]`. */
export function splitHj212Key (key: string): [string, string | undefined] {
  const dash = key.lastIndexOf('-')
  return dash < 0 ? [key, undefined] : [key.slice(0, dash), key.slice(dash + 1)]
}

/** A value as a number when it is a plain decimal (`0.70`, `-3`, `101.25`), else undefined. */
export function parseHj212Number (text: string): number | undefined {
  return LOOSE_DECIMAL.test(text) ? Number(text) : undefined
}

function checkValue (key: string, value: string, mode: Mode): void {
  if (CONTROL.test(value)) throw cpError('BAD_CP', `value of ${key} holds a control character`, { key })
  const isLog = value.startsWith('//')
  if (!isLog && PLAIN_VALUE_FORBIDDEN.test(value)) throw cpError('BAD_CP', `value of ${key} holds = & ; or ,`, { key, value })
  const [, suffix] = splitHj212Key(key)
  if (TIME_KEYS.has(key) || suffix === 'SampleTime') {
    if (!isHj212Time(value, mode === 'strict' ? 14 : 'either')) {
      throw cpError('BAD_TIME', `${key} "${value}" is not YYYYMMDDhhmmss`, { key, value })
    }
    return
  }
  if (mode === 'lenient') return
  if (value === '') throw cpError('BAD_VALUE', `${key} is empty`, { key })
  const ok = (suffix !== undefined && NUMERIC_SUFFIXES.has(suffix)) ? STRICT_DECIMAL.test(value)
    : suffix === 'Flag' ? /^[A-Za-z0-9]$/.test(value)
      : INTEGER_KEYS.has(key) ? INTEGER.test(value)
        : true
  if (!ok) throw cpError('BAD_VALUE', `${key} "${value}" has the wrong format`, { key, value })
}

/** Reads one item starting at `start`; returns it and the index of the separator (or text end) after it. */
function readItem (text: string, start: number, mode: Mode): { item: Hj212CpItem, end: number } {
  let eq = start
  while (eq < text.length && text[eq] !== '=' && text[eq] !== ';' && text[eq] !== ',') eq++
  if (eq >= text.length || text[eq] !== '=') {
    throw cpError('BAD_CP', `CP item "${text.slice(start, eq)}" has no "="`, { at: start })
  }
  const key = trimSpaces(text.slice(start, eq))
  if (!KEY.test(key)) throw cpError('BAD_CP', `CP key "${key}" is malformed`, { key, at: start })
  let vs = eq + 1
  while (vs < text.length && text[vs] === ' ') vs++
  let end: number
  let value: string
  if (text.startsWith('//', vs)) {
    let close = text.indexOf('//', vs + 2)
    for (;;) {
      if (close < 0) throw cpError('BAD_CP', `log text of ${key} has no closing //`, { key })
      let m = close + 2
      while (m < text.length && text[m] === ' ') m++
      if (m === text.length || text[m] === ',' || text[m] === ';') {
        end = m
        value = text.slice(vs, close + 2)
        break
      }
      close = text.indexOf('//', close + 1)
    }
  } else {
    end = vs
    while (end < text.length && text[end] !== ',' && text[end] !== ';') end++
    value = trimSpaces(text.slice(vs, end))
  }
  checkValue(key, value, mode)
  const raw = text.slice(start, end)
  return { item: raw === `${key}=${value}` ? { key, value } : { key, value, raw }, end }
}

/** Parses the text between `CP=&&` and the final `&&`. Throws ERR_HJ212_CP. */
export function parseHj212Cp (text: string, mode: Mode = 'lenient'): Hj212CpGroup[] {
  const groups: Hj212CpGroup[] = []
  if (text === '') return groups
  let items: Hj212CpItem[] = []
  let i = 0
  for (;;) {
    if (i === text.length || text[i] === ';' || text[i] === ',') {
      if (items.length > 0 || text[i] === ',') throw cpError('BAD_CP', 'empty CP item', { at: i })
      if (mode === 'strict') throw cpError('BAD_CP', 'empty CP group', { at: i })
      groups.push([])
      if (i === text.length) return groups
      i++
      continue
    }
    const { item, end } = readItem(text, i, mode)
    items.push(item)
    if (end === text.length) {
      groups.push(items)
      return groups
    }
    if (text[end] === ';') {
      groups.push(items)
      items = []
    }
    i = end + 1
  }
}

function itemText (item: Hj212CpItem, mode: Mode): string {
  const plain = `${item.key}=${item.value}`
  for (const text of item.raw === undefined ? [plain] : [item.raw, plain]) {
    let got: { item: Hj212CpItem, end: number } | undefined
    try {
      got = readItem(text, 0, mode)
    } catch (err) {
      if (text === plain) throw err
      continue
    }
    if (got.end === text.length && got.item.key === item.key && got.item.value === item.value) return text
  }
  throw cpError('BAD_CP', `CP item ${item.key} cannot be written without changing its meaning`, { key: item.key, value: item.value })
}

/** The CP text for `groups` (without `CP=&&` and `&&`). Throws ERR_HJ212_CP when it would not parse back. */
export function formatHj212Cp (groups: readonly Hj212CpGroup[], mode: Mode = 'lenient'): string {
  if (groups.length === 1 && groups[0].length === 0) throw cpError('BAD_CP', 'a CP area cannot be one empty group; use []')
  if (mode === 'strict' && groups.some(g => g.length === 0)) throw cpError('BAD_CP', 'empty CP group')
  return groups.map(g => g.map(item => itemText(item, mode)).join(',')).join(';')
}

/** One pollutant's fields: `{ code: 'a34004', values: { Rtd: '35', Flag: 'N' } }` (original text). */
export interface Hj212Factor {
  readonly code: string
  readonly values: Readonly<Record<string, string>>
}

/** The CP area read as data: plain keys, factors in order of first appearance, repeated keys. */
export interface Hj212CpView {
  /** Keys without `-`: DataTime, BeginTime, QnRtn, ExeRtn, SystemTime, PolId, … (first occurrence). */
  readonly fields: Readonly<Record<string, string>>
  readonly factors: readonly Hj212Factor[]
  /** Keys that occurred more than once (the first value is kept). */
  readonly duplicates: readonly string[]
}

export function readHj212Cp (cp: readonly Hj212CpGroup[]): Hj212CpView {
  const fields: Record<string, string> = Object.create(null)
  const byCode = new Map<string, Record<string, string>>()
  const seen = new Set<string>()
  const duplicates: string[] = []
  for (const group of cp) {
    for (const { key, value } of group) {
      if (seen.has(key)) {
        duplicates.push(key)
        continue
      }
      seen.add(key)
      const [code, suffix] = splitHj212Key(key)
      if (suffix === undefined) {
        fields[key] = value
        continue
      }
      let values = byCode.get(code)
      if (values === undefined) {
        values = Object.create(null) as Record<string, string>
        byCode.set(code, values)
      }
      values[suffix] = value
    }
  }
  return { fields, factors: [...byCode].map(([code, values]) => ({ code, values })), duplicates }
}
