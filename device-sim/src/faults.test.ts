import t from 'tap'
import { decodeReadings } from '../../core/src/reading.ts'
import { createFaultPlan, parseFaults, UNKNOWN_METRIC } from './faults.ts'
import { runSim } from './main.ts'
import { createPrng } from './prng.ts'
import { expandRanges } from './report.ts'
import { collectTelemetry, startTestBroker } from './test-broker.ts'

t.test('parses rates (with a decimal point) and counts (whole numbers), and lists every mistake', async t => {
  t.same(parseFaults('malformed=0.01,duplicate=3,burst=1.0'), { malformed: { rate: 0.01 }, duplicate: { count: 3 }, burst: { rate: 1 } })
  t.throws(() => parseFaults('malformd=1,duplicate=-2,burst=1.5'), { code: 'ERR_SIM_OPTIONS', message: /malformd[\s\S]*duplicate[\s\S]*burst/ })
})

t.test('counts are spread evenly over the planned messages; rates are reproducible', async t => {
  const plan = createFaultPlan({ duplicate: { count: 4 } }, createPrng(1), 100)
  const hits = Array.from({ length: 100 }, (_, i) => plan.decide(i).length > 0 ? i : -1).filter(i => i >= 0)
  t.same(hits, [12, 37, 62, 87])
  const draw = (): number[] => { const p = createFaultPlan({ malformed: { rate: 0.1 } }, createPrng(9), undefined); return Array.from({ length: 500 }, (_, i) => p.decide(i).length) }
  t.same(draw(), draw())
  const n = draw().reduce((a, b) => a + b, 0)
  t.ok(n > 25 && n < 80, `about 10 % of 500 (${n})`)
})

t.test('injected faults appear in the payloads as requested and are reported apart from good readings', async t => {
  const b = await startTestBroker()
  const c = await collectTelemetry(b.url)
  t.teardown(async () => { await c.close(); await b.close() })
  const report = await runSim({
    mqttUrl: b.url,
    devices: 'soil=4,water=2',
    interval: '1m',
    duration: '4h',
    speed: 'max',
    seed: 5,
    faults: 'malformed=2,wrong_type=3,unknown_metric=2,out_of_range=2,future_ts=2,zoneless_ts=2,duplicate=3,burst=1',
    burstTicks: 5
  })
  const now = Date.now()
  const seen: Record<string, number> = { malformed: 0, wrong_type: 0, unknown_metric: 0, future_ts: 0, zoneless_ts: 0 }
  const stored = new Set<string>()
  const outOfRange: string[] = []
  for (const p of c.payloads) {
    const d = decodeReadings(p, { now })
    if (!d.ok) { seen.malformed++; continue }
    for (const item of d.items) {
      if (item.validation.ok) {
        const r = item.validation.reading
        stored.add(`${r.device}#${r.seq}`)
        if (Object.values(r.metrics).some(v => v > 1e4 || (r.kind === 'soil' && r.metrics.ph > 14) || (r.kind === 'water' && r.metrics.ph > 14))) outOfRange.push(`${r.device}#${r.seq}`)
        continue
      }
      const messages = item.validation.errors.map(e => e.message).join('; ')
      if (/must be a finite number, got the string/.test(messages)) seen.wrong_type++
      else if (messages.includes(`unknown metric "${UNKNOWN_METRIC}"`)) seen.unknown_metric++
      else if (/in the future/.test(messages)) seen.future_ts++
      else if (/has no time zone/.test(messages)) seen.zoneless_ts++
    }
  }
  t.same(seen, { malformed: 2, wrong_type: 3, unknown_metric: 2, future_ts: 2, zoneless_ts: 2 }, 'each fault reached the broker as many times as asked')
  for (const kind of ['malformed', 'wrong_type', 'unknown_metric', 'future_ts', 'zoneless_ts', 'out_of_range', 'duplicate'] as const) {
    t.equal(report.faults[kind]?.messages, kind === 'wrong_type' || kind === 'duplicate' ? 3 : 2, `report counts ${kind}`)
    t.equal(report.faults[kind]?.acknowledged, report.faults[kind]?.messages, `${kind} messages acknowledged by the broker`)
  }
  t.equal(report.messages.faulty, 11, 'faulty messages (expected in quarantine) counted apart')
  t.equal(report.readings.faulty, 11)
  t.ok((report.faults.burst?.messages ?? 0) >= 5, 'a burst released the messages a gateway held back')
  const dupes = c.payloads.length - new Set(c.payloads).size
  t.equal(dupes, 3, 'three messages re-sent as they were (same seq)')
  const acked = Object.entries(report.devices).flatMap(([dev, d]) => expandRanges(d.acknowledgedSeq).map(s => `${dev}#${s}`))
  t.same([...stored].sort(), acked.sort(), 'valid readings at the broker (out-of-range ones included) = the acknowledged set')
  const faulty = Object.entries(report.devices).flatMap(([dev, d]) => expandRanges(d.faultySeq).map(s => `${dev}#${s}`))
  t.equal(faulty.length, 11)
  t.ok(faulty.every(f => !stored.has(f)), 'no faulty seq among the valid readings')
  t.equal(outOfRange.length, 2, 'out-of-range values are valid JSON readings with absurd values')
  for (const dev of Object.keys(report.devices)) {
    const all = [...expandRanges(report.devices[dev].seq), ...expandRanges(report.devices[dev].faultySeq)].sort((a, b) => a - b)
    t.same(all, Array.from({ length: all.length }, (_, i) => i + 1), `${dev}: good and faulty seqs together have no gaps`)
  }
})
