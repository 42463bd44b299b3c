// Fleet: latest vessel positions and closed zones on a Geomap, tracks, closed-zone and signal-loss alerts.
import { buildDashboard, influx, ruleVariable, SITE_DEVICE, type Json } from '../grafana.ts'

function geomap (layers: Json[]): Json {
  return {
    view: { id: 'coords', lat: 29.94, lon: 122.9, zoom: 8 },
    controls: { showZoom: true, mouseWheelZoom: true },
    basemap: { type: 'default', name: 'Basemap' },
    layers
  }
}

/** The polygons of the geofence rules whose ids match $geofence_rule (no time filter: the points are timeless). */
export const ZONE_QUERY = 'SELECT "lat" AS "latitude", "lon" AS "longitude", "vertex", "name" FROM "zone" WHERE "rule" =~ /$geofence_rule/ GROUP BY "rule", "zone", "kind"'

export function fleetDashboard () {
  return buildDashboard({
    uid: 'shennong-fleet',
    title: 'Shennong · Fleet',
    file: 'fleet.json',
    tags: ['fleet', 'vessel'],
    description: 'Fishing vessels: latest positions, tracks, closed-zone entries and signal loss.',
    measurement: 'vessel',
    from: 'now-24h',
    extraVariables: [
      ruleVariable('geofence_rule', 'geofence', 'geofence|closed|reserve|moratorium'),
      ruleVariable('signal_loss_rule', 'signal-loss', 'signal-loss|silent')
    ],
    panels: [
      {
        title: 'Latest positions and closed zones', type: 'geomap', w: 12, h: 12,
        description: 'Vessels (latest position) and the closed zones and moratorium sea areas of the geofence rules in force (measurement zone, written by the rule engine at start and reload).',
        options: geomap([
          { type: 'route', name: 'Closed zones', filterData: { id: 'byRefId', options: 'B' }, location: { mode: 'coords', latitude: 'latitude', longitude: 'longitude' }, tooltip: true, config: { arrow: 0, style: { size: { fixed: 2 }, color: { fixed: 'red' }, opacity: 0.8 } } },
          { type: 'markers', name: 'Vessels', filterData: { id: 'byRefId', options: 'A' }, location: { mode: 'coords', latitude: 'latitude', longitude: 'longitude' }, tooltip: true, config: { showLegend: false, style: { size: { fixed: 6 }, color: { fixed: 'dark-blue' }, text: { field: 'device', mode: 'field' } } } }
        ]),
        targets: [
          influx('A', `SELECT last("lat_deg") AS "latitude", last("lon_deg") AS "longitude", last("sog_kn") AS "sog_kn" FROM "raw"."vessel" WHERE ${SITE_DEVICE} GROUP BY "device"`, ['device', 'latitude', 'longitude', 'sog_kn'], 'table'),
          // One series per polygon, its vertices in order (time = vertex number), the first repeated last.
          influx('B', ZONE_QUERY, ['rule', 'zone', 'kind', 'vertex', 'latitude', 'longitude', 'name'], 'table')
        ]
      },
      {
        title: 'Tracks', type: 'geomap', w: 12, h: 12,
        description: 'Mean position per interval ($rp; rollups give smoothed tracks).',
        options: geomap([{ type: 'route', name: 'Tracks', location: { mode: 'coords', latitude: 'latitude', longitude: 'longitude' }, config: { arrow: 1, style: { size: { fixed: 2 }, color: { fixed: 'blue' } } } }]),
        targets: [influx('A', `SELECT mean("lat_deg") AS "latitude", mean("lon_deg") AS "longitude" FROM "$rp"."vessel" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(none)`, ['latitude', 'longitude', 'device'], 'table')]
      },
      {
        title: 'Speed over ground (kn)', type: 'timeseries', w: 24, h: 7, unit: 'velocityknot',
        targets: [influx('A', `SELECT mean("sog_kn") AS "sog_kn" FROM "$rp"."vessel" WHERE ${SITE_DEVICE} GROUP BY time($__interval), "device" fill(null)`, ['sog_kn'], 'time_series', '$tag_device')]
      },
      {
        title: 'Closed zones: entries (geofence rule)', type: 'table', w: 12, h: 8,
        description: 'Alerts of the geofence rules (the zone is named in the message); the zones are drawn on the map.',
        targets: [influx('A', 'SELECT "message", "state", "event" FROM "alert" WHERE "site" =~ /^$site$/ AND "device" =~ /^$device$/ AND "rule" =~ /$geofence_rule/ AND $timeFilter GROUP BY "device", "severity"', ['message', 'state', 'device'], 'table')]
      },
      {
        title: 'Vessels with signal loss', type: 'table', w: 12, h: 8,
        targets: [influx('A', 'SELECT last("state") AS "state", last("message") AS "message" FROM "alert" WHERE "site" =~ /^$site$/ AND "device" =~ /^$device$/ AND "rule" =~ /$signal_loss_rule/ AND $timeFilter GROUP BY "device"', ['device', 'state', 'message'], 'table')]
      }
    ]
  })
}
