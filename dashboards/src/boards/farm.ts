// Farm: soil moisture per plot with drought-grade bands, soil temperature and EC, weather.
import { buildDashboard, influx, ruleVariable, SITE_DEVICE, type Json } from '../grafana.ts'

// GB/T 32136-2015 via ingest/src/indices/drought.ts: relative moisture R = VWC / field capacity ×
// 100; extreme R ≤ 30, severe ≤ 40, moderate ≤ 50, light ≤ 60, none above.
export const DROUGHT_BANDS = [
  { value: null, color: 'dark-red' },
  { value: 30, color: 'orange' },
  { value: 40, color: 'yellow' },
  { value: 50, color: 'light-blue' },
  { value: 60, color: 'green' }
]

const fieldCapacity: Json = {
  name: 'field_capacity',
  label: 'Field capacity (%VWC)',
  type: 'textbox',
  description: 'Field capacity of the plots shown, in %VWC: the same number as fieldCapacityPct of the drought rule. Relative moisture = VWC / field capacity × 100.',
  query: '35',
  current: { text: '35', value: '35' },
  hide: 0
}

const commandName: Json = {
  name: 'command_name',
  label: 'Irrigation commands',
  type: 'textbox',
  description: 'Regex of the command names shown in the command panels (e.g. valve|pump); .* shows every command sent to the gateways of the site.',
  query: '.*',
  current: { text: '.*', value: '.*' },
  hide: 0
}

/** Commands of the shown sites whose name matches $command_name (measurement command, written by ingest from cmd and cmd-result). */
const COMMANDS = '"site" =~ /^$site$/ AND "name" =~ /^($command_name)$/ AND $timeFilter'

/** Commanded value: 0 off/closed, 1 on/open, anything else as it is. */
const COMMANDED: Json = {
  defaults: {
    custom: { fillOpacity: 80, lineWidth: 0 },
    color: { mode: 'thresholds' },
    thresholds: { mode: 'absolute', steps: [{ color: 'text', value: null }] },
    mappings: [{ type: 'value', options: { 0: { text: 'off / closed', color: 'blue', index: 0 }, 1: { text: 'on / open', color: 'green', index: 1 } } }]
  },
  overrides: []
}

