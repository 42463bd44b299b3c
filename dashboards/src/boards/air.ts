// Air: AQI (from the aqi rule's alerts) with category colours, the six pollutants with their IAQI
// breakpoints as bands, primary pollutant.
import { buildDashboard, influx, ruleVariable, SITE_DEVICE, type PanelSpec } from '../grafana.ts'

// HJ 633-2012 category colours: good, moderate, lightly, moderately, heavily, severely polluted.
const CAT = ['#00e400', '#ffff00', '#ff7e00', '#ff0000', '#99004c', '#7e0023']

/** Bands from the concentrations at IAQI 50, 100, 150, 200, 300 (HJ 633-2012 Table 1). */
function iaqiBands (at: [number, number, number, number, number]): PanelSpec['thresholds'] {
  return [{ value: null, color: CAT[0] }, ...at.map((value, i) => ({ value, color: CAT[i + 1] }))]
}

export const AIR_BANDS = {
  aqi: iaqiBands([50, 100, 150, 200, 300]),
  // 24-hour breakpoints for PM (the hourly report uses them too), 1-hour ones for the gases.
  pm25_ug_m3: iaqiBands([35, 75, 115, 150, 250]),
  pm10_ug_m3: iaqiBands([50, 150, 250, 350, 420]),
  so2_ug_m3: iaqiBands([150, 500, 650, 800, 1600]),
  no2_ug_m3: iaqiBands([100, 200, 700, 1200, 2340]),
  o3_ug_m3: iaqiBands([160, 200, 300, 400, 800]),
  co_mg_m3: iaqiBands([5, 10, 35, 60, 90])
}

type Pollutant = Exclude<keyof typeof AIR_BANDS, 'aqi'>

function pollutant (metric: Pollutant, title: string, unit: string): PanelSpec {
  return {
    title, type: 'timeseries', w: 8, h: 8, bands: true, unit, thresholds: AIR_BANDS[metric],
    targets: [influx('A', `SELECT mean("${metric}") AS "${metric}" FROM "$rp"."air" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(null)`, [metric], 'time_series', '$tag_device')]
  }
}

export function airDashboard () {
  return buildDashboard({
    uid: 'shennong-air',
    title: 'Shennong · Air',
    file: 'air.json',
    tags: ['air', 'aqi'],
    description: 'AQI with category colours (from the aqi rule), the six pollutants with IAQI bands, primary pollutant.',
    measurement: 'air',
    from: 'now-3d',
    extraVariables: [ruleVariable('aqi_rule', 'aqi', 'aqi')],
    panels: [
      {
        title: 'AQI (hours at or above the aqi rule\'s lowest alert level)', type: 'timeseries', w: 16, h: 8, bands: true, thresholds: AIR_BANDS.aqi,
        description: 'The aqi rule computes the hourly AQI (HJ 633) and writes it as the alert value when the hour reaches an alert level (level 3 by default); quieter hours have no point.',
        fieldConfig: { defaults: { thresholds: { mode: 'absolute', steps: AIR_BANDS.aqi?.map(s => ({ color: s.color, value: s.value })) }, color: { mode: 'thresholds' }, custom: { drawStyle: 'points', pointSize: 6, thresholdsStyle: { mode: 'area' } } }, overrides: [] },
        targets: [influx('A', 'SELECT max("value") AS "aqi" FROM "alert" WHERE "site" =~ /^$site$/ AND "device" =~ /^$device$/ AND "rule" =~ /$aqi_rule/ AND $timeFilter GROUP BY time($__interval), "device"', ['aqi'], 'time_series', '$tag_device')]
      },
      {
        title: 'Primary pollutant (latest AQI alerts)', type: 'table', w: 8, h: 8,
        targets: [influx('A', 'SELECT last("message") AS "message", last("value") AS "aqi" FROM "alert" WHERE "site" =~ /^$site$/ AND "device" =~ /^$device$/ AND "rule" =~ /$aqi_rule/ AND $timeFilter GROUP BY "device", "severity"', ['message', 'aqi', 'device'], 'table')]
      },
      pollutant('pm25_ug_m3', 'PM2.5 (µg/m³)', 'conµgm3'),
      pollutant('pm10_ug_m3', 'PM10 (µg/m³)', 'conµgm3'),
      pollutant('o3_ug_m3', 'O3 (µg/m³)', 'conµgm3'),
      pollutant('no2_ug_m3', 'NO2 (µg/m³)', 'conµgm3'),
      pollutant('so2_ug_m3', 'SO2 (µg/m³)', 'conµgm3'),
      pollutant('co_mg_m3', 'CO (mg/m³)', 'conmgm3')
    ]
  })
}
