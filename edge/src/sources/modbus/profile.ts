// Device profiles are data (issue 3 §2): a YAML file per sensor model maps registers to catalog
// metrics. Loading validates the file against ProfileSchema, checks every metric against the
// catalog, and groups points into as few read requests as the register layout allows.
import { readFileSync, existsSync } from 'node:fs'
import { join, isAbsolute } from 'node:path'
import { parse as parseYaml } from 'yaml'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import { CATALOG, isKind, type Kind } from '@shennong/core/catalog.ts'
import { describeSchemaErrors } from '@shennong/core/config.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { Flag } from '@shennong/core/reading.ts'
import { parseDuration } from '@shennong/core/duration.ts'

export const PROFILE_DIR = join(import.meta.dirname, 'profiles')

const Register = Type.Integer({ minimum: 0, maximum: 0xffff })
export const ValueType = Type.Union([Type.Literal('int16'), Type.Literal('uint16'), Type.Literal('int32'), Type.Literal('uint32'), Type.Literal('float32')])
export const WordOrder = Type.Union([Type.Literal('ABCD'), Type.Literal('CDAB'), Type.Literal('BADC'), Type.Literal('DCBA')])

export const ProfileSchema = Type.Object({
  model: Type.String({ description: 'Vendor and model, for people.' }),
  source: Type.String({ description: 'Where the register map comes from (spec section, manual, code).' }),
  kind: Type.String({ description: 'Catalog kind of the readings (soil, water, air, weather, …).' }),
  serial: Type.Optional(Type.Object({
    baudRate: Type.Integer(), parity: Type.Optional(Type.String()), stopBits: Type.Optional(Type.Integer())
  }, { additionalProperties: false, description: 'Factory defaults, for documentation; the bus config decides.' })),
  address: Type.Optional(Type.Integer({ minimum: 1, maximum: 247, description: 'Factory default slave address.' })),
  prepare: Type.Optional(Type.Array(Type.Object({
    function: Type.Union([Type.Literal(6)]),
    register: Register,
    value: Type.Integer({ minimum: 0, maximum: 0xffff }),
    wait: Type.String({ default: '0ms' })
  }, { additionalProperties: false }), { description: 'Writes before each read (e.g. "start measurement") and how long to wait after.' })),
  points: Type.Array(Type.Object({
    metric: Type.String(),
    function: Type.Union([Type.Literal(3), Type.Literal(4)]),
    register: Register,
    type: ValueType,
    wordOrder: Type.Optional(WordOrder),
    scale: Type.Number({ default: 1 }),
    offset: Type.Number({ default: 0 }),
    flag: Type.Optional(Type.Union([Type.Literal('estimated'), Type.Literal('suspect')])),
    suspectAbove: Type.Optional(Type.Number()),
    suspectBelow: Type.Optional(Type.Number())
  }, { additionalProperties: false }), { minItems: 1 })
}, { additionalProperties: false })

export type ProfileDoc = Static<typeof ProfileSchema>
export type Point = ProfileDoc['points'][number]

export interface ReadGroup {
  function: 3 | 4
  start: number
  count: number
  points: Array<Point & { at: number, width: number }>
}

export interface Profile {
  name: string
  kind: Kind
  doc: ProfileDoc
  groups: ReadGroup[]
  prepare: Array<{ register: number, value: number, waitMs: number }>
}

const MAX_GAP = 16
const MAX_COUNT = 125

export const widthOf = (type: Static<typeof ValueType>): number => type === 'int16' || type === 'uint16' ? 1 : 2

/** Resolves a profile name (shipped) or a path to its file. */
export function profilePath (ref: string, dirs: readonly string[] = []): string {
  if (ref.includes('/') || ref.endsWith('.yaml')) return ref
  for (const dir of [...dirs, PROFILE_DIR]) {
    const p = join(dir, `${ref}.yaml`)
    if (existsSync(p)) return isAbsolute(p) ? p : p
  }
  throw new ShennongError('ERR_EDGE_CONFIG', `no device profile "${ref}" in ${[...dirs, PROFILE_DIR].join(', ')}`)
}

