// Property tests for the HJ 212 codec: seeded random packets round-trip, and random mutations of
// valid frames either parse (and then round-trip) or throw a ShennongError with an ERR_HJ212_* code.

import t from 'tap'
import { deepStrictEqual } from 'node:assert'
import { readFileSync } from 'node:fs'
import { ShennongError } from '../errors.ts'
import { encodeHj212, formatHj212Crc, formatQn, HJ212_COMMANDS, hj212Crc, parseHj212 } from './hj212.ts'
import type { Hj212CpGroup, Hj212CpItem, Hj212Options, Hj212Packet } from './hj212.ts'

function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let r = Math.imul(a ^ (a >>> 15), 1 | a)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

type Rng = () => number
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1))
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, 0, xs.length - 1)]
const chars = (rng: Rng, alphabet: string, lo: number, hi: number): string =>
  Array.from({ length: int(rng, lo, hi) }, () => alphabet[int(rng, 0, alphabet.length - 1)]).join('')

const HEX = '0123456789ABCDEF'
const PRINTABLE = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter(c => !';=&'.includes(c)).join('')
const CNS = Object.keys(HJ212_COMMANDS)
const SUFFIXES = ['Rtd', 'Avg', 'Min', 'Max', 'Cou', 'ZsRtd', 'ZsAvg', 'ZsMin', 'ZsMax', 'Flag', 'EFlag', 'SampleTime', 'Info', 'RS', 'RT']
const PLAIN = ['DataTime', 'BeginTime', 'EndTime', 'SystemTime', 'QnRtn', 'ExeRtn', 'PolId', 'RtdInterval', 'NewPW']
const LOG_CHARS = 'abcXYZ 0123;,=&:.-_自检完成量程状态正常'

function time (rng: Rng, digits: 14 | 17): string {
  const ms = Date.UTC(2000, 0, 1) + Math.floor(rng() * 40 * 365 * 86_400_000)
  return formatQn(new Date(ms), 480).slice(0, digits)
}

function value (rng: Rng, key: string, strict: boolean): string {
  const suffix = key.includes('-') ? key.slice(key.lastIndexOf('-') + 1) : undefined
  if (['DataTime', 'BeginTime', 'EndTime', 'SystemTime'].includes(key) || suffix === 'SampleTime') return time(rng, strict || rng() < 0.8 ? 14 : 17)
  if (['QnRtn', 'ExeRtn', 'RtdInterval'].includes(key)) return String(int(rng, 1, 3600))
  if (suffix === 'Flag') return pick(rng, ['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B', 'P', '0'])
  if (suffix === 'Info' && rng() < 0.5) return `//${chars(rng, LOG_CHARS, 0, 24)}//`
  if (!strict && rng() < 0.05) return ''
  const n = (rng() < 0.2 ? '-' : '') + String(int(rng, 0, 99999)) + (rng() < 0.7 ? '.' + chars(rng, '0123456789', 1, 4) : '')
  return strict || rng() < 0.9 ? n : chars(rng, 'abcXYZ.+-09', 1, 6)
}

function item (rng: Rng, strict: boolean): Hj212CpItem {
  const key = rng() < 0.2
    ? pick(rng, PLAIN)
    : `${rng() < 0.85 ? pick(rng, ['a', 'w']) + chars(rng, '0123456789', 5, 5) : chars(rng, 'B0123456789', 2, 3)}-${pick(rng, SUFFIXES)}`
  const v = value(rng, key, strict)
  if (rng() < 0.9) return { key, value: v }
  const raw = `${' '.repeat(int(rng, 0, 2))}${key}${' '.repeat(int(rng, 0, 2))}=${' '.repeat(int(rng, 0, 2))}${v}${' '.repeat(int(rng, 0, 2))}`
  return raw === `${key}=${v}` ? { key, value: v } : { key, value: v, raw }
}

function packet (rng: Rng, strict: boolean): Hj212Packet {
  const flag = strict || rng() < 0.8 ? int(rng, 0, 255) : undefined
  const split = flag !== undefined && (flag & 2) !== 0
  const pnum = split || (!strict && rng() < 0.1) ? int(rng, 1, 9999) : undefined
  const groups: Hj212CpGroup[] = Array.from({ length: int(rng, 0, 6) }, () => Array.from({ length: int(rng, 1, 4) }, () => item(rng, strict)))
  if (!strict && groups.length >= 2 && rng() < 0.2) groups.splice(int(rng, 0, groups.length), 0, [])
  return {
    ...(strict || rng() < 0.7 ? { qn: time(rng, 17) } : {}),
    st: chars(rng, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 2, 2),
    cn: pick(rng, CNS),
    pw: strict ? chars(rng, PRINTABLE, 6, 6) : chars(rng, PRINTABLE, 1, 10),
    mn: strict || rng() < 0.5 ? chars(rng, HEX, 24, 24) : chars(rng, PRINTABLE, 1, 24),
    ...(flag === undefined ? {} : { flag }),
    ...(pnum === undefined ? {} : { pnum, pno: int(rng, 1, pnum) }),
    cp: groups
  }
}

