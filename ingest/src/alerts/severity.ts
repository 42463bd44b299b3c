// China's four-colour warning convention (ARCHITECTURE §7): blue IV < yellow III < orange II < red I.
export const SEVERITIES = ['blue', 'yellow', 'orange', 'red'] as const
export type Severity = typeof SEVERITIES[number]

/** Roman level of each colour: red is level I, the most severe. */
export const SEVERITY_LEVEL: Readonly<Record<Severity, 'I' | 'II' | 'III' | 'IV'>> = { blue: 'IV', yellow: 'III', orange: 'II', red: 'I' }

/** 0 for blue … 3 for red. */
export function severityRank (severity: Severity): number {
  return SEVERITIES.indexOf(severity)
}

export function isSeverity (value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)
}
