// Fishing vessel position from its GNSS receiver (the GGA/RMC fields as catalog metrics). A trip:
// moored in port, steam out at 9–11 kn to a fishing ground 40–70 nm east (bearing 65–115°), fish
// for 10–16 h at 1–3 kn on an erratic course within ~8 nm of the ground's centre, steam home, stay
// in port 8–12 h, repeat. Vessel i first sails 30 min + 45 min × i after the start. Positions use a
// flat-earth step (fine over tens of nautical miles): 1 nm = 1/60° of latitude.
import type { Prng } from '../prng.ts'
import { clamp, HOUR, MINUTE, round, type DeviceModel, type LatLon, type ModelContext } from './model.ts'

export type VesselPhase = 'port' | 'outbound' | 'fishing' | 'inbound'

export interface VesselState {
  ctx: ModelContext
  lastTs: number
  phase: VesselPhase
  /** When the current port stay or fishing spell ends. */
  phaseEnds: number
  lat: number
  lon: number
  sog: number
  cog: number
  ground: LatLon
  cruise: number
  trips: number
}

/** Distance in nautical miles (equirectangular; accurate to well under 1 % at these ranges). */
export function distanceNm (a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * 60
  const dLon = (b.lon - a.lon) * 60 * Math.cos((a.lat + b.lat) / 2 * Math.PI / 180)
  return Math.hypot(dLat, dLon)
}

export function bearingDeg (a: LatLon, b: LatLon): number {
  const dLat = b.lat - a.lat
  const dLon = (b.lon - a.lon) * Math.cos((a.lat + b.lat) / 2 * Math.PI / 180)
  return ((Math.atan2(dLon, dLat) * 180 / Math.PI) + 360) % 360
}

function pickGround (port: LatLon, rng: Prng): LatLon {
  const bearing = rng.range(65, 115) * Math.PI / 180
  const nm = rng.range(40, 70)
  return {
    lat: port.lat + nm * Math.cos(bearing) / 60,
    lon: port.lon + nm * Math.sin(bearing) / 60 / Math.cos(port.lat * Math.PI / 180)
  }
}

function move (s: VesselState, seconds: number): void {
  const nm = s.sog * seconds / 3600
  const c = s.cog * Math.PI / 180
  s.lat += nm * Math.cos(c) / 60
  s.lon += nm * Math.sin(c) / 60 / Math.cos(s.lat * Math.PI / 180)
}

function advance (s: VesselState, t1: number, rng: Prng): void {
  const port = s.ctx.options.port
  const seconds = (t1 - s.lastTs) / 1000
  switch (s.phase) {
    case 'port':
      s.sog = 0
      if (t1 >= s.phaseEnds) {
        s.phase = 'outbound'
        s.ground = pickGround(port, rng)
        s.cruise = rng.range(9, 11)
      }
      break
    case 'outbound':
    case 'inbound': {
      const target = s.phase === 'outbound' ? s.ground : port
      const left = distanceNm(s, target)
      s.sog = clamp(s.cruise + rng.normal(0.2), 0, 15)
      s.cog = (bearingDeg(s, target) + rng.normal(1.5) + 360) % 360
      if (left <= s.sog * seconds / 3600) {
        s.lat = target.lat
        s.lon = target.lon
        if (s.phase === 'outbound') {
          s.phase = 'fishing'
          s.phaseEnds = t1 + rng.range(10, 16) * HOUR
        } else {
          s.phase = 'port'
          s.sog = 0
          s.trips++
          s.phaseEnds = t1 + rng.range(8, 12) * HOUR
        }
        return
      }
      move(s, seconds)
      break
    }
    case 'fishing': {
      const off = distanceNm(s.ground, s)
      // Erratic: the course wanders; beyond 8 nm the skipper turns back towards the ground.
      s.cog = off > 8 ? (bearingDeg(s, s.ground) + rng.normal(20) + 360) % 360 : (s.cog + rng.normal(25) + 360) % 360
      s.sog = clamp(2 + rng.normal(0.7), 0.3, 4)
      move(s, seconds)
      if (t1 >= s.phaseEnds) {
        s.phase = 'inbound'
        s.cruise = rng.range(9, 11)
      }
      break
    }
  }
}

export const vessel: DeviceModel<VesselState> = {
  kind: 'vessel',
  init (ctx: ModelContext, rng: Prng): VesselState {
    const port = ctx.options.port
    return {
      ctx,
      lastTs: ctx.startTs,
      phase: 'port',
      phaseEnds: ctx.startTs + 30 * MINUTE + ctx.index * 45 * MINUTE,
      lat: port.lat + rng.normal(0.001),
      lon: port.lon + rng.normal(0.001),
      sog: 0,
      cog: rng.range(0, 360),
      ground: port,
      cruise: 10,
      trips: 0
    }
  },
  step (s: VesselState, t: number, rng: Prng): Record<string, number> {
    while (s.lastTs < t) {
      const t1 = Math.min(t, s.lastTs + MINUTE)
      advance(s, t1, rng)
      s.lastTs = t1
    }
    const nearPort = distanceNm(s, s.ctx.options.port) < 20
    const moored = s.phase === 'port'
    return {
      lat_deg: round(s.lat + (moored ? rng.normal(0.00002) : 0), 6),
      lon_deg: round(s.lon + (moored ? rng.normal(0.00002) : 0), 6),
      sog_kn: round(moored ? Math.abs(rng.normal(0.05)) : s.sog, 1),
      cog_deg: round(s.cog % 360, 1),
      // Near the coast the BeiDou ground-based augmentation gives a differential fix.
      fix_quality: nearPort ? 2 : 1,
      satellites: 14 + rng.int(11),
      hdop: round(rng.range(0.6, 1.4), 1)
    }
  }
}
