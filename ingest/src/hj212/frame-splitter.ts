// Cuts a TCP byte stream into HJ 212 frames (spec/hj212.md §1–§2, §9) and parses each with the
// core codec. Copes with frames split across reads, several frames per read, garbage between
// frames and length fields that lie; the buffer never holds more than maxFrameBytes plus one read.
// A data segment never contains CR LF (the codec refuses control characters), so the first CR LF
// after the length field ends the frame whatever its length field says; a frame that fails is
// dropped up to the next `##` inside it (resync), so a cut-off frame does not take the next one down.
import { parseHj212 } from '@shennong/core/codecs/hj212.ts'
import type { Hj212Options, Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import { ShennongError } from '@shennong/core/errors.ts'

const HASH = 0x23
const CR = 0x0d
const LF = 0x0a

export interface FrameReject {
  /** The §9 reason (`details.reason` of the codec error), or GARBAGE for bytes outside any frame. */
  reason: string
  code: string
  message: string
  /** The rejected bytes, at most 200, for the log. */
  sample: string
}

export interface FrameSplitterOptions {
  /** Largest frame including `##`, length, CRC and CR LF (12 + data segment). */
  maxFrameBytes: number
  codec: Hj212Options
  onPacket: (packet: Hj212Packet, frame: Buffer) => void
  onReject: (reject: FrameReject) => void
}

export interface FrameSplitter {
  push: (chunk: Buffer) => void
  /** Bytes waiting for the rest of a frame. */
  readonly buffered: number
  /** The stream ended (close or idle timeout): a partial frame left is rejected as TRUNCATED. */
  end: () => void
}

function isDigit (b: number): boolean {
  return b >= 0x30 && b <= 0x39
}

export function createFrameSplitter (options: FrameSplitterOptions): FrameSplitter {
  const maxSegment = options.maxFrameBytes - 12
  const codec: Hj212Options = { ...options.codec, maxLength: Math.min(options.codec.maxLength ?? maxSegment, maxSegment) }
  let buf: Buffer = Buffer.alloc(0)
  // bytes of `buf` already searched for CR LF without finding one (frame start stays at 0)
  let scanned = 0

  const reject = (reason: string, code: string, message: string, bytes: Buffer): void => {
    options.onReject({ reason, code, message, sample: bytes.subarray(0, 200).toString('latin1') })
  }

  /** Index of the next `##` at or after `from`, or -1. */
  const nextHeader = (from: number): number => {
    for (let i = from; i < buf.length - 1; i++) if (buf[i] === HASH && buf[i + 1] === HASH) return i
    return -1
  }

  const consume = (n: number): void => {
    buf = buf.subarray(n)
    scanned = 0
  }

  /** Drops a failed frame of `end` bytes up to the next `##` inside it (resync). */
  const dropFailed = (end: number): void => {
    const next = nextHeader(1)
    if (next > 0 && next < end) consume(next)
    else if (end === buf.length && end > 1 && buf[end - 1] === HASH) consume(end - 1) // a trailing `#` may start the next header
    else consume(end)
  }

  const tryParse = (end: number): boolean => {
    const frame = buf.subarray(0, end)
    try {
      const packet = parseHj212(frame, codec)
      const copy = Buffer.from(frame)
      consume(end)
      options.onPacket(packet, copy)
      return true
    } catch (err) {
      if (!(err instanceof ShennongError)) throw err
      reject(String(err.details?.reason ?? err.code), err.code, err.message, frame)
      return false
    }
  }

  /** One step; false when more bytes are needed. */
  const step = (): boolean => {
    if (buf.length === 0) return false
    // a run of `#` before the header: the frame starts at the last two of them
    const hashRun = buf.length > 2 && buf[0] === HASH && buf[1] === HASH && buf[2] === HASH
    if (buf[0] !== HASH || (buf.length > 1 && buf[1] !== HASH) || hashRun) {
      let next = nextHeader(hashRun ? 1 : 0)
      while (next >= 0 && next + 2 < buf.length && buf[next + 2] === HASH) next++
      // keep a trailing `#`: it may start the next header
      const cut = next >= 0 ? next : (buf[buf.length - 1] === HASH ? buf.length - 1 : buf.length)
      if (cut === 0) return false
      reject('GARBAGE', 'ERR_HJ212_FRAME', `${cut} byte(s) outside any frame`, buf.subarray(0, cut))
      consume(cut)
      return true
    }
    if (buf.length < 6) return false
    for (let i = 2; i < 6; i++) {
      if (!isDigit(buf[i])) {
        reject('BAD_LENGTH_FIELD', 'ERR_HJ212_LENGTH', `length field "${buf.subarray(2, 6).toString('latin1')}" is not 4 digits`, buf.subarray(0, 6))
        dropFailed(buf.length)
        return true
      }
    }
    const declared = Number(buf.subarray(2, 6).toString('latin1'))
    if (declared > codec.maxLength!) {
      reject('LENGTH_TOO_LARGE', 'ERR_HJ212_LENGTH', `declared length ${declared} exceeds ${codec.maxLength}`, buf.subarray(0, 6))
      dropFailed(buf.length)
      return true
    }
    const total = 12 + declared
    let crlf = -1
    const limit = Math.min(buf.length, options.maxFrameBytes)
    for (let i = Math.max(6, scanned); i < limit - 1; i++) {
      if (buf[i] === CR && buf[i + 1] === LF) { crlf = i; break }
    }
    if (crlf < 0) {
      scanned = Math.max(6, limit - 1)
      // no CR LF yet: a frame still arriving, unless it already holds more than it said (or the cap)
      const waitFor = options.codec.lengthCountsChars === true ? options.maxFrameBytes : total
      if (buf.length < waitFor) return false
      if (!tryParse(Math.min(total, buf.length))) dropFailed(Math.min(total, buf.length))
      return true
    }
    const end = crlf + 2
    if (!tryParse(end)) dropFailed(end)
    return true
  }

  return {
    push (chunk) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      while (step()) { /* next frame */ }
      // bounded: a header-less tail is at most one `#`; a frame start waits only below the cap
      if (buf.length > options.maxFrameBytes) {
        reject('LENGTH_MISMATCH', 'ERR_HJ212_LENGTH', `no frame end within ${options.maxFrameBytes} bytes`, buf)
        dropFailed(buf.length)
        while (step()) { /* resync */ }
      }
      if (buf.length > 0 && buf.byteOffset !== 0 && buf.length < 4096) buf = Buffer.from(buf) // do not pin a large read
    },
    get buffered () { return buf.length },
    end () {
      if (buf.length > 0) {
        reject('TRUNCATED', 'ERR_HJ212_TRUNCATED', `stream ended inside a frame (${buf.length} bytes)`, buf)
        consume(buf.length)
      }
    }
  }
}
