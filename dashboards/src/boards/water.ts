// Water: pH, DO, NH3-N, CODMn, TP per station with GB 3838-2002 class bands, and the class
// alerts (class and limiting items) of the water-class rule.
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
    description: 'Surface water stations: pH, DO, NH3-N, CODMn, TP with GB 3838-2002 class bands; class alerts with limiting items.',
    measurement: 'water',
    from: 'now-3d',
    extraVariables: [ruleVariable('water_class_rule', 'water-class', 'water-class|river-target')],
    panels: [
      {
        title: 'Class alerts (class and limiting items)', type: 'table', w: 24, h: 7,
        description: 'The water-class rule classifies each station (GB 3838-2002, worst item) and names the limiting items in the message.',
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
