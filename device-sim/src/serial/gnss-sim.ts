// A GNSS receiver on a serial port: each epoch one GGA and one RMC (spec/gnss-beidou.md §3) for a
// vessel steaming on a fixed course, from any talker (BD, GB, GN, GP), with faults on request.
import { SerialPort } from 'serialport'
import { formatNmea } from '@shennong/core/codecs/nmea.ts'

export type GnssFault = 'none' | 'no-fix' | 'bad-checksum' | 'garbage' | 'rollover'

export interface GnssSimOptions {
  path: string
  baudRate?: number
  talker?: string
  intervalMs?: number
  start?: { latDeg: number, lonDeg: number }
  sogKn?: number
  cogDeg?: number
  satellites?: number
  /** Receiver clock; default the host clock. */
  now?: () => number
}

export interface GnssSim {
  fault: GnssFault
  /** Epochs sent, with what each one carried. */
  sent: Array<{ ts: number, latDeg: number, lonDeg: number, fault: GnssFault }>
  /** Writes one epoch now (tests that do not want to wait for the timer). */
  tick: () => void
  close: () => Promise<void>
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** spec §4: decimal degrees → ddmm.mmmm (lat) / dddmm.mmmm (lon) and hemisphere. */
export function formatCoordinate (deg: number, isLat: boolean): [string, string] {
  const abs = Math.abs(deg)
  let d = Math.floor(abs)
  let minutes = Number(((abs - d) * 60).toFixed(4))
  if (minutes >= 60) { d += 1; minutes = 0 }
  const text = pad(d, isLat ? 2 : 3) + minutes.toFixed(4).padStart(7, '0')
  return [text, isLat ? (deg < 0 ? 'S' : 'N') : (deg < 0 ? 'W' : 'E')]
}

export function gnssEpoch (talker: string, ts: number, latDeg: number, lonDeg: number, sogKn: number, cogDeg: number, satellites: number, fix: boolean): string[] {
  const d = new Date(ts)
  const time = `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}.${pad(Math.floor(d.getUTCMilliseconds() / 10), 2)}`
  const date = `${pad(d.getUTCDate(), 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCFullYear() % 100, 2)}`
  const [lat, ns] = formatCoordinate(latDeg, true)
  const [lon, ew] = formatCoordinate(lonDeg, false)
  if (!fix) {
    return [
      formatNmea(`${talker}GGA,${time},,,,,0,${pad(Math.min(satellites, 3), 2)},,,M,,M,,`),
      formatNmea(`${talker}RMC,${time},V,,,,,,,${date},,,N,V`)
    ]
  }
  return [
    formatNmea(`${talker}GGA,${time},${lat},${ns},${lon},${ew},1,${pad(satellites, 2)},0.9,5.3,M,11.2,M,,`),
    formatNmea(`${talker}RMC,${time},A,${lat},${ns},${lon},${ew},${sogKn.toFixed(1)},${cogDeg.toFixed(1)},${date},,,A,V`)
  ]
}

export async function startGnssSim (options: GnssSimOptions): Promise<GnssSim> {
  const talker = options.talker ?? 'GN'
  const now = options.now ?? Date.now
  const sog = options.sogKn ?? 8.5
  const cog = options.cogDeg ?? 45.3
  let lat = options.start?.latDeg ?? 29.91872333
  let lon = options.start?.lonDeg ?? 122.30946333
  const port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 9600, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open(err => (err != null ? reject(err) : resolve())))
  const sim: GnssSim = {
    fault: 'none',
    sent: [],
    tick,
    close: async () => { clearInterval(timer); if (port.isOpen) await new Promise<void>(resolve => port.close(() => resolve())) }
  }
  let lastTs = 0
  function tick (): void {
    // Receivers report whole epochs; keep them distinct even when ticked faster than 10 ms.
    let ts = Math.floor(now() / 10) * 10
    if (ts <= lastTs) ts = lastTs + 10
    lastTs = ts
    const fault = sim.fault
    // Steam on: nautical mile = 1/60 degree of latitude.
    const step = (sog * ((options.intervalMs ?? 1000) / 3_600_000)) / 60
    lat += step * Math.cos(cog * Math.PI / 180)
    lon += step * Math.sin(cog * Math.PI / 180) / Math.cos(lat * Math.PI / 180)
    // GPS week-rollover bug: the date is 1024 weeks in the past (spec §3.2).
    const sentTs = fault === 'rollover' ? ts - 1024 * 7 * 86_400_000 : ts
    let lines = gnssEpoch(talker, sentTs, lat, lon, sog, cog, options.satellites ?? 12, fault !== 'no-fix')
    if (fault === 'bad-checksum') lines = lines.map(l => l.slice(0, -2) + (l.endsWith('00') ? '01' : '00'))
    if (fault === 'garbage') lines = ['\u0000\u00ff#@!garbage' + 'x'.repeat(200), ...lines]
    sim.sent.push({ ts: sentTs, latDeg: lat, lonDeg: lon, fault })
    if (port.isOpen) port.write(lines.map(l => l + '\r\n').join(''), 'latin1')
  }
  const timer = setInterval(tick, options.intervalMs ?? 1000)
  return sim
}
