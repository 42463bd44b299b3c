// Issue 3, storage-level: the edge agent (`shennong edge`, a real child process) polling simulated
// Modbus soil sensors on a socat pty bus, through the real broker and ingest (child processes of the
// stack) into a real influxd. What the gateway takes must reach InfluxDB exactly once per
// (device, seq), across an uplink outage and across kill -9 of the agent (ARCHITECTURE §6.1, §6.6).
// No timing assertions: every wait is bounded, outcomes are counted.
import t from 'tap'
import { startInfluxd } from './harness/influxd.ts'
import { startTestStack, type TestStack } from './harness/stack.ts'
import {
  checkContiguous, persistedSeqs, spawnEdge, spooledReadings, startSoilBus, storedPoints, waitForStoredSeqs, watchStatus, writeEdgeConfig,
  type EdgeProcess
} from './harness/edge.ts'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
type Teardown = { teardown: (fn: () => unknown) => void }

async function until (what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(100)
  }
}

async function startStack (t: Teardown): Promise<TestStack> {
  const influx = await startInfluxd({ t })
  const stack = await startTestStack({ influxUrl: influx.url, ingest: { influx: { timeout: '2s', retry: { initialDelay: '100ms', maxDelay: '1s' } } } })
  t.teardown(() => stack.stop())
  return stack
}

/** SIGKILL at teardown if a failed test left the agent running. */
function killAtTeardown (t: Teardown, agent: EdgeProcess): void {
  t.teardown(async () => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL')
    await agent.exited()
  })
}

t.test('uplink outage: the broker stalls, dies and comes back while the agent polls; every reading taken is stored exactly once', async t => {
  const stack = await startStack(t)
  const bus = await startSoilBus([{ address: 1, interval: '200ms' }, { address: 2, interval: '300ms' }, { address: 3, interval: '500ms' }])
  t.teardown(() => bus.close())
  const { dataDir, configFile } = writeEdgeConfig({ mqttUrl: stack.mqttUrl, gateway: stack.gateway, bus })
  const watch = await watchStatus(stack.mqttUrl, stack.adminToken, stack.gateway)
  t.teardown(() => watch.close())
  const agent = spawnEdge(configFile, stack.gateway.secret)
  killAtTeardown(t, agent)
  await agent.started
  const before = await watch.next('with readings delivered', s => (s.uplink?.readings ?? 0) > 0, 30_000)

  // The outage: SIGSTOP (the broker keeps the connection open and answers nothing, no PUBACKs),
  // then SIGKILL while stopped (connections reset; what sat unacknowledged in its buffers is gone);
  // the supervisor starts a new broker after its backoff. The agent polls on all the while.
  const broker = stack.supervisor.children().get('broker')
  t.ok(broker?.pid, 'the broker runs as a child process')
  const stalledAt = Date.now()
  broker?.kill('SIGSTOP')
  await sleep(3000)
  broker?.kill('SIGKILL')
  const killedAt = Date.now()
  await until('the supervisor to restart the broker', 30_000, () => {
    const next = stack.supervisor.children().get('broker')
    return next !== undefined && next !== broker
  })
  const after = await watch.next('after the reconnect', s => s.uplink?.connected === true && s.uplink.connects > (before.uplink?.connects ?? 0), 60_000)
  t.ok((after.uplink?.disconnects ?? 0) > (before.uplink?.disconnects ?? 0), `the agent saw the uplink drop (${after.uplink?.disconnects} disconnects, ${after.uplink?.connects} connects)`)
  t.ok((after.readings?.taken ?? 0) > (before.readings?.taken ?? 0), `polling went on through the outage (${before.readings?.taken} → ${after.readings?.taken} readings taken)`)

  // Poll a little longer against the new broker, then silence the sensors, let the spool drain and
  // stop the agent cleanly.
  await sleep(2000)
  bus.silence()
  const silencedAt = Date.now()
  const drained = await watch.next('with the spool drained after the sensors fell silent', s => s.ts > silencedAt + 1000 && s.spool?.depth === 0, 60_000)
  agent.child.kill('SIGTERM')
  t.same(await agent.exited(), { code: 0, signal: null }, 'a SIGTERM stops the agent cleanly')
  t.same(drained.readings, { taken: drained.readings?.taken, lostSpoolFull: 0, droppedOverflow: 0, droppedExpired: 0 }, 'the spool dropped nothing')

  const taken = new Map(Object.entries(drained.sources?.['field-bus']?.devices ?? {}).map(([device, d]) => [device, d.readings]))
  t.equal([...taken.values()].reduce((a, b) => a + b, 0), drained.readings?.taken, `per-device readings add up to the ${drained.readings?.taken} taken`)
  t.same(persistedSeqs(dataDir), taken, 'the persisted seq per device equals the readings taken')
  const stored = await waitForStoredSeqs(stack.influxUrl, 'soil', () => taken, 60_000)
  for (const { device } of bus.devices) {
    const n = taken.get(device) ?? 0
    const seqs = stored.get(device) ?? []
    t.ok(n > 10, `${device}: ${n} readings taken`)
    t.same(checkContiguous(seqs, n), { missing: [], duplicated: [], beyond: [] }, `${device}: seq 1…${n} each stored once`)
    t.equal(seqs.length, n, `${device}: ${n} points in InfluxDB`)
  }
  // Readings stamped while the broker was stopped could not have been acknowledged then: they
  // waited in the spool and were stored after the new broker came up.
  const points = await storedPoints(stack.influxUrl, 'soil')
  for (const { device } of bus.devices) {
    const during = (points.get(device) ?? []).filter(p => p.ts > stalledAt && p.ts < killedAt).length
    t.ok(during > 0, `${device}: ${during} readings taken while the broker was stopped are stored`)
  }
  t.comment(`uplink: ${drained.uplink?.readings} readings acknowledged for ${drained.readings?.taken} taken, ${drained.uplink?.batches} batches, ${drained.uplink?.connects} connects`)
})

