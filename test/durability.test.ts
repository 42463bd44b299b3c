// ARCHITECTURE §6.6: kill -9 the broker, ingest or influxd at random moments under load; afterwards
// the set of (device, seq) in InfluxDB equals the set acknowledged to the sender, with no duplicates.
import t from 'tap'
import { startInfluxd } from './harness/influxd.ts'
import { startTestStack } from './harness/stack.ts'
import { startLoad, storedSeqs, compareSets } from './harness/load.ts'

const rounds = Number(process.env.SHENNONG_DURABILITY_ROUNDS ?? 2)
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function waitForStored (influxUrl: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let points = 0
  while (Date.now() < deadline) {
    try {
      points = (await storedSeqs(influxUrl, 'soil')).points
      if (points >= expected) return points
    } catch { /* influxd restarting */ }
    await sleep(500)
  }
  return points
}

for (let round = 1; round <= rounds; round++) {
  t.test(`round ${round}: kill -9 of broker, ingest and influxd under load loses and duplicates nothing`, async t => {
    const influx = await startInfluxd()
    t.teardown(() => influx.stop())
    const stack = await startTestStack({ influxUrl: influx.url, ingest: { influx: { timeout: '2s', retry: { initialDelay: '100ms', maxDelay: '1s' } } } })
    t.teardown(() => stack.stop())
    const load = startLoad({ mqttUrl: stack.mqttUrl, gateway: stack.gateway, devices: 20, perMessage: 10, messagesPerSecond: 150, inFlight: 100 })
    const victims = ['broker', 'ingest', 'influxd', 'broker', 'ingest', 'influxd'].sort(() => Math.random() - 0.5)
    const killed: string[] = []
    for (const victim of victims) {
      await sleep(800 + Math.random() * 1500)
      killed.push(victim)
      if (victim === 'influxd') {
        await influx.kill()
        await sleep(300 + Math.random() * 1200)
        await influx.restart()
      } else {
        stack.supervisor.children().get(victim)?.kill('SIGKILL')
      }
    }
    await sleep(1000)
    await load.stop(90_000)
    const acked = load.ackedCount()
    t.ok(acked > 1000, `${acked} readings acknowledged while ${killed.join(', ')} were killed`)
    const points = await waitForStored(influx.url, acked, 90_000)
    const stored = await storedSeqs(influx.url, 'soil')
    const diff = compareSets(load.acked, stored.byDevice)
    t.same(diff.missing.slice(0, 20), [], `no acknowledged reading is missing (${diff.missing.length} missing)`)
    t.same(diff.extra.slice(0, 20), [], `nothing stored that was not acknowledged (${diff.extra.length} extra)`)
    t.same(diff.duplicated.slice(0, 20), [], 'no duplicates')
    t.equal(points, acked, 'point count equals acknowledged count')
  })
}
