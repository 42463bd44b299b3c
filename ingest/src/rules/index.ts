// Every rule kind, listed explicitly (STYLE: plain registries, no registration by import side effect).
import { threshold } from './threshold/threshold.ts'

export const RULE_KINDS = {
  threshold
} as const

export type RuleKindName = keyof typeof RULE_KINDS
