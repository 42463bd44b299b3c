// Merges the GGA and RMC of one epoch (same UTC time of day) into one `vessel` reading draft
// (spec/gnss-beidou.md §3). RMC brings the date, so the reading's ts is the receiver's UTC; GGA
// brings fix quality, satellites and HDOP. A fix without a usable position (GGA quality 0, RMC
// status V or mode N) yields fix_quality 0 flagged `bad` and no position.
import type { NmeaGga, NmeaRmc, NmeaSentence } from '@shennong/core/codecs/nmea.ts'
import type { Flag } from '@shennong/core/reading.ts'

export interface MergedFix {
  ts: number
  fix: boolean
  metrics: Record<string, number>
  flags?: Record<string, Flag>
}

export interface FixMerger {
  /** Feeds a parsed sentence; returns the previous epoch's fix when this one starts a new epoch. */
  push: (s: NmeaSentence) => MergedFix | null
  /** The pending epoch, if complete enough to emit (has an RMC). */
  flush: () => MergedFix | null
}

function merge (rmc: NmeaRmc | undefined, gga: NmeaGga | undefined): MergedFix | null {
  // Without RMC there is no date, so no receiver timestamp: the epoch is not emitted.
  if (rmc === undefined || rmc.timestamp === null) return null
  const fix = rmc.fix && (gga === undefined || gga.fix)
  const metrics: Record<string, number> = {}
  if (gga?.satellites != null) metrics.satellites = gga.satellites
  if (gga?.hdop != null) metrics.hdop = gga.hdop
  if (!fix) {
    metrics.fix_quality = 0
    return { ts: rmc.timestamp, fix: false, metrics, flags: { fix_quality: 'bad' } }
  }
  metrics.fix_quality = gga?.fixQuality ?? 1
  // spec §4: keep 8 decimals (≈ 1 mm); more is float noise from the minutes division.
  if (rmc.latDeg !== null) metrics.lat_deg = Number(rmc.latDeg.toFixed(8))
  if (rmc.lonDeg !== null) metrics.lon_deg = Number(rmc.lonDeg.toFixed(8))
  if (rmc.sogKn !== null) metrics.sog_kn = rmc.sogKn
  if (rmc.cogDeg !== null) metrics.cog_deg = rmc.cogDeg
  const flags: Record<string, Flag> = {}
  // GGA quality 6 = dead reckoning (estimated), RMC mode E = estimated.
  if (gga?.fixQuality === 6 || rmc.mode === 'E') for (const m of ['lat_deg', 'lon_deg']) if (m in metrics) flags[m] = 'estimated'
  return Object.keys(flags).length > 0 ? { ts: rmc.timestamp, fix: true, metrics, flags } : { ts: rmc.timestamp, fix: true, metrics }
}

export function createFixMerger (): FixMerger {
  let epoch: number | null = null
  let gga: NmeaGga | undefined
  let rmc: NmeaRmc | undefined
  let emitted = false

  function flush (): MergedFix | null {
    if (emitted) return null
    const out = merge(rmc, gga)
    if (out !== null && gga !== undefined) emitted = true
    return out
  }

  return {
    push (s) {
      let out: MergedFix | null = null
      if (s.timeOfDayMs !== epoch) {
        out = emitted ? null : merge(rmc, gga)
        epoch = s.timeOfDayMs
        gga = undefined
        rmc = undefined
        emitted = false
      }
      if (s.type === 'GGA') gga = s
      else rmc = s
      // Both halves of the epoch are in: emit now rather than at the next epoch.
      if (gga !== undefined && rmc !== undefined && !emitted) {
        const both = merge(rmc, gga)
        if (both !== null) {
          emitted = true
          return out ?? both
        }
      }
      return out
    },
    flush
  }
}
