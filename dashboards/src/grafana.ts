// Small builders for Grafana dashboard JSON (schemaVersion 39, Grafana 10/11). Every InfluxQL
// target records the columns its panel reads (`expect`), kept beside the JSON in a check list so
// the live test (live-queries.test.ts) can run the query and verify them.

import { resolutionQuery } from '../../ingest/src/influx/rollups.ts'

export const INFLUX_DS = { type: 'influxdb', uid: 'shennong-influxdb' } as const
export const PROM_DS = { type: 'prometheus', uid: 'shennong-prometheus' } as const
export const SCHEMA_VERSION = 39

export type Json = Record<string, unknown>

export interface QueryCheck {
  dashboard: string
  panel: string
  refId: string
  datasource: 'influxdb' | 'prometheus'
  query: string
  /** Columns the panel reads (besides time for time series). */
  expect: string[]
}

export interface Target { refId: string, query: string, format: 'time_series' | 'table', expect: string[], alias?: string }

export function influx (refId: string, query: string, expect: string[], format: Target['format'] = 'time_series', alias?: string): Target {
  return { refId, query, format, expect, ...(alias !== undefined ? { alias } : {}) }
}

export interface PanelSpec {
  title: string
  type: 'timeseries' | 'stat' | 'table' | 'geomap' | 'bargauge' | 'state-timeline' | 'text'
  w: number
  h: number
  targets?: Target[]
  prom?: Array<{ refId: string, expr: string, legend?: string }>
  description?: string
  unit?: string
  thresholds?: Array<{ value: number | null, color: string }>
  /** Draw thresholds as bands (area) on time series. */
  bands?: boolean
  options?: Json
  fieldConfig?: Json
  transformations?: Json[]
}

export interface DashboardSpec {
  uid: string
  title: string
  file: string
  tags: string[]
  description: string
  /** Measurement the site/device variables list ('' = every measurement). */
  measurement: string
  from?: string
  extraVariables?: Json[]
  /** Annotations: alerts of these sites/devices; a regex on the rule tag. */
  annotationRule?: string
  panels: PanelSpec[]
}

const ROW_WIDTH = 24

function thresholdSteps (steps: PanelSpec['thresholds']): Json {
  return { mode: 'absolute', steps: (steps ?? [{ value: null, color: 'green' }]).map(s => ({ color: s.color, value: s.value })) }
}

const LEVELS = ['raw', 'rollup_5m', 'rollup_1h']

/**
 * Resolution: `auto` (the default) lets `rp` follow the range length; a level name pins it.
 * Panels never read this one: they read `$rp`.
 */
export function resolutionVariable (): Json {
  return {
    name: 'resolution',
    label: 'Resolution',
    type: 'custom',
    description: 'auto: raw data below 60 h, 5-minute rollups up to 30 days, hourly beyond (the map ingest writes to forever.rp_config). Or pin raw, rollup_5m or rollup_1h.',
    query: ['auto', ...LEVELS].join(','),
    current: { text: 'auto', value: 'auto', selected: true },
    options: ['auto', ...LEVELS].map((v, i) => ({ text: v, value: v, selected: i === 0 })),
    hide: 0,
    multi: false,
    includeAll: false
  }
}

/** The retention policy the panels read: looked up from the range length each time it changes. */
export function rpVariable (): Json {
  const query = resolutionQuery()
  return {
    name: 'rp',
    label: 'Retention policy',
    type: 'query',
    datasource: INFLUX_DS,
    description: 'Chosen from the range length ($__to - $__from) or $resolution; see docs/dashboards.md "Choosing the resolution".',
    query,
    definition: query,
    refresh: 2,
    sort: 0,
    multi: false,
    includeAll: false,
    current: { text: 'raw', value: 'raw' },
    hide: 2
  }
}

function tagVariable (name: string, label: string, query: string): Json {
  return {
    name,
    label,
    type: 'query',
    datasource: INFLUX_DS,
    query,
    definition: query,
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    hide: 0
  }
}

/** SHOW TAG VALUES for site, then device within the chosen sites. */
export function siteDeviceVariables (measurement: string): Json[] {
  const from = measurement === '' ? '' : ` FROM "${measurement}"`
  return [
    tagVariable('site', 'Site', `SHOW TAG VALUES${from} WITH KEY = "site"`),
    tagVariable('device', 'Device', `SHOW TAG VALUES${from} WITH KEY = "device" WHERE "site" =~ /^$site$/`)
  ]
}

