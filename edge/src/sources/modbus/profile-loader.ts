// Device profiles are data (issue 3 §2): a YAML file per sensor model maps registers to catalog
// metrics. Loading validates the file against ProfileSchema, checks every metric against the
// catalog, and groups points into as few read requests as the register layout allows. Runs while
// the config is checked; the running agent gets the compiled `Profile` (profile.ts).
import { readFileSync, existsSync } from 'node:fs'
import { join, isAbsolute } from 'node:path'
import { parse as parseYaml } from 'yaml'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import { CATALOG, isKind } from '@shennong/core/catalog.ts'
import { describeSchemaErrors } from '@shennong/core/config.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import { parseDuration } from '@shennong/core/duration.ts'
import { widthOf, type Profile, type ReadGroup } from './profile.ts'

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

const MAX_GAP = 16
const MAX_COUNT = 125

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

