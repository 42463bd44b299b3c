// InfluxDB output: measurement `alert` (ARCHITECTURE §7, for Grafana annotations), tags site,
// device, rule, severity (bounded identity), fields value, message, state, seq, event; and the
// rules' index observations as their own measurements (`aqi`, `water_class`: tags site, device,
// the kind's fields, time the kind chose, so a re-evaluation overwrites its point). It never holds
// up alerting: alert and index points wait in one bounded buffer (drop-oldest, counted) while the
// writer retries; a write that fails for good (points rejected) is counted as dropped.
import type { Logger } from '@shennong/core/logger.ts'
import type { InfluxWriter, Point } from '../../influx/writer.ts'
import { createPointBuffer } from '../../influx/point-buffer.ts'
import type { AlertEvent } from '../alert.ts'
import type { AlertMetrics } from '../alert-metrics.ts'
import type { AlertSink, IndexRecord, ZoneVertexRecord } from './alert-sink.ts'

export interface InfluxSinkConfig {
  /** Points kept while InfluxDB is down; beyond it the oldest are dropped and counted. Default 10000. */
  maxPending?: number
  /** Points per write. Default 500. */
  batchPoints?: number
}

export const ALERT_MEASUREMENT = 'alert'

export function toAlertPoint (event: AlertEvent): Point {
  const a = event.alert
  const fields: Point['fields'] = { message: a.message, state: a.state, event: event.type, id: { int: a.id } }
  if (a.value !== null) fields.value = a.value
  if (a.seq !== null) fields.seq = { int: a.seq }
  return { measurement: ALERT_MEASUREMENT, tags: { site: a.site, device: a.device, rule: a.rule, severity: a.severity }, fields, ts: event.at }
}

/** An index observation as a point: measurement = the index, tags site and device, its values as fields. */
export function toIndexPoint (record: IndexRecord): Point {
  const o = record.observation
  return { measurement: o.index, tags: { site: record.site, device: record.device }, fields: { ...o.values }, ts: o.ts }
}

export const ZONE_MEASUREMENT = 'zone'

/**
 * A polygon vertex as a point: measurement `zone`, tags rule, zone, kind; fields lat, lon, vertex,
 * name; time = the vertex number in ms after the epoch, so a reload overwrites the same points.
 */
export function toZonePoint (record: ZoneVertexRecord): Point {
  return {
    measurement: ZONE_MEASUREMENT,
    tags: { rule: record.rule, zone: record.zone, kind: record.kind },
    fields: { lat: record.lat, lon: record.lon, vertex: { int: record.vertex }, name: record.name },
    ts: record.vertex
  }
}

export function createInfluxSink (config: InfluxSinkConfig, deps: { writer: InfluxWriter, metrics?: AlertMetrics, logger?: Logger }): AlertSink {
  const maxPending = config.maxPending ?? 10_000
  const batchPoints = config.batchPoints ?? 500
  const labels = { sink: 'influx' }
  deps.writer.onRetry(() => { deps.metrics?.retries.inc(labels) })
  const buffer = createPointBuffer({ maxPending, batchPoints }, {
    writer: deps.writer,
    onWritten: count => { deps.metrics?.delivered.inc(labels, count) },
    onDropped: (why, count, detail) => {
      deps.metrics?.dropped.inc(labels, count)
      if (why === 'rejected') deps.logger?.warn('alert InfluxDB sink: points rejected', { reason: detail.reason, count })
      if (why === 'failed') deps.logger?.warn('alert InfluxDB sink: write failed; points dropped', { err: detail.err, count })
    }
  })
  return {
    name: 'influx',
    deliver (event) {
      buffer.push(toAlertPoint(event))
    },
    observe (record) {
      if (Object.keys(record.observation.values).length === 0) return
      buffer.push(toIndexPoint(record))
    },
    geometry (records) {
      for (const r of records) buffer.push(toZonePoint(r))
    },
    pending: buffer.pending,
    async close () {
      await buffer.close()
    }
  }
}