t.test('crash: the agent is kill -9ed at random moments while polling and sending; nothing spooled is lost, nothing duplicated in storage', async t => {
  const stack = await startStack(t)
  const bus = await startSoilBus([{ address: 1, interval: '100ms' }, { address: 2, interval: '150ms' }, { address: 3, interval: '250ms' }])
  t.teardown(() => bus.close())
  // Batches wait up to 300 ms to fill: at most moments some readings are committed to the spool and
  // not yet acknowledged, so most kills leave work for the next run.
  const { dataDir, configFile } = writeEdgeConfig({ mqttUrl: stack.mqttUrl, gateway: stack.gateway, bus, uplink: { batch: { maxReadings: 8, maxDelay: '300ms' } } })
  const persistedTotal = (): number => [...persistedSeqs(dataDir).values()].reduce((a, b) => a + b, 0)

  const rounds = 6
  const progress: number[] = []
  const leftInSpool: number[] = []
  for (let i = 1; i <= rounds; i++) {
    const agent = spawnEdge(configFile, stack.gateway.secret)
    killAtTeardown(t, agent)
    await agent.started
    await sleep(500 + Math.random() * 1500)
    agent.child.kill('SIGKILL')
    t.equal((await agent.exited()).signal, 'SIGKILL', `round ${i}: kill -9`)
    progress.push(persistedTotal())
    leftInSpool.push(await spooledReadings(dataDir))
  }
  t.ok(progress.every((n, i) => i === 0 || n > progress[i - 1]), `every run took readings (persisted after each kill: ${progress.join(', ')})`)
  t.ok(leftInSpool.some(n => n > 0), `kills landed with readings spooled and unacknowledged (after each kill: ${leftInSpool.join(', ')})`)

  // The last run recovers seq and the spool, polls on; then the sensors fall silent, the spool
  // drains and a SIGTERM stops it cleanly.
  const watch = await watchStatus(stack.mqttUrl, stack.adminToken, stack.gateway)
  t.teardown(() => watch.close())
  const last = spawnEdge(configFile, stack.gateway.secret)
  killAtTeardown(t, last)
  await last.started
  await sleep(1500)
  bus.silence()
  const silencedAt = Date.now()
  const drained = await watch.next('with the spool drained after the sensors fell silent', s => s.ts > silencedAt + 1000 && s.spool?.depth === 0, 60_000)
  last.child.kill('SIGTERM')
  t.same(await last.exited(), { code: 0, signal: null }, 'a SIGTERM stops the agent cleanly')
  t.same(drained.spool?.dropped, { overflow: 0, expired: 0 }, 'the spool dropped nothing')

  const persisted = persistedSeqs(dataDir)
  const stored = await waitForStoredSeqs(stack.influxUrl, 'soil', () => persisted, 60_000)
  for (const { device } of bus.devices) {
    const n = persisted.get(device) ?? 0
    const seqs = stored.get(device) ?? []
    t.ok(n > 20, `${device}: ${n} readings over ${rounds + 1} runs`)
    t.same(checkContiguous(seqs, n), { missing: [], duplicated: [], beyond: [] }, `${device}: seq 1…${n} each stored once, none lost to a kill`)
    t.equal(seqs.length, n, `${device}: one point per seq`)
  }
  // What the last run had acknowledged beyond what it took itself was left in the spool by kills.
  t.comment(`last run: ${drained.readings?.taken} readings taken, ${drained.uplink?.readings} acknowledged (${(drained.uplink?.readings ?? 0) - (drained.readings?.taken ?? 0)} left unacknowledged by the kills)`)
})
