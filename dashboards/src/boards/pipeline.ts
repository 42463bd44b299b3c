// Pipeline health: readings in and stored, quarantine, ingest log, write latency (Prometheus,
// from ingest's and the broker's /metrics), and readings stored per site (InfluxDB).
import { buildDashboard, influx } from '../grafana.ts'

const R = '$__rate_interval'

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
      }
    ]
  })
}