export function farmDashboard () {
  return buildDashboard({
    uid: 'shennong-farm',
    title: 'Shennong · Farm',
    file: 'farm.json',
    tags: ['farm', 'soil', 'weather'],
    description: 'Soil moisture per plot with drought grades, soil temperature and EC, weather.',
    measurement: 'soil',
    from: 'now-7d',
    extraVariables: [fieldCapacity, ruleVariable('drought_rule', 'drought', 'drought'), commandName],
    panels: [
      {
        title: 'Relative soil moisture (% of field capacity) with drought grades',
        type: 'timeseries', w: 24, h: 9, unit: 'percent', bands: true, thresholds: DROUGHT_BANDS,
        description: 'Bands: extreme (≤ 30), severe (≤ 40), moderate (≤ 50), light (≤ 60) drought; none above 60.',
        targets: [influx('A', `SELECT mean("moisture_vwc_pct") / $field_capacity * 100 AS "relative_moisture" FROM "$rp"."soil" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(null)`, ['relative_moisture'], 'time_series', '$tag_device')]
      },
      {
        title: 'Soil moisture (%VWC)', type: 'timeseries', w: 12, h: 8, unit: 'percent',
        targets: [influx('A', `SELECT mean("moisture_vwc_pct") AS "moisture_vwc_pct" FROM "$rp"."soil" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(null)`, ['moisture_vwc_pct'], 'time_series', '$tag_device')]
      },
      {
        title: 'Plots now', type: 'table', w: 12, h: 8,
        description: 'Latest reading per device (raw data) and its relative moisture.',
        targets: [influx('A', `SELECT last("moisture_vwc_pct") AS "moisture_vwc_pct", last("temperature_c") AS "temperature_c", last("ec_us_cm") AS "ec_us_cm" FROM "raw"."soil" WHERE ${SITE_DEVICE} GROUP BY "site", "device"`, ['site', 'device', 'moisture_vwc_pct', 'temperature_c', 'ec_us_cm'], 'table')]
      },
      {
        title: 'Soil temperature (°C)', type: 'timeseries', w: 12, h: 8, unit: 'celsius',
        targets: [influx('A', `SELECT mean("temperature_c") AS "temperature_c" FROM "$rp"."soil" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(null)`, ['temperature_c'], 'time_series', '$tag_device')]
      },
      {
        title: 'Soil EC (µS/cm)', type: 'timeseries', w: 12, h: 8,
        targets: [influx('A', `SELECT mean("ec_us_cm") AS "ec_us_cm" FROM "$rp"."soil" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(null)`, ['ec_us_cm'], 'time_series', '$tag_device')]
      },
      {
        title: 'Rainfall (mm per interval)', type: 'timeseries', w: 8, h: 8, unit: 'lengthmm',
        description: 'Sums raw readings (rainfall_mm is the rain in each reporting interval); rollups keep means, not sums.',
        options: { legend: { showLegend: true } },
        fieldConfig: { defaults: { unit: 'lengthmm', custom: { drawStyle: 'bars', fillOpacity: 60 } }, overrides: [] },
        targets: [influx('A', 'SELECT sum("rainfall_mm") AS "rainfall_mm" FROM "raw"."weather" WHERE "site" =~ /^$site$/ AND $timeFilter GROUP BY time($__interval), "device" fill(0)', ['rainfall_mm'], 'time_series', '$tag_device')]
      },
      {
        title: 'Air temperature (°C)', type: 'timeseries', w: 8, h: 8, unit: 'celsius',
        targets: [influx('A', 'SELECT mean("temperature_c") AS "temperature_c" FROM "$rp"."weather" WHERE "site" =~ /^$site$/ AND $timeFilter GROUP BY time($__interval), "device" fill(null)', ['temperature_c'], 'time_series', '$tag_device')]
      },
      {
        title: 'Air humidity (%RH)', type: 'timeseries', w: 8, h: 8, unit: 'humidity',
        targets: [influx('A', 'SELECT mean("humidity_pct") AS "humidity_pct" FROM "$rp"."weather" WHERE "site" =~ /^$site$/ AND $timeFilter GROUP BY time($__interval), "device" fill(null)', ['humidity_pct'], 'time_series', '$tag_device')]
      },
      {
        title: 'Drought alerts', type: 'table', w: 24, h: 7,
        description: 'Alerts of the drought rule (rule ids matching $drought_rule).',
        targets: [influx('A', 'SELECT "message", "value", "state", "event" FROM "alert" WHERE "site" =~ /^$site$/ AND "rule" =~ /$drought_rule/ AND $timeFilter GROUP BY "device", "severity", "rule"', ['message', 'value', 'state', 'device', 'severity'], 'table')]
      },
      {
        title: 'Irrigation: value commanded per device', type: 'state-timeline', w: 24, h: 7,
        description: 'args.value of each command sent (cmd) to a valve or pump, held until the next one. Whether the gateway carried it out is in the table below.',
        options: { showValue: 'auto', mergeValues: true, alignValue: 'left', rowHeight: 0.8 },
        fieldConfig: COMMANDED,
        targets: [influx('A', `SELECT last("value") AS "value" FROM "command" WHERE ${COMMANDS} AND "phase" = 'sent' GROUP BY time($__interval), "device" fill(previous)`, ['value'], 'time_series', '$tag_device')]
      },
      {
        title: 'Irrigation commands', type: 'table', w: 24, h: 9,
        description: 'Commands sent (phase sent: from Node-RED flows or the API) and the gateways\' answers (phase result: ok 1/0, error code and message). Matched by id.',
        transformations: [{ id: 'sortBy', options: { sort: [{ field: 'Time', desc: true }] } }],
        targets: [influx('A', `SELECT "id", "ok", "value", "args", "error_code", "message" FROM "command" WHERE ${COMMANDS} GROUP BY "gateway", "device", "name", "phase" ORDER BY time DESC LIMIT 100`, ['gateway', 'device', 'name', 'phase', 'id', 'ok', 'args'], 'table')]
      }
    ],
    annotationRule: '.*'
  })
}
