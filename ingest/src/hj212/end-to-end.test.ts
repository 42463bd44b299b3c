// Two simulated stations (device-sim) → HJ 212 TCP server → ingest log → ingest pipeline → a real
// influxd. The water station goes offline for five minute records, reconnects; the platform sees
// the gap, asks for it (2051 BeginTime/EndTime) and the records land: no gap, no duplicate.
import t from 'tap'
import { readHj212Cp } from '@shennong/core/codecs/hj212.ts'
import { createStation } from '../../../device-sim/src/hj212/station.ts'
import { eventually, startIngestFixture } from '../testing/ingest-fixture.ts'
import { loadHj212Config } from './config.ts'
import { createHj212Server } from './server.ts'
import { AIR_MN, TEST_STATIONS, WATER_MN } from './raw-station.ts'

const STEP = 10 * 60_000
const RECORDS = 18

t.test('two stations, an outage and a backfill: every minute record exactly once in InfluxDB', async t => {
  const fx = await startIngestFixture(t)
  const server = createHj212Server(loadHj212Config({ port: 0, stations: TEST_STATIONS, backfill: { replyTimeout: '2s', retries: 2 } }), { log: fx.ingest.log, dataDir: fx.dataDir })
  const { port } = await server.listen()
  t.teardown(() => server.close())
  const air = createStation({ port, mn: AIR_MN, password: '123456', kind: 'air', seed: 7, ackTimeoutMs: 1000 })
  const water = createStation({ port, mn: WATER_MN, password: '654321', kind: 'water', seed: 8, ackTimeoutMs: 500, faults: { randomChunks: true, badCrc: 0.3 } })
  t.teardown(() => { air.close(); water.close() })
  await air.connect()
  await water.connect()
  const start = Math.floor((Date.now() - 4 * 3_600_000) / STEP) * STEP
  for (let i = 0; i < RECORDS; i++) {
    const ts = start + i * STEP
    if (i === 5) water.disconnect()
    if (i === 10) await water.connect()
    const acked = await Promise.all([air.record('2051', ts), water.record('2051', ts), air.record('2011', ts + 30_000)])
    t.equal(acked[0], true, `air record ${i} answered`)
    t.equal(acked[1], i < 5 || i >= 10, `water record ${i} ${i < 5 || i >= 10 ? 'answered' : 'kept in history (offline)'}`)
  }
  // a re-sent record (the station did not see our answer) must not duplicate
  t.equal(await water.record('2051', start + 2 * STEP), true)
  await eventually(() => server.store.gaps(WATER_MN).some(g => g.state === 'filled'), 20_000, 'the gap filled')
  await water.idle()
  const gaps = server.store.gaps(WATER_MN)
  t.same(gaps.map(g => [g.cn, g.begin, g.end, g.state]), [['2051', start + 5 * STEP, start + 9 * STEP, 'filled']], 'one gap, the outage, filled')
  t.equal(water.stats.backfillRequests, 1)
  t.equal(water.stats.backfillRecordsSent, 5)
  t.ok(water.stats.badCrcSent > 0, `bad CRC frames were sent (${water.stats.badCrcSent}) and re-sent after the ack timeout`)

  const expectedTimes = Array.from({ length: RECORDS }, (_, i) => start + i * STEP)
  const rowsOf = (kind: string, device: string, metric: string) => fx.rows(`SELECT "${metric}", seq FROM "${kind}" WHERE device = '${device}' ORDER BY time`)
  const water1 = await eventually(async () => {
    const rows = await rowsOf('water', 'wqs-01-minute', 'do_mg_l')
    return rows.length === RECORDS ? rows : undefined
  }, 20_000, 'all water minute points') ?? []
  t.same(water1.map(r => r.time), expectedTimes, 'no gap in the water minute series')
  t.equal(new Set(water1.map(r => r.seq)).size, RECORDS, 'no duplicate (device, seq)')
  // the stored values are the station's own (backfilled ones included)
  const cpAvg = (ts: number): number => Number(readHj212Cp(water.recordCp('2051', ts)).factors.find(f => f.code === 'w01009')!.values.Avg)
  t.same(water1.map(r => r.do_mg_l), expectedTimes.map(cpAvg))
  for (const device of ['wqs-01-minute-min', 'wqs-01-minute-max']) {
    const rows = await eventually(async () => { const r = await rowsOf('water', device, 'ph'); return r.length === RECORDS ? r : undefined }, 10_000, device) ?? []
    t.equal(rows.length, RECORDS, `${device}: ${RECORDS} points`)
  }
  const air1 = await eventually(async () => {
    const rows = await rowsOf('air', 'aqs-01-minute', 'pm25_ug_m3')
    return rows.length === RECORDS ? rows : undefined
  }, 20_000, 'all air minute points') ?? []
  t.same(air1.map(r => r.time), expectedTimes)
  const rtd = await eventually(async () => { const r = await rowsOf('air', 'aqs-01', 'pressure_hpa'); return r.length === RECORDS ? r : undefined }, 10_000, 'air real-time points') ?? []
  t.ok(rtd.every(r => (r.pressure_hpa as number) > 900 && (r.pressure_hpa as number) < 1100), 'kPa converted to hPa')
  t.same(fx.ingest.quarantine.list().map(e => e.reasons), [], 'nothing quarantined')
})
