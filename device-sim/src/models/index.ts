// The model registry: one model per catalog kind, listed explicitly.
import type { Kind } from '../../../core/src/catalog.ts'
import type { DeviceModel } from './model.ts'
import { soil } from './soil.ts'
import { water } from './water.ts'
import { air } from './air.ts'
import { weather } from './weather.ts'
import { vessel } from './vessel.ts'
import { coldChain } from './cold-chain.ts'

export const MODELS: Readonly<Record<Kind, DeviceModel<unknown>>> = {
  soil,
  water,
  air,
  weather,
  vessel,
  cold_chain: coldChain
}
