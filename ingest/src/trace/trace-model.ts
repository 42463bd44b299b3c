// The traceability model (issue 6): organisations and their actors, places tied to sites and
// devices, batches with lineage, and the hash-chained events of each batch. docs/traceability.md.

export const PLACE_KINDS = ['plot', 'pond', 'vessel', 'warehouse', 'vehicle', 'plant', 'shop'] as const
export type PlaceKind = typeof PLACE_KINDS[number]

/** Event types a client may append. */
export const CLIENT_EVENT_TYPES = [
  'planting', 'stocking', 'input', 'irrigation', 'inspection', 'harvest', 'catch',
  'processing', 'storage', 'transport', 'sale'
] as const
/** Event types only the service writes: creation, lineage and sealed sensor history. */
export const SYSTEM_EVENT_TYPES = ['created', 'split', 'merge', 'sensor-summary'] as const
export const EVENT_TYPES = [...SYSTEM_EVENT_TYPES, ...CLIENT_EVENT_TYPES] as const
export type ClientEventType = typeof CLIENT_EVENT_TYPES[number]
export type EventType = typeof EVENT_TYPES[number]

/** The actor id of events the service writes itself (sensor summaries). */
export const SYSTEM_ACTOR = 'system'

/** Ids of organisations, actors and places: like topic segments. */
export const ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$'
/** Lot codes: letters, digits, `.`, `_`, `-`; printed on packs, so case is kept. */
export const CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'

export interface Organisation {
  id: string
  name: string
  nameZh: string | null
  /** Principal ids that act for it (farmers, inspectors of a lab). */
  members: string[]
  createdAt: number
}

export interface Actor {
  id: string
  organisation: string
  name: string
  /** What they do: grower, technician, lab analyst, driver, skipper… */
  role: string
  createdAt: number
}

export interface Location { lat: number, lon: number }

export interface Place {
  id: string
  organisation: string
  kind: PlaceKind
  name: string
  nameZh: string | null
  /** The Shennong site whose devices measure this place. */
  site: string | null
  /** Devices at the place (ids within the site). */
  devices: string[]
  location: Location | null
  createdAt: number
}

export interface OrganisationKey {
  /** First 16 hex digits of SHA-256 over the raw public key. */
  id: string
  organisation: string
  /** Raw Ed25519 public key, base64 (32 bytes). */
  publicKey: string
  createdAt: number
}

export interface Quantity { value: number, unit: string }

export interface Batch {
  code: string
  product: string
  productZh: string | null
  variety: string | null
  /** The organisation that created the batch. */
  organisation: string
  /** The organisation holding it now (changes with a sale or hand-over). */
  custodian: string
  originPlace: string
  parents: string[]
  quantity: Quantity | null
  createdAt: number
  /** Hash of the last event and how many events there are: a truncated chain shows against these. */
  head: string
  length: number
}

/** What an event's hash covers (with `v`, the format version). */
export interface EventContent {
  batch: string
  seq: number
  type: EventType
  /** When it happened, epoch ms. */
  at: number
  organisation: string
  actor: string
  place: string | null
  location: Location | null
  data: Record<string, unknown>
  /** Hash of the previous event of the batch; 64 zeros for the first. */
  prev: string
}

export interface TraceEvent extends EventContent {
  id: number
  hash: string
  /** Ed25519 signature over the 32 hash bytes, base64; null when unsigned. */
  signature: string | null
  keyId: string | null
  recordedAt: number
}

export const GENESIS_PREV = '0'.repeat(64)

export type BreakReason = 'content-changed' | 'link-broken' | 'bad-signature'

export interface ChainBreak {
  batch: string
  /** The event named; for a missing event, the first one after the gap. */
  seq: number
  eventId: number | null
  reason: BreakReason
  message: string
}

export interface VerifyResult {
  ok: boolean
  batch: string
  events: number
  signed: number
  head: string | null
  /** The first broken link, when not ok. */
  break: ChainBreak | null
}
