// Air: the hourly AQI (measurement `aqi`, written by the aqi rule for every closed hour) with
// category colours, primary pollutant and IAQIs per station, the six pollutants with their IAQI
// breakpoints as bands.
import { buildDashboard, influx, SITE_DEVICE, type PanelSpec } from '../grafana.ts'

// HJ 633-2012 category colours: good, moderate, lightly, moderately, heavily, severely polluted.
const CAT = ['#00e400', '#ffff00', '#ff7e00', '#ff0000', '#99004c', '#7e0023']

/** Bands from the concentrations at IAQI 50, 100, 150, 200, 300 (HJ 633-2012 Table 1). */
function iaqiBands (at: [number, number, number, number, number]): PanelSpec['thresholds'] {
  return [{ value: null, color: CAT[0] }, ...at.map((value, i) => ({ value, color: CAT[i + 1] }))]
}

export const AIR_BANDS = {
  // The AQI is an integer and 50 is still 优 (category upper bounds are inclusive): steps at 51, 101, …
  aqi: iaqiBands([51, 101, 151, 201, 301]),
  // 24-hour breakpoints for PM (the hourly report uses them too), 1-hour ones for the gases.
  pm25_ug_m3: iaqiBands([35, 75, 115, 150, 250]),
  pm10_ug_m3: iaqiBands([50, 150, 250, 350, 420]),
  so2_ug_m3: iaqiBands([150, 500, 650, 800, 1600]),
  no2_ug_m3: iaqiBands([100, 200, 700, 1200, 2340]),
  o3_ug_m3: iaqiBands([160, 200, 300, 400, 800]),
  co_mg_m3: iaqiBands([5, 10, 35, 60, 90])
}

/** Table cells of the `aqi` column in the category colours (the other columns stay plain). */
const AQI_CELLS: PanelSpec['fieldConfig'] = {
  defaults: {},
  overrides: [{
    matcher: { id: 'byName', options: 'aqi' },
    properties: [
      { id: 'thresholds', value: { mode: 'absolute', steps: AIR_BANDS.aqi?.map(s => ({ color: s.color, value: s.value })) } },
      { id: 'color', value: { mode: 'thresholds' } },
      { id: 'custom.cellOptions', value: { type: 'color-background' } }
    ]
  }]
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
    description: 'Hourly AQI with category colours and primary pollutant (measurement aqi, from the aqi rule), the six pollutants with IAQI bands.',
    measurement: 'air',
    from: 'now-3d',
    panels: [
      {
        title: 'AQI per hour (HJ 633, category colours)', type: 'timeseries', w: 16, h: 8, thresholds: AIR_BANDS.aqi,
        description: 'Measurement aqi: the aqi rule writes one point per station and closed hour (time = the hour\'s start), whether or not it raised an alert. Colours: 优 ≤ 50, 良 ≤ 100, 轻度 ≤ 150, 中度 ≤ 200, 重度 ≤ 300, 严重 above.',
        fieldConfig: {
          defaults: {
            min: 0,
            thresholds: { mode: 'absolute', steps: AIR_BANDS.aqi?.map(s => ({ color: s.color, value: s.value })) },
            color: { mode: 'thresholds' },
            custom: { drawStyle: 'bars', fillOpacity: 80, lineWidth: 1, spanNulls: false, thresholdsStyle: { mode: 'area' } }
          },
          overrides: []
        },
        targets: [influx('A', `SELECT max("aqi") AS "aqi" FROM "aqi" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(none)`, ['aqi'], 'time_series', '$tag_device')]
      },
      {
        title: 'Stations now (latest hour: AQI, category, primary pollutant)', type: 'table', w: 8, h: 8, fieldConfig: AQI_CELLS,
        description: 'Level 1 优, 2 良, 3 轻度污染, 4 中度污染, 5 重度污染, 6 严重污染. No primary pollutant when AQI ≤ 50. complete 0: a pollutant had no 1-hour mean.',
        targets: [influx('A', `SELECT last("aqi") AS "aqi", last("level") AS "level", last("primary") AS "primary", last("complete") AS "complete" FROM "aqi" WHERE ${SITE_DEVICE} GROUP BY "site", "device"`, ['site', 'device', 'aqi', 'level', 'primary', 'complete'], 'table')]
      },
      {
        title: 'Primary pollutant by hour (AQI above 50) with the IAQI of each pollutant', type: 'table', w: 24, h: 8, fieldConfig: AQI_CELLS,
        description: 'Hours whose AQI is above 50, newest first: the primary pollutants (items whose IAQI equals the AQI; PM25_1h = 1-hour mean on the 24-hour column) and the IAQI of SO2, NO2, CO, O3, PM10 and PM2.5.',
        targets: [influx('A', `SELECT "aqi", "level", "primary", "iaqi_pm25", "iaqi_pm10", "iaqi_o3", "iaqi_no2", "iaqi_so2", "iaqi_co", "edition" FROM "aqi" WHERE ${SITE_DEVICE} AND "aqi" > 50 GROUP BY "device" ORDER BY time DESC LIMIT 500`, ['device', 'aqi', 'level', 'primary', 'iaqi_pm25', 'iaqi_pm10', 'iaqi_o3', 'iaqi_no2', 'iaqi_so2', 'iaqi_co'], 'table')]
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
