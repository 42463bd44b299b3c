// Water: the GB 3838-2002 class of each station over time and its limiting items (measurement
// `water_class`, written by the water-class rule for every classed reading), pH, DO, NH3-N, CODMn,
// TP per station with class bands, and the class alerts of the water-class rule.
import { buildDashboard, influx, ruleVariable, SITE_DEVICE, type PanelSpec } from '../grafana.ts'

// Class colours: I dark blue, II blue, III green, IV yellow, V orange, worse than V red.
const C = { I: 'dark-blue', II: 'blue', III: 'green', IV: 'yellow', V: 'orange', worse: 'red' }

/** Bands for "lower is better" items from the class I…V upper limits. */
function upperLimits (limits: [number, number, number, number, number]): PanelSpec['thresholds'] {
  return [
    { value: null, color: C.I },
    { value: limits[0], color: C.II },
    { value: limits[1], color: C.III },
    { value: limits[2], color: C.IV },
    { value: limits[3], color: C.V },
    { value: limits[4], color: C.worse }
  ]
}

// GB 3838-2002 Table 1.
export const WATER_BANDS = {
  // DO ≥ 7.5 (I), 6 (II), 5 (III), 3 (IV), 2 (V): higher is better.
  do_mg_l: [
    { value: null, color: C.worse }, { value: 2, color: C.V }, { value: 3, color: C.IV },
    { value: 5, color: C.III }, { value: 6, color: C.II }, { value: 7.5, color: C.I }
  ],
  nh3n_mg_l: upperLimits([0.15, 0.5, 1.0, 1.5, 2.0]),
  codmn_mg_l: upperLimits([2, 4, 6, 10, 15]),
  // Rivers; lakes and reservoirs: 0.01, 0.025, 0.05, 0.1, 0.2.
  tp_mg_l: upperLimits([0.02, 0.1, 0.2, 0.3, 0.4]),
  // pH 6–9 for every class.
  ph: [{ value: null, color: 'red' }, { value: 6, color: 'green' }, { value: 9, color: 'red' }]
}

// class_number 1…6 (6 = worse than V) in the class colours, with the class names.
const CLASS_STEPS = [
  { value: null, color: C.I }, { value: 2, color: C.II }, { value: 3, color: C.III },
  { value: 4, color: C.IV }, { value: 5, color: C.V }, { value: 6, color: C.worse }
]
const CLASS_NAMES = ['I', 'II', 'III', 'IV', 'V', '劣V']
const CLASS_MAPPINGS = [{
  type: 'value',
  options: Object.fromEntries(CLASS_NAMES.map((text, i) => [String(i + 1), { text, color: CLASS_STEPS[i].color, index: i }]))
}]

/** Table cells of the class_number and target_number columns in the class colours, named I … 劣V. */
const CLASS_CELLS = {
  defaults: {},
  overrides: ['class_number', 'target_number'].map(name => ({
    matcher: { id: 'byName', options: name },
    properties: [
      { id: 'mappings', value: CLASS_MAPPINGS },
      { id: 'custom.cellOptions', value: { type: 'color-background' } }
    ]
  }))
}

function metricPanel (metric: keyof typeof WATER_BANDS, title: string, w: number): PanelSpec {
  return {
    title, type: 'timeseries', w, h: 8, bands: true, thresholds: WATER_BANDS[metric],
    targets: [influx('A', `SELECT mean("${metric}") AS "${metric}" FROM "$rp"."water" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(null)`, [metric], 'time_series', '$tag_device')]
  }
}

