// Alerts: open and recent alerts by severity and site, from the `alert` measurement.
import { buildDashboard, influx } from '../grafana.ts'

const SEVERITY_COLOURS = { blue: 'blue', yellow: 'yellow', orange: 'orange', red: 'red' }

const WHERE = '"site" =~ /^$site$/ AND "device" =~ /^$device$/ AND $timeFilter'

export function alertsDashboard () {
  return buildDashboard({
    uid: 'shennong-alerts',
    title: 'Shennong · Alerts',
    file: 'alerts.json',
    tags: ['alerts'],
    description: 'Alert events (opened, escalated, resolved …) by severity and site; the last state of each alert.',
    measurement: 'alert',
    from: 'now-7d',
    panels: [
      {
        title: 'Alert events by severity', type: 'timeseries', w: 16, h: 8,
        fieldConfig: {
          defaults: { custom: { drawStyle: 'bars', fillOpacity: 70, stacking: { mode: 'normal' } } },
          overrides: Object.entries(SEVERITY_COLOURS).map(([s, c]) => ({ matcher: { id: 'byName', options: s }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: c } }] }))
        },
        targets: [influx('A', `SELECT count("message") AS "events" FROM "alert" WHERE ${WHERE} GROUP BY time($__interval), "severity" fill(0)`, ['events'], 'time_series', '$tag_severity')]
      },
      {
        title: 'Events by site', type: 'bargauge', w: 8, h: 8,
        options: { orientation: 'horizontal', displayMode: 'gradient', reduceOptions: { calcs: ['sum'], fields: '', values: false } },
        targets: [influx('A', `SELECT count("message") AS "events" FROM "alert" WHERE ${WHERE} GROUP BY "site"`, ['events'], 'time_series', '$tag_site')]
      },
      {
        title: 'Alerts not resolved (last state per rule, device and severity)', type: 'table', w: 24, h: 8,
        transformations: [{ id: 'filterByValue', options: { type: 'exclude', match: 'any', filters: [{ fieldName: 'state', config: { id: 'equal', options: { value: 'resolved' } } }] } }],
        targets: [influx('A', `SELECT last("state") AS "state", last("message") AS "message", last("value") AS "value" FROM "alert" WHERE ${WHERE} GROUP BY "site", "device", "rule", "severity"`, ['site', 'device', 'rule', 'severity', 'state', 'message'], 'table')]
      },
      {
        title: 'Recent alert events', type: 'table', w: 24, h: 10,
        targets: [influx('A', `SELECT "event", "state", "message", "value" FROM "alert" WHERE ${WHERE} GROUP BY "site", "device", "rule", "severity" ORDER BY time DESC LIMIT 50`, ['site', 'device', 'rule', 'severity', 'event', 'state', 'message'], 'table')]
      }
    ]
  })
}