function isHj212Error (err: unknown): boolean {
  return err instanceof ShennongError && err.code.startsWith('ERR_HJ212_')
}

t.test('4000 random packets: parse(encode(p)) equals p and re-encodes to the same bytes', async t => {
  const rng = mulberry32(20240601)
  let checked = 0
  let tooLarge = 0
  const failures: string[] = []
  for (let i = 0; i < 4000; i++) {
    const strict = i % 4 === 0
    const options: Hj212Options = strict ? { mode: 'strict' } : {}
    const p = packet(rng, strict)
    let frame: string
    try {
      frame = encodeHj212(p, options)
    } catch (err) {
      if (isHj212Error(err) && ['LENGTH_TOO_LARGE', 'CP_TOO_LARGE'].includes(String((err as ShennongError).details?.reason))) {
        tooLarge++
        continue
      }
      failures.push(`#${i} encode: ${String(err)} ${JSON.stringify(p)}`)
      continue
    }
    try {
      const back = parseHj212(frame, options)
      deepStrictEqual(back, p)
      if (encodeHj212(back, options) !== frame) throw new Error('re-encode differs')
      checked++
    } catch (err) {
      failures.push(`#${i}: ${String(err).slice(0, 300)} ${frame}`)
    }
  }
  t.same(failures.slice(0, 5), [], 'no failures')
  t.ok(checked > 3500, `${checked} round-tripped (${tooLarge} too large to encode)`)
})

const load = (name: string): string[] =>
  JSON.parse(readFileSync(new URL(`testcases/hj212/${name}`, import.meta.url), 'utf8')).map((v: { frame: string }) => v.frame)
const seeds = [...load('valid.json'), ...load('field-shapes.json')].map(f => Buffer.from(f))

function refit (b: Buffer, rng: Rng): Buffer {
  // half of the mutants get a correct length and CRC, so the mutation reaches the segment parser
  if (b.length < 12 || rng() < 0.5) return b
  const body = b.subarray(6, b.length - 6)
  const out = Buffer.concat([Buffer.from(`##${String(body.length).padStart(4, '0')}`), body, Buffer.from(`${formatHj212Crc(hj212Crc(body))}\r\n`)])
  return out
}

function mutate (src: Buffer, rng: Rng): Buffer {
  let b = Buffer.from(src)
  const ops = int(rng, 1, 3)
  for (let k = 0; k < ops; k++) {
    const at = int(rng, 0, Math.max(0, b.length - 1))
    switch (int(rng, 0, 7)) {
      case 0: if (b.length > 0) b[at] ^= 1 << int(rng, 0, 7); break
      case 1: b = b.subarray(0, int(rng, 0, b.length)); break
      case 2: b = Buffer.concat([b.subarray(0, at), Buffer.from([int(rng, 0, 255)]), b.subarray(at)]); break
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(rng, [';', ',', '=', '&', '&&', '//', ' ', '-', 'CP=&&', '\r\n', '##', 'Flag=7;'])), b.subarray(at)]); break
      case 4: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + int(rng, 1, 8)))]); break
      case 5: if (b.length >= 6) b.write(pick(rng, [String(int(rng, 0, 9999)).padStart(4, '0'), '-001', '9999', '0000', ' 429']), 2, 'latin1'); break
      case 6: if (b.length > 0) b[at] = pick(rng, [0x23, 0x3b, 0x2c, 0x3d, 0x26, 0x2d, 0x2f, 0x20, 0x0d, 0x0a, 0x00, 0xff, 0xe8]); break
      default: b = Buffer.concat([b, b.subarray(0, int(rng, 0, b.length))])
    }
  }
  return refit(b, rng)
}

t.test('20000 mutated frames: parse returns or throws ERR_HJ212_*, never anything else, never hangs', async t => {
  const rng = mulberry32(212)
  const other: string[] = []
  const codes = new Map<string, number>()
  let accepted = 0
  const started = performance.now()
  for (let i = 0; i < 20_000; i++) {
    const frame = mutate(pick(rng, seeds), rng)
    let p: Hj212Packet
    try {
      p = parseHj212(rng() < 0.5 ? frame : frame.toString('utf8'))
    } catch (err) {
      if (isHj212Error(err)) {
        const code = (err as ShennongError).code
        codes.set(code, (codes.get(code) ?? 0) + 1)
      } else {
        other.push(`${String(err).slice(0, 200)} ${JSON.stringify(frame.toString('latin1'))}`)
      }
      continue
    }
    accepted++
    try {
      // whatever parse accepts, encode writes back and parse reads the same packet again
      deepStrictEqual(parseHj212(encodeHj212(p)), p)
    } catch (err) {
      other.push(`accepted but no round trip: ${String(err).slice(0, 200)} ${JSON.stringify(frame.toString('latin1'))}`)
    }
  }
  const seconds = (performance.now() - started) / 1000
  t.same(other.slice(0, 5), [], 'only ShennongErrors with ERR_HJ212_* codes')
  t.ok(seconds < 60, `took ${seconds.toFixed(1)} s`)
  t.ok(accepted > 0 && codes.size >= 6, `accepted ${accepted}; rejects ${JSON.stringify(Object.fromEntries(codes))}`)
})
