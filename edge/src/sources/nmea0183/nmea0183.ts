// Source `nmea0183`: a GNSS receiver (BeiDou, GPS or multi-GNSS) on a serial port. Reads lines,
// checks checksums (core's parseNmea), merges GGA + RMC per epoch into one `vessel` reading with
// the receiver's UTC as ts. Faults are counted per device: checksum, syntax, no-fix, date-skew
// (a date far from the gateway clock, e.g. the GPS week-rollover bug, spec §3.2), port.
import { SerialPort } from 'serialport'
import { parseNmea } from '@shennong/core/codecs/nmea.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { Nmea0183Config } from './nmea0183-config.ts'
import type { Source, SourceDefinition, SourceIo } from '../source.ts'
import { createFixMerger, type MergedFix } from './fix-merger.ts'


/** Longest line kept while waiting for LF; an NMEA sentence is at most 82 characters (spec §1). */
const MAX_LINE = 164

export interface NmeaLineHandler {
  line: (text: string) => void
  flush: () => void
}

/** The line-to-reading logic, without the port (the golden testcases drive it directly). */
export function createNmeaLineHandler (config: Pick<Nmea0183Config, 'device' | 'interval' | 'maxDateSkew'>, io: SourceIo, now: () => number = Date.now): NmeaLineHandler {
  const merger = createFixMerger()
  const intervalMs = parseDuration(config.interval)
  const skewMs = parseDuration(config.maxDateSkew)
  let lastEmit = -Infinity

  function emit (fix: MergedFix | null): void {
    if (fix === null) return
    if (Math.abs(fix.ts - now()) > skewMs) {
      io.fault(config.device, 'date-skew', new ShennongError('ERR_NMEA_SYNTAX', `receiver date ${new Date(fix.ts).toISOString()} is more than ${config.maxDateSkew} from the gateway clock`))
      return
    }
    if (!fix.fix) io.fault(config.device, 'no-fix')
    if (intervalMs > 0 && fix.ts - lastEmit < intervalMs) return
    lastEmit = fix.ts
    io.emit({ device: config.device, kind: 'vessel', ts: fix.ts, metrics: fix.metrics, ...(fix.flags !== undefined ? { flags: fix.flags } : {}) })
  }

  return {
    line (text) {
      const trimmed = text.replace(/\r$/, '')
      if (trimmed.length === 0) return
      let sentence
      try {
        sentence = parseNmea(trimmed)
      } catch (err) {
        const e = err as ShennongError
        if (e.code === 'ERR_NMEA_UNSUPPORTED') return // GSV, GSA, VTG, …: normal traffic, not a fault
        io.fault(config.device, e.code === 'ERR_NMEA_CHECKSUM' ? 'checksum' : 'syntax', e)
        return
      }
      emit(merger.push(sentence))
    },
    flush () { emit(merger.flush()) }
  }
}

function create (config: Nmea0183Config): Source {
  const reopenMs = parseDuration(config.reopen)
  let port: SerialPort | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  function open (io: SourceIo, handler: NmeaLineHandler): void {
    if (stopped) return
    let partial = ''
    const p = new SerialPort({ path: config.port, baudRate: config.baudRate, autoOpen: false })
    const retry = (err: Error): void => {
      io.fault(config.device, 'port', new ShennongError('ERR_NMEA_PORT', `${config.port}: ${err.message}`, { cause: err }))
      if (port === p) port = undefined
      if (!stopped) timer = setTimeout(() => open(io, handler), reopenMs)
    }
    p.open(err => {
      if (err != null) { retry(err); return }
      port = p
      p.on('data', (chunk: Buffer) => {
        partial += chunk.toString('latin1')
        let nl: number
        while ((nl = partial.indexOf('\n')) >= 0) {
          handler.line(partial.slice(0, nl))
          partial = partial.slice(nl + 1)
        }
        if (partial.length > MAX_LINE) { io.fault(config.device, 'syntax'); partial = '' }
      })
      p.on('close', (closeErr: Error | null) => { if (!stopped) retry(closeErr ?? new Error('port closed')) })
      p.on('error', () => {})
    })
  }

  return {
    devices: [config.device],
    tasks: [],
    async start (io) {
      stopped = false
      open(io, createNmeaLineHandler(config, io))
    },
    async stop () {
      stopped = true
      clearTimeout(timer)
      const p = port
      port = undefined
      if (p?.isOpen === true) await new Promise<void>(resolve => p.close(() => resolve()))
    }
  }
}

export const nmea0183: SourceDefinition<Nmea0183Config> = {
  kind: 'nmea0183',
  create: config => create(config)
}
