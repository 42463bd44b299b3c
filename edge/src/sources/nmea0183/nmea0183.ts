// Source `nmea0183`: a GNSS receiver (BeiDou, GPS or multi-GNSS) on a serial port. Reads lines,
// checks checksums (core's parseNmea), merges GGA + RMC per epoch into one `vessel` reading with
// the receiver's UTC as ts. Faults are counted per device: checksum, syntax, no-fix, date-skew
// (a date far from the gateway clock, e.g. the GPS week-rollover bug, spec §3.2), port.
import { parseNmea } from '@shennong/core/codecs/nmea.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { Nmea0183Config } from './nmea0183-config.ts'
import type { Source, SourceDefinition, SourceIo } from '../source.ts'
import { createLinePort, type LinePort } from '../line-port.ts'
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
  let linePort: LinePort | undefined

  return {
    devices: [config.device],
    tasks: [],
    async start (io) {
      const handler = createNmeaLineHandler(config, io)
      linePort = createLinePort({
        path: config.port,
        baudRate: config.baudRate,
        reopenMs,
        maxLine: MAX_LINE,
        onLine: line => handler.line(line),
        onOverlong: () => io.fault(config.device, 'syntax'),
        onPortError: err => io.fault(config.device, 'port', new ShennongError('ERR_NMEA_PORT', `${config.port}: ${err.message}`, { cause: err }))
      })
      linePort.start()
    },
    async stop () {
      await linePort?.stop()
      linePort = undefined
    }
  }
}

export const nmea0183: SourceDefinition<Nmea0183Config> = {
  kind: 'nmea0183',
  create: config => create(config)
}
