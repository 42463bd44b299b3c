// Pipeline health: readings in and stored, quarantine, ingest log, write latency (Prometheus,
// from ingest's and the broker's /metrics), readings stored per site, and the gateways' own view
// (link state, spool depth, oldest unsent reading: measurement gateway_status, written by ingest's
// fleet-status subscriber from the retained MQTT status) from InfluxDB.
import { buildDashboard, influx, type Json } from '../grafana.ts'

const R = '$__rate_interval'
const GATEWAYS = '"site" =~ /^$site$/ AND $timeFilter'

/** 1 = online, 0 = offline (the last will or a clean stop). */
const LINK_STATE: Json = {
  defaults: {
    custom: { fillOpacity: 80, lineWidth: 0 },
    color: { mode: 'thresholds' },
    thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] },
    mappings: [{ type: 'value', options: { 0: { text: 'offline', color: 'red', index: 0 }, 1: { text: 'online', color: 'green', index: 1 } } }]
  },
  overrides: []
}

export function pipelineDashboard () {
  return buildDashboard({
    uid: 'shennong-pipeline',
    title: 'Shennong · Pipeline health',
    file: 'pipeline.json',
    tags: ['operations'],
    description: 'Ingest and broker health from Prometheus (datasource shennong-prometheus) and stored readings from InfluxDB.',
    measurement: '',
    from: 'now-6h',
    panels: [
      {
        title: 'Readings in and stored per second', type: 'timeseries', w: 12, h: 8, unit: 'reqps',
        prom: [
          { refId: 'A', expr: `sum(rate(shennong_ingest_readings_in_total[${R}]))`, legend: 'in' },
          { refId: 'B', expr: `sum(rate(shennong_ingest_readings_stored_total[${R}]))`, legend: 'stored' }
        ]
      },
      {
        title: 'Quarantined per second by reason', type: 'timeseries', w: 12, h: 8,
        prom: [{ refId: 'A', expr: `sum by (reason) (rate(shennong_ingest_quarantined_total[${R}]))`, legend: '{{reason}}' }]
      },
      {
        title: 'Ingest log depth', type: 'timeseries', w: 8, h: 8,
        prom: [
          { refId: 'A', expr: 'shennong_ingest_log_depth', legend: 'ingest: {{consumer}}' },
          { refId: 'B', expr: 'shennong_broker_log_depth', legend: 'broker' }
        ]
      },
      {
        title: 'Oldest unreleased log entry (age)', type: 'timeseries', w: 8, h: 8, unit: 's',
        thresholds: [{ value: null, color: 'green' }, { value: 60, color: 'yellow' }, { value: 600, color: 'red' }],
        prom: [{ refId: 'A', expr: 'shennong_ingest_log_oldest_age_seconds', legend: '{{consumer}}' }]
      },
      {
        title: 'InfluxDB write latency (p50, p99)', type: 'timeseries', w: 8, h: 8, unit: 's',
        prom: [
          { refId: 'A', expr: `histogram_quantile(0.5, sum by (le) (rate(shennong_ingest_influx_write_duration_seconds_bucket[${R}])))`, legend: 'p50' },
          { refId: 'B', expr: `histogram_quantile(0.99, sum by (le) (rate(shennong_ingest_influx_write_duration_seconds_bucket[${R}])))`, legend: 'p99' }
        ]
      },
      {
        title: 'InfluxDB write retries and errors per second', type: 'timeseries', w: 12, h: 8,
        prom: [
          { refId: 'A', expr: `sum(rate(shennong_ingest_influx_retries_total[${R}]))`, legend: 'retries' },
          { refId: 'B', expr: `sum by (code) (rate(shennong_ingest_influx_errors_total[${R}]))`, legend: '{{code}}' }
        ]
      },
      {
        title: 'Broker: connections and refusals', type: 'timeseries', w: 12, h: 8,
        prom: [
          { refId: 'A', expr: 'shennong_broker_connections', legend: 'connections' },
          { refId: 'B', expr: `sum by (reason) (rate(shennong_broker_refused_total[${R}]))`, legend: 'refused {{reason}}' }
        ]
      },
      {
        title: 'Readings stored per interval, by site (InfluxDB)', type: 'timeseries', w: 24, h: 8,
        targets: [influx('A', 'SELECT count("seq") AS "readings" FROM "raw"./^(soil|water|air|weather|vessel|cold_chain)$/ WHERE "site" =~ /^$site$/ AND "device" =~ /^$device$/ AND $timeFilter GROUP BY time($__interval), "site" fill(0)', ['readings'], 'time_series', '$tag_site')]
      },
      {
        title: 'Gateway link state', type: 'state-timeline', w: 24, h: 7,
        description: 'From each gateway\'s retained MQTT status: online, or offline (its last will when the link dropped, or a clean stop). Held until the next status message.',
        options: { showValue: 'never', mergeValues: true, alignValue: 'left', rowHeight: 0.8 },
        fieldConfig: LINK_STATE,
        targets: [influx('A', `SELECT last("online") AS "online" FROM "gateway_status" WHERE ${GATEWAYS} GROUP BY time($__interval), "site", "gateway" fill(previous)`, ['online'], 'time_series', '$tag_site/$tag_gateway')]
      },
      {
        title: 'Gateway spool depth (readings not yet sent)', type: 'timeseries', w: 12, h: 8,
        description: 'Readings held in the gateway\'s durable spool, waiting for the broker\'s PUBACK. Grows while the uplink is down and drains after it comes back.',
        thresholds: [{ value: null, color: 'green' }, { value: 1000, color: 'yellow' }, { value: 100_000, color: 'red' }],
        targets: [influx('A', `SELECT max("spool_depth") AS "spool_depth" FROM "gateway_status" WHERE ${GATEWAYS} GROUP BY time($__interval), "site", "gateway" fill(previous)`, ['spool_depth'], 'time_series', '$tag_site/$tag_gateway')]
      },
      {
        title: 'Oldest unsent reading on the gateway (age)', type: 'timeseries', w: 12, h: 8, unit: 's',
        thresholds: [{ value: null, color: 'green' }, { value: 300, color: 'yellow' }, { value: 3600, color: 'red' }],
        targets: [influx('A', `SELECT max("oldest_unsent_age_s") AS "oldest_unsent_age_s" FROM "gateway_status" WHERE ${GATEWAYS} GROUP BY time($__interval), "site", "gateway" fill(previous)`, ['oldest_unsent_age_s'], 'time_series', '$tag_site/$tag_gateway')]
      },
      {
        title: 'Gateways now', type: 'table', w: 24, h: 8,
        description: 'Last reported value of each field per gateway in the time range: online (1/0), spool depth, oldest unsent reading (s), clock synchronised (1/0), source errors and devices failing now (summed over its sources).',
        targets: [influx('A', `SELECT last("online") AS "online", last("spool_depth") AS "spool_depth", last("oldest_unsent_age_s") AS "oldest_unsent_age_s", last("clock_ok") AS "clock_ok", last("source_errors") AS "source_errors", last("source_devices_failing") AS "source_devices_failing" FROM "gateway_status" WHERE ${GATEWAYS} GROUP BY "site", "gateway"`, ['site', 'gateway', 'online', 'spool_depth', 'oldest_unsent_age_s', 'clock_ok', 'source_errors', 'source_devices_failing'], 'table')]
      }
    ]
  })
}
