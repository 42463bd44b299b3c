// One YAML config per process: parsed, defaults applied, validated against the process schema
// (every error reported at once), env overrides for secrets through an explicit mapping, frozen.
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { TSchema, Static } from 'typebox'
import Value from 'typebox/value'
import { Settings } from 'typebox/system'
import { ShennongError } from './errors.ts'

export interface ConfigIssue {
  path: string
  message: string
}

export interface LoadConfigOptions<S extends TSchema> {
  schema: S
  /** YAML file to read; omitted means an empty document (all defaults). */
  file?: string
  /** YAML text, instead of a file. */
  text?: string
  /** Already-parsed object, instead of a file or text. */
  value?: unknown
  /** Env var name → dotted config path. Only these variables are read. */
  envMap?: Record<string, string>
  env?: Record<string, string | undefined>
  /**
   * Problems the schema cannot see (a file that must be readable), reported with the schema's own.
   * Called with the completed document whether it is valid or not: read it defensively.
   */
  check?: (completed: unknown) => ConfigIssue[]
}

function setPath (target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[keys[keys.length - 1]] = value
}

function pointerToPath (pointer: string): string {
  if (pointer === '') return '(root)'
  return pointer.slice(1).split('/').map(s => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
}

/** Turns schema validation errors into one plain sentence per problem. */
export function describeSchemaErrors (schema: TSchema, value: unknown): ConfigIssue[] {
  const issues = new Map<string, ConfigIssue>()
  const allowed = new Map<string, unknown[]>()
  // TypeBox buffers 8 errors by default; a config file deserves every problem at once.
  const previous = Settings.Get().maxErrors
  Settings.Set({ maxErrors: 1000 })
  let errors
  try {
    errors = [...Value.Errors(schema, value)]
  } finally {
    Settings.Set({ maxErrors: previous })
  }
  for (const e of errors) {
    const path = pointerToPath(e.instancePath)
    if (e.keyword === 'boolean') continue
    if (e.keyword === 'const') {
      const list = allowed.get(path) ?? []
      list.push((e.params as { allowedValue: unknown }).allowedValue)
      allowed.set(path, list)
      continue
    }
    if (e.keyword === 'anyOf' && allowed.has(path)) continue
    let message = e.message
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties: string[] }).additionalProperties
      for (const key of extra) {
        const p = path === '(root)' ? key : `${path}.${key}`
        issues.set(`${p}:unknown`, { path: p, message: `unknown option "${key}" (check the spelling against docs/configuration.md)` })
      }
      continue
    }
    if (e.keyword === 'required') {
      for (const key of (e.params as { requiredProperties: string[] }).requiredProperties) {
        const p = path === '(root)' ? key : `${path}.${key}`
        issues.set(`${p}:required`, { path: p, message: 'is required' })
      }
      continue
    }
    issues.set(`${path}:${message}`, { path, message })
  }
  for (const [path, values] of allowed) {
    issues.set(`${path}:enum`, { path, message: `must be one of ${values.map(v => JSON.stringify(v)).join(', ')}` })
  }
  return [...issues.values()]
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

/** Loads, completes, validates and freezes a config. Throws ERR_CONFIG_INVALID with every issue. */
export function loadConfig<S extends TSchema> (options: LoadConfigOptions<S>): Readonly<Static<S>> {
  let raw: unknown = options.value
  const origin = options.file ?? '(inline config)'
  if (raw === undefined) {
    let text = options.text
    if (text === undefined && options.file !== undefined) {
      try {
        text = readFileSync(options.file, 'utf8')
      } catch (cause) {
        throw new ShennongError('ERR_CONFIG_READ', `cannot read config ${options.file}: ${(cause as Error).message}`, { cause })
      }
    }
    try {
      raw = text === undefined ? {} : (parseYaml(text) ?? {})
    } catch (cause) {
      throw new ShennongError('ERR_CONFIG_READ', `${origin} is not valid YAML: ${(cause as Error).message}`, { cause })
    }
  }
  const doc = structuredClone(raw ?? {}) as Record<string, unknown>
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ShennongError('ERR_CONFIG_INVALID', `${origin}: the top level must be a mapping of options`)
  }
  const env = options.env ?? process.env
  for (const [name, path] of Object.entries(options.envMap ?? {})) {
    const value = env[name]
    if (value !== undefined && value !== '') setPath(doc, path, value)
  }
  const completed = Value.Default(options.schema, doc)
  const issues = [...describeSchemaErrors(options.schema, completed), ...(options.check?.(completed) ?? [])]
  if (issues.length > 0) {
    const lines = issues.map(i => `  - ${i.path}: ${i.message}`).join('\n')
    throw new ShennongError('ERR_CONFIG_INVALID', `${origin} has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines}`, { details: { issues } })
  }
  return deepFreeze(completed as Static<S>)
}
