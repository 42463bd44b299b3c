// Every rule kind, listed explicitly (STYLE: plain registries, no registration by import side effect).
import { threshold } from './threshold/threshold.ts'
import { stale } from './stale/stale.ts'
import { rate } from './rate/rate.ts'
import { geofence } from './geofence/geofence.ts'
import { signalLoss } from './signal-loss/signal-loss.ts'
import { aqi } from './aqi/aqi.ts'
import { waterClass } from './water-class/water-class.ts'
import { drought } from './drought/drought.ts'

export const RULE_KINDS = {
  threshold,
  stale,
  rate,
  geofence,
  'signal-loss': signalLoss,
  aqi,
  'water-class': waterClass,
  drought
} as const

export type RuleKindName = keyof typeof RULE_KINDS