export function alertAnnotation (ruleRegex = '.*'): { json: Json, query: string } {
  const query = `SELECT "message", "severity", "rule", "device" FROM "alert" WHERE "site" =~ /^$site$/ AND "rule" =~ /${ruleRegex}/ AND $timeFilter`
  return {
    query,
    json: {
      name: 'Alerts',
      datasource: INFLUX_DS,
      enable: true,
      iconColor: 'red',
      query,
      textColumn: 'message',
      tagsColumn: 'severity,rule,device'
    }
  }
}

export function builtInAnnotation (): Json {
  return {
    builtIn: 1,
    datasource: { type: 'grafana', uid: '-- Grafana --' },
    enable: true,
    hide: true,
    iconColor: 'rgba(0, 211, 255, 1)',
    name: 'Annotations & Alerts',
    type: 'dashboard'
  }
}

export function buildDashboard (spec: DashboardSpec): { json: Json, checks: QueryCheck[] } {
  const checks: QueryCheck[] = []
  let x = 0
  let y = 0
  let rowHeight = 0
  const panels = spec.panels.map((p, i) => {
    if (x + p.w > ROW_WIDTH) { x = 0; y += rowHeight; rowHeight = 0 }
    const gridPos = { x, y, w: p.w, h: p.h }
    x += p.w
    rowHeight = Math.max(rowHeight, p.h)
    const id = i + 1
    const panel: Json = { id, type: p.type, title: p.title, gridPos }
    if (p.description !== undefined) panel.description = p.description
    if (p.type !== 'text') {
      const defaults: Json = { thresholds: thresholdSteps(p.thresholds), ...(p.unit !== undefined ? { unit: p.unit } : {}) }
      if (p.type === 'timeseries') defaults.custom = { drawStyle: 'line', lineWidth: 1, spanNulls: true, thresholdsStyle: { mode: p.bands === true ? 'area' : 'off' } }
      if (p.thresholds !== undefined && p.type !== 'timeseries') defaults.color = { mode: 'thresholds' }
      panel.fieldConfig = p.fieldConfig ?? { defaults, overrides: [] }
    }
    if (p.options !== undefined) panel.options = p.options
    if (p.transformations !== undefined) panel.transformations = p.transformations
    if (p.prom !== undefined) {
      panel.datasource = PROM_DS
      panel.targets = p.prom.map(t => ({ refId: t.refId, datasource: PROM_DS, expr: t.expr, legendFormat: t.legend ?? '__auto', range: true }))
      for (const t of p.prom) checks.push({ dashboard: spec.uid, panel: p.title, refId: t.refId, datasource: 'prometheus', query: t.expr, expect: [] })
    } else if (p.targets !== undefined) {
      panel.datasource = INFLUX_DS
      panel.targets = p.targets.map(t => ({
        refId: t.refId,
        datasource: INFLUX_DS,
        query: t.query,
        rawQuery: true,
        resultFormat: t.format,
        ...(t.alias !== undefined ? { alias: t.alias } : {})
      }))
      for (const t of p.targets) checks.push({ dashboard: spec.uid, panel: p.title, refId: t.refId, datasource: 'influxdb', query: t.query, expect: t.expect })
    }
    return panel
  })
  const annotation = alertAnnotation(spec.annotationRule)
  checks.push({ dashboard: spec.uid, panel: 'annotation: Alerts', refId: 'annotation', datasource: 'influxdb', query: annotation.query, expect: ['message', 'severity', 'rule', 'device'] })
  const variables = [...siteDeviceVariables(spec.measurement), resolutionVariable(), rpVariable(), ...(spec.extraVariables ?? [])]
  for (const v of variables) {
    if (v.type === 'query') checks.push({ dashboard: spec.uid, panel: `variable: ${String(v.name)}`, refId: 'variable', datasource: 'influxdb', query: String(v.query), expect: v.name === 'rp' ? ['rp'] : ['key', 'value'] })
  }
  const json: Json = {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['shennong', ...spec.tags],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '1m',
    time: { from: spec.from ?? 'now-24h', to: 'now' },
    templating: { list: variables },
    annotations: { list: [builtInAnnotation(), annotation.json] },
    panels
  }
  return { json, checks }
}

/** WHERE clause shared by most panels. */
export const SITE_DEVICE = '"site" =~ /^$site$/ AND "device" =~ /^$device$/ AND $timeFilter'

/** A textbox holding a regex of rule ids (alert points carry the rule id, not its kind). */
export function ruleVariable (name: string, label: string, regex: string): Json {
  return {
    name,
    label,
    type: 'textbox',
    description: `Regex of the ids of your ${label} rules (alert points are tagged with the rule id).`,
    query: regex,
    current: { text: regex, value: regex },
    hide: 0
  }
}
