import t from 'tap'
import { formatPoint } from '../influx/line-protocol.ts'
import { toGatewayStatusPoint } from './status-point.ts'

const topic = { site: 'pond-7', id: 'gw-pond-7' }
const NOW = Date.UTC(2025, 10, 22, 8, 0, 0)
const buf = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))

// docs/edge.md "Status (retained) and last will", with a second source and device.
const STATUS = {
  state: 'online',
  ts: NOW - 2000,
  spool: { depth: 42, bytes: 8192, oldestUnsentAgeMs: 1500, dropped: { overflow: 3, expired: 1 } },
  readings: { taken: 5120, lostSpoolFull: 0, droppedOverflow: 3, droppedExpired: 1 },
  uplink: { connected: true, connects: 3, disconnects: 2, batches: 410, readings: 5120, inflight: 1, lastConnectError: null },
  clock: { state: 'synchronised', lastJumpMs: null, lastJumpAt: null },
  sources: {
    'field-bus': { kind: 'modbus', devices: { 'soil-0012': { polls: 90, readings: 88, failures: 2, consecutiveFailures: 0, lastOkAt: NOW, errors: { timeout: 3, crc: 1 } } } },
    gnss: { kind: 'nmea0183', devices: { 'gps-1': { polls: 10, readings: 9, failures: 1, consecutiveFailures: 4, errors: { timeout: 2, frame: 5 } } } }
  }
}

t.test('maps the edge status payload onto gateway_status fields', async t => {
  const r = toGatewayStatusPoint(topic, buf(STATUS), NOW)
  if (!r.ok) { t.fail(r.reason); return }
  t.same(r.point.tags, { site: 'pond-7', gateway: 'gw-pond-7' })
  t.equal(r.point.ts, NOW - 2000, 'the payload\'s ts')
  t.same(r.point.fields, {
    online: { int: 1 },
    spool_depth: { int: 42 },
    spool_bytes: { int: 8192 },
    oldest_unsent_age_s: 1.5,
    spool_dropped: { int: 4 },
    readings_taken: { int: 5120 },
    readings_lost_spool_full: { int: 0 },
    readings_dropped_overflow: { int: 3 },
    readings_dropped_expired: { int: 1 },
    uplink_connected: { int: 1 },
    uplink_connects: { int: 3 },
    uplink_disconnects: { int: 2 },
    uplink_batches: { int: 410 },
    uplink_inflight: { int: 1 },
    clock_ok: { int: 1 },
    clock_state: 'synchronised',
    source_devices: { int: 2 },
    source_devices_failing: { int: 1 },
    source_polls: { int: 100 },
    source_failures: { int: 3 },
    source_errors: { int: 11 },
    errors_crc: { int: 1 },
    errors_frame: { int: 5 },
    errors_timeout: { int: 5 }
  })
  t.match(formatPoint(r.point), /^gateway_status,gateway=gw-pond-7,site=pond-7 online=1i,spool_depth=42i,/)
})

t.test('the last will (no ts) is an offline point at the time of receipt', async t => {
  const r = toGatewayStatusPoint(topic, buf({ state: 'offline', reason: 'connection lost' }), NOW)
  t.same(r.ok && r.point, { measurement: 'gateway_status', tags: { site: 'pond-7', gateway: 'gw-pond-7' }, fields: { online: { int: 0 }, reason: 'connection lost' }, ts: NOW })
})

t.test('partial and odd payloads keep what is usable', async t => {
  const r = toGatewayStatusPoint(topic, buf({ state: 'booting', ts: 'yesterday', spool: { depth: '12', oldestUnsentAgeMs: 2500 }, clock: { state: 'unsynchronised' }, extra: { x: 1 } }), NOW)
  t.same(r.ok && r.point.fields, { oldest_unsent_age_s: 2.5, clock_ok: { int: 0 }, clock_state: 'unsynchronised' }, 'wrong types left out, unknown state has no online field')
  t.equal(r.ok && r.point.ts, NOW, 'an unparsable ts: time of receipt')
  const future = toGatewayStatusPoint(topic, buf({ state: 'online', ts: NOW + 3_600_000 }), NOW)
  t.equal(future.ok && future.point.ts, NOW, 'a ts an hour ahead is not believed')
  const rfc = toGatewayStatusPoint(topic, buf({ state: 'online', ts: '2025-11-22T15:59:00+08:00' }), NOW)
  t.equal(rfc.ok && rfc.point.ts, NOW - 60_000, 'RFC 3339 ts')
  const many = toGatewayStatusPoint(topic, buf({ sources: { s: { devices: { d: { errors: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 1]).concat([['Bad Kind', 2]])) } } } } }), NOW)
  const fields = many.ok ? Object.keys(many.point.fields).filter(k => k.startsWith('errors_')) : []
  t.equal(fields.length, 17, 'at most 16 error kinds, the rest summed into errors_other')
  t.same(many.ok && many.point.fields.errors_other, { int: 6 })
})

t.test('malformed status payloads are reported, an empty (cleared) one is ignored', async t => {
  for (const payload of ['not json', '[1,2]', '"online"', '{}', '{"foo":1}']) {
    const r = toGatewayStatusPoint(topic, buf(payload), NOW)
    t.equal(!r.ok && r.outcome, 'malformed', payload)
  }
  const empty = toGatewayStatusPoint(topic, Buffer.alloc(0), NOW)
  t.equal(!empty.ok && empty.outcome, 'ignored')
})
