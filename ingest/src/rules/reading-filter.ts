// Which of a reading's values a rule may use (issue 4): values flagged bad, maintenance or
// calibration never trigger a rule; suspect ones only where the rule says `suspect: use`; a value
// outside the catalog's physical range counts as bad (the same check quality control makes).
import { metricSpec } from '@shennong/core/catalog.ts'
import type { Reading } from '@shennong/core/reading.ts'

export type SuspectPolicy = 'ignore' | 'use'

const NEVER = new Set(['bad', 'maintenance', 'calibration'])

export interface Filtered {
  metrics: Record<string, number>
  /** Values left out. */
  skipped: number
}

export function usableMetrics (reading: Reading, suspect: SuspectPolicy): Filtered {
  const metrics: Record<string, number> = {}
  let skipped = 0
  for (const [name, value] of Object.entries(reading.metrics)) {
    const flag = reading.flags?.[name]
    if (flag !== undefined && (NEVER.has(flag) || (flag === 'suspect' && suspect === 'ignore'))) { skipped++; continue }
    const spec = metricSpec(reading.kind, name)
    if (spec !== undefined && (value < spec.min || value > spec.max)) { skipped++; continue }
    metrics[name] = value
  }
  return { metrics, skipped }
}
