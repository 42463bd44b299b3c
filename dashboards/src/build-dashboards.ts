// Builds the dashboard JSON files in dashboards/json/ (the folder the provisioning file provider
// reads) from the TypeScript definitions in boards/. Run after changing a board:
//   node dashboards/src/build-dashboards.ts
// A test (dashboards.test.ts) fails when the files on disk differ from what this builds.
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Json, QueryCheck } from './grafana.ts'
import { farmDashboard } from './boards/farm.ts'
import { waterDashboard } from './boards/water.ts'
import { airDashboard } from './boards/air.ts'
import { fleetDashboard } from './boards/fleet.ts'
import { alertsDashboard } from './boards/alerts.ts'
import { pipelineDashboard } from './boards/pipeline.ts'

export const JSON_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'json')

export interface BuiltDashboard { file: string, json: Json, checks: QueryCheck[] }

const BOARDS = [
  ['farm.json', farmDashboard],
  ['water.json', waterDashboard],
  ['air.json', airDashboard],
  ['fleet.json', fleetDashboard],
  ['alerts.json', alertsDashboard],
  ['pipeline.json', pipelineDashboard]
] as const

export function buildDashboards (): BuiltDashboard[] {
  return BOARDS.map(([file, build]) => ({ file, ...build() }))
}

export function formatDashboard (json: Json): string {
  return JSON.stringify(json, null, 2) + '\n'
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(JSON_DIR, { recursive: true })
  for (const d of buildDashboards()) writeFileSync(join(JSON_DIR, d.file), formatDashboard(d.json))
  process.stdout.write(`wrote ${BOARDS.length} dashboards to ${JSON_DIR}\n`)
}
