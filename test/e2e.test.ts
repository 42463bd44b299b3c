// End to end through real processes: the simulator → broker → ingest log → ingest → a real
// influxd. Every reading acknowledged to the simulator is stored exactly once (same (device, seq)
// set per kind), and every reading built to fail validation is in the quarantine, not in storage.
import t from 'tap'
import { startInfluxd } from './harness/influxd.ts'
import { startTestStack } from './harness/stack.ts'
import { storedSeqs, compareSets } from './harness/load.ts'
import { runSim } from '../device-sim/src/main.ts'
import { expandRanges } from '../device-sim/src/report.ts'
import { KINDS } from '../core/src/catalog.ts'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

t.test('simulated fleet → broker → log → ingest → influxd stores every acknowledged reading exactly once', async t => {
  const influx = await startInfluxd({ t })
  const stack = await startTestStack({ influxUrl: influx.url })
  t.teardown(() => stack.stop())
  const report = await runSim({
    mqttUrl: stack.mqttUrl,
    credentials: [{ ...stack.gateway, kinds: [...KINDS] }],
    devices: 'soil=4,water=2,air=2,weather=1,vessel=2,cold_chain=1',
    interval: '1m',
    perMessage: 5,
    duration: '2h',
    speed: 'max',
    seed: 7,
    faults: 'malformed=3,wrong_type=3,unknown_metric=3,out_of_range=2,future_ts=2,zoneless_ts=2,duplicate=4'
  })
  t.equal(report.messages.notAcknowledged, 0, 'every message was acknowledged')
  t.ok(report.readings.acknowledged >= 12 * 120, `${report.readings.acknowledged} readings acknowledged`)

  const expected = new Map<string, Map<string, Set<number>>>()
  for (const [device, d] of Object.entries(report.devices)) {
    const byDevice = expected.get(d.kind) ?? new Map<string, Set<number>>()
    byDevice.set(device, new Set(expandRanges(d.acknowledgedSeq)))
    expected.set(d.kind, byDevice)
  }
  const total = report.readings.acknowledged
  const deadline = Date.now() + 60_000
  let stored = 0
  while (Date.now() < deadline) {
    stored = 0
    for (const kind of expected.keys()) stored += (await storedSeqs(influx.url, kind)).points
    if (stored >= total) break
    await sleep(300)
  }
  t.equal(stored, total, 'as many points as acknowledged readings')
  for (const [kind, acked] of expected) {
    const diff = compareSets(acked, (await storedSeqs(influx.url, kind)).byDevice)
    t.same(diff, { missing: [], extra: [], duplicated: [] }, `${kind}: stored (device, seq) = acknowledged`)
  }

  // Faults that cannot pass validation are quarantined, one entry per faulty reading.
  const invalid = (['malformed', 'wrong_type', 'unknown_metric', 'future_ts', 'zoneless_ts'] as const)
    .reduce((sum, k) => sum + (report.faults[k]?.acknowledged ?? 0), 0)
  t.equal(invalid, 13, 'the simulator injected the invalid readings')
  let entries: Array<{ transport: string, reasons: Array<{ message: string }> }> = []
  while (Date.now() < deadline + 30_000) {
    const res = await fetch(`${stack.apiUrl}/v1/quarantine?limit=500`, { headers: { authorization: `Bearer ${stack.adminToken}` } })
    entries = (await res.json() as { entries: typeof entries }).entries
    if (entries.length >= invalid) break
    await sleep(300)
  }
  t.equal(entries.length, invalid, 'every invalid reading is in the quarantine, nothing else')
  const reasons = entries.flatMap(e => e.reasons.map(r => r.message)).join('\n')
  t.match(reasons, /not valid JSON/)
  t.match(reasons, /unknown metric/)
  t.match(reasons, /must be a finite number/)
  t.match(reasons, /in the future/)
  t.match(reasons, /has no time zone/)
})