export function compileProfile (name: string, raw: unknown): Profile {
  const issues = describeSchemaErrors(ProfileSchema, Value.Default(ProfileSchema, structuredClone(raw)))
  if (issues.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `profile ${name}: ${issues.map(i => `${i.path}: ${i.message}`).join('; ')}`)
  const doc = Value.Default(ProfileSchema, structuredClone(raw)) as ProfileDoc
  if (!isKind(doc.kind)) throw new ShennongError('ERR_EDGE_CONFIG', `profile ${name}: unknown kind "${doc.kind}"`)
  const kind = doc.kind
  const problems: string[] = []
  for (const p of doc.points) {
    if (!Object.hasOwn(CATALOG[kind], p.metric)) problems.push(`metric "${p.metric}" is not in the catalog for kind ${kind}`)
    if (widthOf(p.type) === 2 && p.wordOrder === undefined) problems.push(`metric "${p.metric}" is ${p.type}: state its wordOrder (ABCD, CDAB, BADC, DCBA); it is never guessed`)
  }
  if (problems.length > 0) throw new ShennongError('ERR_EDGE_CONFIG', `profile ${name}: ${problems.join('; ')}`)
  const sorted = [...doc.points].sort((a, b) => a.function - b.function || a.register - b.register)
  const groups: ReadGroup[] = []
  for (const p of sorted) {
    const width = widthOf(p.type)
    const g = groups[groups.length - 1]
    if (g !== undefined && g.function === p.function && p.register - (g.start + g.count) <= MAX_GAP && p.register + width - g.start <= MAX_COUNT) {
      g.count = Math.max(g.count, p.register + width - g.start)
      g.points.push({ ...p, at: p.register - g.start, width })
    } else {
      groups.push({ function: p.function, start: p.register, count: width, points: [{ ...p, at: 0, width }] })
    }
  }
  const prepare = (doc.prepare ?? []).map(s => ({ register: s.register, value: s.value, waitMs: parseDuration(s.wait) }))
  return { name, kind, doc, groups, prepare }
}

export function loadProfile (ref: string, dirs: readonly string[] = []): Profile {
  const path = profilePath(ref, dirs)
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new ShennongError('ERR_EDGE_CONFIG', `cannot read device profile ${path}: ${(cause as Error).message}`, { cause })
  }
  return compileProfile(ref, raw)
}

/** spec §4: two registers to one 32-bit pattern, by the profile's word (and byte) order. */
export function decodeValue (regs: number[], type: Static<typeof ValueType>, order: Static<typeof WordOrder> = 'ABCD'): number {
  if (type === 'uint16') return regs[0]
  if (type === 'int16') return regs[0] >= 0x8000 ? regs[0] - 0x10000 : regs[0]
  const b = Buffer.alloc(4)
  const [r0, r1] = regs
  const hi = order === 'ABCD' || order === 'BADC' ? r0 : r1
  const lo = order === 'ABCD' || order === 'BADC' ? r1 : r0
  b.writeUInt16BE(hi, 0)
  b.writeUInt16BE(lo, 2)
  if (order === 'BADC' || order === 'DCBA') b.swap16()
  if (type === 'uint32') return b.readUInt32BE(0)
  if (type === 'int32') return b.readInt32BE(0)
  return b.readFloatBE(0)
}

export interface DecodedGroup { metrics: Record<string, number>, flags: Record<string, Flag> }

/** Applies scale and offset; rounds away float noise from the scale (0.1 × 225 = 22.5, not 22.500000000000004). */
export function decodeGroup (group: ReadGroup, regs: number[]): DecodedGroup {
  const metrics: Record<string, number> = {}
  const flags: Record<string, Flag> = {}
  for (const p of group.points) {
    const raw = decodeValue(regs.slice(p.at, p.at + p.width), p.type, p.wordOrder)
    if (!Number.isFinite(raw)) continue // NaN/Inf from a float32 register: no value, never a number
    const value = p.type === 'float32' ? raw * p.scale + p.offset : Number((raw * p.scale + p.offset).toPrecision(12))
    metrics[p.metric] = p.type === 'float32' ? Number(value.toPrecision(7)) : value
    if (p.flag !== undefined) flags[p.metric] = p.flag
    if ((p.suspectAbove !== undefined && value > p.suspectAbove) || (p.suspectBelow !== undefined && value < p.suspectBelow)) flags[p.metric] = 'suspect'
  }
  return { metrics, flags }
}
