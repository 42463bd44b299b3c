// HJ 212 data uploads → readings (ARCHITECTURE §3). CN 2011 (real-time), 2051 (minute), 2061
// (hour), 2031 (day). Scheme (docs/hj212-stations.md):
//   - a reading's metrics are catalog metrics, through the station's factor mapping and unit conversion;
//   - the interval and the statistic are part of the series: 2011 Rtd → device `<device>`;
//     2051/2061/2031 Avg → `<device>-minute|hour|day`, Min → `…-min`, Max → `…-max`
//     (one InfluxDB series each, so Min/Max never overwrite the average at the same timestamp);
//   - ts = DataTime in the station's zone (the interval start for 2051/2061/2031, §5);
//   - seq = ts in whole seconds: derived only from (station, CN, DataTime), so a re-sent or
//     backfilled record is the same point (exactly once in InfluxDB by point identity);
//   - HJ 212 data flags → reading flags (only flags other than ok are written).
import { HJ212_CN, parseDataTime, parseHj212Number, readHj212Cp } from '@shennong/core/codecs/hj212.ts'
import type { Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import type { Flag, Reading } from '@shennong/core/reading.ts'
import type { Station } from './station-registry.ts'

export const DATA_CNS: ReadonlyMap<string, { interval: 'rtd' | 'minute' | 'hour' | 'day', statistics: readonly string[] }> = new Map([
  [HJ212_CN.REALTIME_DATA, { interval: 'rtd', statistics: ['Rtd'] }],
  [HJ212_CN.MINUTE_DATA, { interval: 'minute', statistics: ['Avg', 'Min', 'Max'] }],
  [HJ212_CN.HOUR_DATA, { interval: 'hour', statistics: ['Avg', 'Min', 'Max'] }],
  [HJ212_CN.DAY_DATA, { interval: 'day', statistics: ['Avg', 'Min', 'Max'] }]
] as const)

/** HJ 212-2017 Table 8 → reading flags. S (set value) is estimated; T (over range) suspect; D/B faults bad. */
export const FLAG_MAP_2017: Readonly<Record<string, Flag>> = Object.freeze({
  N: 'ok', F: 'maintenance', M: 'maintenance', S: 'estimated', D: 'bad', C: 'calibration', T: 'suspect', B: 'bad'
})

/** HJ/T 212-2005 flags [practice]: P power failure, F source stopped; air stations 0–3. */
export const FLAG_MAP_2005: Readonly<Record<string, Flag>> = Object.freeze({
  N: 'ok', P: 'bad', F: 'maintenance', C: 'calibration', M: 'maintenance', T: 'suspect', D: 'bad', S: 'estimated',
  0: 'calibration', 1: 'ok', 2: 'suspect', 3: 'ok'
})

export interface DataRecord {
  cn: string
  /** DataTime as epoch ms. */
  ts: number
  dataTime: string
  readings: Reading[]
  /** Factor codes the station has no mapping for. */
  unmapped: string[]
  /** `code-Suffix` items that were not numbers. */
  notNumbers: string[]
  /** Factor codes without a -Flag (treated as N, spec §11). */
  flagMissing: string[]
  /** Flag letters not in the table (treated as suspect). */
  unknownFlags: string[]
}

export type SemanticsResult = { ok: true, record: DataRecord } | { ok: false, reason: 'NO_DATATIME' | 'BAD_DATATIME', message: string }

export function seriesDevice (device: string, interval: string, statistic: string): string {
  if (interval === 'rtd') return device
  const base = `${device}-${interval}`
  return statistic === 'Avg' ? base : `${base}-${statistic.toLowerCase()}`
}

function convert (value: number, scale: number, offset: number): number {
  return Number((value * scale + offset).toPrecision(12))
}

/** The readings one data upload (2011/2051/2061/2031) carries for `station`. */
export function packetToRecord (packet: Hj212Packet, station: Station): SemanticsResult {
  const spec = DATA_CNS.get(packet.cn)
  if (spec === undefined) throw new RangeError(`CN ${packet.cn} is not a data upload`)
  const cp = readHj212Cp(packet.cp)
  const dataTime = cp.fields.DataTime
  if (dataTime === undefined) return { ok: false, reason: 'NO_DATATIME', message: `CN ${packet.cn} without DataTime` }
  let ts: number
  try {
    ts = parseDataTime(dataTime, station.tzOffsetMinutes).getTime()
  } catch (err) {
    return { ok: false, reason: 'BAD_DATATIME', message: (err as Error).message }
  }
  const flagMap = (packet.flag !== undefined && packet.flag >>> 2 === 0) ? FLAG_MAP_2005 : FLAG_MAP_2017
  const byDevice = new Map<string, Reading>()
  const record: DataRecord = { cn: packet.cn, ts, dataTime, readings: [], unmapped: [], notNumbers: [], flagMissing: [], unknownFlags: [] }
  for (const factor of cp.factors) {
    const mapping = station.factors.get(factor.code)
    if (mapping === undefined) {
      if (spec.statistics.some(s => factor.values[s] !== undefined)) record.unmapped.push(factor.code)
      continue
    }
    const letter = factor.values.Flag
    let flag: Flag = 'ok'
    if (letter === undefined) record.flagMissing.push(factor.code)
    else if (Object.hasOwn(flagMap, letter)) flag = flagMap[letter]
    else {
      record.unknownFlags.push(`${factor.code}-Flag=${letter}`)
      flag = 'suspect'
    }
    for (const statistic of spec.statistics) {
      const text = factor.values[statistic]
      if (text === undefined) continue
      const n = parseHj212Number(text)
      if (n === undefined) {
        record.notNumbers.push(`${factor.code}-${statistic}`)
        continue
      }
      const device = seriesDevice(station.device, spec.interval, statistic)
      let reading = byDevice.get(device)
      if (reading === undefined) {
        reading = { device, kind: station.kind, ts, seq: Math.floor(ts / 1000), metrics: {}, source: 'hj212' }
        byDevice.set(device, reading)
      }
      reading.metrics[mapping.metric] = convert(n, mapping.scale ?? 1, mapping.offset ?? 0)
      if (flag !== 'ok') (reading.flags ??= {})[mapping.metric] = flag
    }
  }
  record.readings = [...byDevice.values()]
  return { ok: true, record }
}

/** Merges the readings of several records of the same (CN, DataTime) (the parts of a split packet). */
export function mergeReadings (parts: readonly Reading[][]): Reading[] {
  const byDevice = new Map<string, Reading>()
  for (const readings of parts) {
    for (const r of readings) {
      const have = byDevice.get(r.device)
      if (have === undefined) byDevice.set(r.device, { ...r, metrics: { ...r.metrics }, ...(r.flags === undefined ? {} : { flags: { ...r.flags } }) })
      else {
        Object.assign(have.metrics, r.metrics)
        if (r.flags !== undefined) have.flags = { ...have.flags, ...r.flags }
      }
    }
  }
  return [...byDevice.values()]
}
