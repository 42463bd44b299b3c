// Rules live in YAML files (`rules/*.yaml`): each file holds `rules:`, a list of rules. A rule is
// validated against the common schema plus its kind's schema (additionalProperties false,
// defaults applied); every problem in every file is reported at once, as `file: path: message`.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Type from 'typebox'
import Value from 'typebox/value'
import { parse as parseYaml } from 'yaml'
import { describeSchemaErrors, type ConfigIssue } from '@shennong/core/config.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import { KINDS, isKind, type Kind } from '@shennong/core/catalog.ts'
import { RULE_KINDS } from './index.ts'
import type { RuleKind } from './rule-kind.ts'
import { compileScope, type Scope } from './scope.ts'
import type { SuspectPolicy } from './reading-filter.ts'

export const RULE_ID = '^[a-z0-9][a-z0-9_.-]{0,127}$'

const Globs = (what: string) => Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, default: ['*'], description: `${what} (globs: * and ?)` })

function commonSchema (kind: string, kindSchema: unknown) {
  return Type.Object({
    id: Type.String({ pattern: RULE_ID, description: 'Unique rule id: lower-case letters, digits, _ . -' }),
    kind: Type.Literal(kind),
    description: Type.String({ default: '' }),
    enabled: Type.Boolean({ default: true }),
    scope: Type.Object({
      sites: Globs('Sites'),
      devices: Globs('Devices'),
      kinds: Type.Optional(Type.Array(Type.Union(KINDS.map(k => Type.Literal(k))), { minItems: 1, description: 'Reading kinds; default the rule kind\'s own.' }))
    }, { additionalProperties: false, default: {} }),
    suspect: Type.Union([Type.Literal('ignore'), Type.Literal('use')], { default: 'ignore', description: 'Whether values flagged suspect may trigger the rule.' }),
    [kind]: kindSchema as ReturnType<typeof Type.Object>
  }, { additionalProperties: false })
}

export interface LoadedRule {
  id: string
  kind: string
  definition: RuleKind
  /** The kind's compiled config. */
  config: unknown
  scope: Scope
  suspect: SuspectPolicy
  description: string
  enabled: boolean
  /** File it came from. */
  file: string
  /** Canonical JSON of the validated rule: a reload keeps state when the rule is unchanged. */
  fingerprint: string
}

/** Validates one rule document; `where` prefixes every issue path. */
export function compileRule (raw: unknown, where: string, file = where): { rule?: LoadedRule, issues: ConfigIssue[] } {
  const at = (p: string): string => `${where}${p === '(root)' ? '' : `.${p}`}`
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { issues: [{ path: where, message: 'a rule must be a mapping' }] }
  const kind = (raw as Record<string, unknown>).kind
  const definition = typeof kind === 'string' && Object.hasOwn(RULE_KINDS, kind) ? RULE_KINDS[kind as keyof typeof RULE_KINDS] as RuleKind : undefined
  if (definition === undefined) {
    return { issues: [{ path: at('kind'), message: `unknown rule kind ${JSON.stringify(kind)}; one of ${Object.keys(RULE_KINDS).join(', ')}` }] }
  }
  const schema = commonSchema(definition.kind, definition.schema)
  const completed = Value.Default(schema, structuredClone(raw)) as Record<string, unknown>
  const issues = describeSchemaErrors(schema, completed).map(i => ({ path: at(i.path), message: i.message }))
  if (issues.length > 0) return { issues }
  const compiled = definition.compile(completed[definition.kind])
  if ('problems' in compiled) return { issues: compiled.problems.map(p => ({ path: at(definition.kind), message: p })) }
  const scopeRaw = completed.scope as { sites: string[], devices: string[], kinds?: Kind[] }
  const kinds = scopeRaw.kinds ?? [...definition.readingKinds]
  for (const k of kinds) if (!isKind(k)) issues.push({ path: at('scope.kinds'), message: `unknown reading kind ${k}` })
  return {
    issues,
    rule: {
      id: completed.id as string,
      kind: definition.kind,
      definition,
      config: compiled.config,
      scope: compileScope({ sites: scopeRaw.sites, devices: scopeRaw.devices, kinds }),
      suspect: completed.suspect as SuspectPolicy,
      description: completed.description as string,
      enabled: completed.enabled as boolean,
      file,
      fingerprint: JSON.stringify(completed)
    }
  }
}

export interface RuleSet {
  rules: LoadedRule[]
  issues: ConfigIssue[]
  files: string[]
}

/** Parses and validates every `*.yaml` / `*.yml` file of a directory (a missing directory is empty). */
export function readRuleDir (dir: string): RuleSet {
  let names: string[]
  try {
    names = readdirSync(dir).filter(n => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rules: [], issues: [], files: [] }
    return { rules: [], issues: [{ path: dir, message: `cannot read the rules directory: ${(err as Error).message}` }], files: [] }
  }
  const rules: LoadedRule[] = []
  const issues: ConfigIssue[] = []
  const seen = new Map<string, string>()
  for (const name of names) {
    const file = join(dir, name)
    let doc: unknown
    try {
      doc = parseYaml(readFileSync(file, 'utf8')) ?? {}
    } catch (err) {
      issues.push({ path: name, message: `not valid YAML: ${(err as Error).message}` })
      continue
    }
    const list = (doc as { rules?: unknown }).rules
    const extra = typeof doc === 'object' && doc !== null ? Object.keys(doc).filter(k => k !== 'rules') : []
    for (const k of extra) issues.push({ path: `${name}: ${k}`, message: `unknown option "${k}"; a rules file holds only "rules:"` })
    if (!Array.isArray(list)) {
      issues.push({ path: `${name}: rules`, message: 'is required: a list of rules' })
      continue
    }
    list.forEach((raw, i) => {
      const result = compileRule(raw, `${name}: rules[${i}]`, file)
      issues.push(...result.issues)
      if (result.rule === undefined) return
      const other = seen.get(result.rule.id)
      if (other !== undefined) {
        issues.push({ path: `${name}: rules[${i}].id`, message: `rule id "${result.rule.id}" is also used in ${other}` })
        return
      }
      seen.set(result.rule.id, name)
      rules.push(result.rule)
    })
  }
  return { rules, issues, files: names }
}

/** Throws ERR_CONFIG_INVALID with every problem, or returns the rules. */
export function loadRuleDir (dir: string): LoadedRule[] {
  const set = readRuleDir(dir)
  if (set.issues.length > 0) {
    const lines = set.issues.map(i => `  - ${i.path}: ${i.message}`).join('\n')
    throw new ShennongError('ERR_CONFIG_INVALID', `rules in ${dir} have ${set.issues.length} problem${set.issues.length === 1 ? '' : 's'}:\n${lines}`, { details: { issues: set.issues } })
  }
  return set.rules
}