export function waterDashboard () {
  return buildDashboard({
    uid: 'shennong-water',
    title: 'Shennong · Water',
    file: 'water.json',
    tags: ['water', 'gb3838'],
    description: 'Surface water stations: GB 3838-2002 class over time and limiting items (measurement water_class, from the water-class rule); pH, DO, NH3-N, CODMn, TP with class bands; class alerts.',
    measurement: 'water',
    from: 'now-3d',
    extraVariables: [ruleVariable('water_class_rule', 'water-class', 'water-class|river-target')],
    panels: [
      {
        title: 'GB 3838 class over time (worst per interval; dashed: target)', type: 'timeseries', w: 16, h: 8,
        description: 'Measurement water_class: the water-class rule writes the class of each station for every reading that classes it (single-factor, the worst measured item). 1 = I … 5 = V, 6 = worse than V (劣V).',
        fieldConfig: {
          defaults: {
            min: 1,
            max: 6,
            decimals: 0,
            thresholds: { mode: 'absolute', steps: CLASS_STEPS },
            color: { mode: 'thresholds' },
            mappings: CLASS_MAPPINGS,
            custom: { drawStyle: 'line', lineInterpolation: 'stepAfter', lineWidth: 2, spanNulls: true, thresholdsStyle: { mode: 'area' } }
          },
          overrides: [{
            matcher: { id: 'byRegexp', options: '.*target.*' },
            properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }, { id: 'color', value: { mode: 'fixed', fixedColor: 'text' } }]
          }]
        },
        targets: [
          influx('A', `SELECT max("class_number") AS "class_number" FROM "water_class" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(none)`, ['class_number'], 'time_series', '$tag_device'),
          influx('B', `SELECT last("target_number") AS "target_number" FROM "water_class" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(none)`, ['target_number'], 'time_series', '$tag_device target')
        ]
      },
      {
        title: 'Stations now (class, limiting items, target)', type: 'table', w: 8, h: 8, fieldConfig: CLASS_CELLS,
        description: 'The latest classification of each station: class (1 I … 6 劣V), the items that set it (Table 1 order) and the site\'s target class.',
        targets: [influx('A', `SELECT last("class_number") AS "class_number", last("limiting") AS "limiting", last("target_number") AS "target_number" FROM "water_class" WHERE ${SITE_DEVICE} GROUP BY "site", "device"`, ['site', 'device', 'class_number', 'limiting', 'target_number'], 'table')]
      },
      {
        title: 'Limiting items while worse than target', type: 'table', w: 12, h: 8, fieldConfig: CLASS_CELLS,
        description: 'Every classification worse than the site\'s target, newest first: the class and the items that set it.',
        targets: [influx('A', `SELECT "class_number", "class", "limiting", "target_number" FROM "water_class" WHERE ${SITE_DEVICE} AND "class_number" > "target_number" GROUP BY "device" ORDER BY time DESC LIMIT 500`, ['device', 'class_number', 'class', 'limiting', 'target_number'], 'table')]
      },
      {
        title: 'Class alerts (lifecycle)', type: 'table', w: 12, h: 8,
        description: 'The water-class rule\'s alerts: opened, escalated and resolved as a station misses or meets its target.',
        targets: [influx('A', 'SELECT "message", "value", "state", "event" FROM "alert" WHERE "site" =~ /^$site$/ AND "device" =~ /^$device$/ AND "rule" =~ /$water_class_rule/ AND $timeFilter GROUP BY "device", "severity"', ['message', 'state', 'device', 'severity'], 'table')]
      },
      metricPanel('do_mg_l', 'Dissolved oxygen (mg/L), class bands', 12),
      metricPanel('nh3n_mg_l', 'NH3-N (mg/L), class bands', 12),
      metricPanel('codmn_mg_l', 'CODMn (mg/L), class bands', 8),
      metricPanel('tp_mg_l', 'TP (mg/L), river class bands', 8),
      metricPanel('ph', 'pH (6–9 for every class)', 8),
      {
        title: 'Stations now', type: 'table', w: 24, h: 7,
        targets: [influx('A', `SELECT last("ph") AS "ph", last("do_mg_l") AS "do_mg_l", last("nh3n_mg_l") AS "nh3n_mg_l", last("codmn_mg_l") AS "codmn_mg_l", last("tp_mg_l") AS "tp_mg_l" FROM "raw"."water" WHERE ${SITE_DEVICE} GROUP BY "site", "device"`, ['site', 'device', 'ph', 'do_mg_l', 'nh3n_mg_l', 'codmn_mg_l', 'tp_mg_l'], 'table')]
      }
    ]
  })
}
