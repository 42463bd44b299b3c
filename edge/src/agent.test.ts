import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { createLogger } from '@shennong/core/logger.ts'
import { buildTopic, topicFilter } from '@shennong/core/topics.ts'
import { openPtyPair } from '@shennong/device-sim/serial/pty-pair.ts'
import { startModbusBusSim } from '@shennong/device-sim/serial/modbus-slave-sim.ts'
import { loadEdgeConfig } from './config.ts'
import { loadSources } from './sources/index.ts'
import { createAgent } from './agent.ts'
import { startBrokerFixture } from './aedes-fixture.ts'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until (what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

function seqsBy (received: Array<{ topic: string, payload: Buffer }>): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const m of received) {
    if (!m.topic.endsWith('/telemetry')) continue
    for (const r of JSON.parse(m.payload.toString()) as Array<{ device: string, seq: number }>) {
      const list = out.get(r.device) ?? []
      list.push(r.seq)
      out.set(r.device, list)
    }
  }
  return out
}

async function setup (t: { teardown: (fn: () => Promise<void>) => void }, extra: Record<string, unknown> = {}) {
  const pty = await openPtyPair()
  const sim = await startModbusBusSim({ path: pty.device, addresses: [1, 2, 3, 9] })
  for (const a of [1, 2, 3]) sim.slave(a).holding.set(0, 200 + a)
  const fixture = await startBrokerFixture(topicFilter({ site: 'farm-1', id: 'gw-1', channel: '#' }))
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-edge-'))
  const config = loadEdgeConfig({
    value: {
      site: 'farm-1',
      id: 'gw-1',
      dataDir,
      spool: { sync: 'normal' },
      uplink: { url: fixture.url, batch: { maxReadings: 20, maxDelay: '100ms' }, reconnect: { min: '100ms', max: '500ms' }, statusInterval: '500ms' },
      sources: {
        modbus: [{
          name: 'field-bus',
          port: pty.host,
          timeout: '150ms',
          retries: 1,
          devices: [
            ...[1, 2, 3].map(a => ({ device: `soil-${a}`, address: a, profile: 'cwt-soil-thc-s', interval: '100ms' })),
            { device: 'valve-9', address: 9, commands: { valve: { function: 5, register: 0, allowed: [0, 1] } } }
          ]
        }]
      },
      ...extra
    }
  })
  const agent = createAgent(config, { logger: createLogger('edge', 'silent'), sources: await loadSources(config.sources) })
  t.teardown(async () => { await agent.stop(); await fixture.stop(); await sim.close(); await pty.close() })
  return { pty, sim, fixture, agent, config }
}

t.test('an uplink outage loses nothing: every (device, seq) reaches the subscriber', async t => {
  const { fixture, agent, sim } = await setup(t)
  await agent.start()
  await until('first readings delivered', () => seqsBy(fixture.received).size === 3)
  await fixture.stop()
  await sleep(2500)
  const during = await agent.status()
  t.ok((during.spool as { depth: number }).depth > 0, 'readings pile up in the spool while the broker is away')
  t.equal((during.uplink as { connected: boolean }).connected, false)
  await fixture.start()
  await sleep(1000)
  for (const a of [1, 2, 3]) sim.setFault(a, { kind: 'dead' }) // stop producing, let the spool drain
  await sleep(400)
  await until('spool drained', async () => ((await agent.status()).spool as { depth: number }).depth === 0)
  const status = await agent.status()
  const devices = (status.sources as Record<string, { devices: Record<string, { readings: number }> }>)['field-bus'].devices
  const seqs = seqsBy(fixture.received)
  let duplicates = 0
  for (const a of [1, 2, 3]) {
    const d = `soil-${a}`
    const got = seqs.get(d) ?? []
    const distinct = [...new Set(got)].sort((x, y) => x - y)
    duplicates += got.length - distinct.length
    t.ok(devices[d].readings > 20, `${d}: ${devices[d].readings} readings taken`)
    t.same(distinct, Array.from({ length: devices[d].readings }, (_, i) => i + 1), `${d}: seq 1…${devices[d].readings} complete, none missing`)
  }
  t.comment(`redelivered across the outage (collapsed by (device, seq) downstream): ${duplicates}`)
  t.ok((status.uplink as { connects: number }).connects >= 2, 'reconnected')
})

t.test('publishes a retained status with spool, per-source errors and clock state', async t => {
  const { fixture, agent, sim } = await setup(t)
  sim.setFault(2, { kind: 'crc' })
  await agent.start()
  await sleep(1500)
  const client = await mqtt.connectAsync(fixture.url, { clientId: 'watcher' })
  const got = new Promise<Record<string, any>>(resolve => client.on('message', (_topic, payload, packet) => { if (packet.retain) resolve(JSON.parse(payload.toString())) }))
  await client.subscribeAsync(buildTopic({ site: 'farm-1', id: 'gw-1', channel: 'status' }))
  const status = await got
  await client.endAsync()
  t.equal(status.state, 'online')
  t.type(status.ts, 'number')
  t.type(status.spool.depth, 'number')
  t.type(status.spool.oldestUnsentAgeMs, 'number')
  t.ok(status.sources['field-bus'].devices['soil-2'].errors.crc > 0, 'CRC errors of slave 2 are in the status')
  t.equal(status.clock.state, 'synchronised')
})

t.test('a valve command reaches the slave\'s coil and the result comes back on cmd-result', async t => {
  const { fixture, agent, sim } = await setup(t)
  await agent.start()
  await until('connected', async () => ((await agent.status()).uplink as { connected: boolean }).connected)
  await sleep(200)
  const cmdTopic = buildTopic({ site: 'farm-1', id: 'gw-1', channel: 'cmd' })
  const results = (): Array<Record<string, any>> => fixture.received.filter(m => m.topic.endsWith('/cmd-result')).map(m => JSON.parse(m.payload.toString()))
  await fixture.publish(cmdTopic, JSON.stringify({ id: 'c-1', name: 'valve', args: { device: 'valve-9', value: 1 } }))
  await until('cmd-result c-1', () => results().some(r => r.id === 'c-1'))
  t.equal(sim.slave(9).coils.get(0), true, 'the coil is on')
  t.match(results().find(r => r.id === 'c-1'), { ok: true, device: 'valve-9', result: { function: 5, register: 0, value: 1 } })
  // Redelivery of the same id is answered again, not executed again.
  await fixture.publish(cmdTopic, JSON.stringify({ id: 'c-1', name: 'valve', args: { device: 'valve-9', value: 1 } }))
  await until('second answer', () => results().filter(r => r.id === 'c-1').length === 2)
  t.equal(sim.slave(9).writes.length, 1, 'executed once')
  await fixture.publish(cmdTopic, JSON.stringify({ id: 'c-2', name: 'valve', args: { device: 'valve-9', value: 5 } }))
  await fixture.publish(cmdTopic, JSON.stringify({ id: 'c-3', name: 'flood', args: { device: 'valve-9', value: 1 } }))
  await fixture.publish(cmdTopic, JSON.stringify({ id: 'c-4', name: 'valve', args: { device: 'pump-7', value: 1 } }))
  await fixture.publish(cmdTopic, 'not json')
  await until('four refusals', () => results().length === 6)
  const byId = Object.fromEntries(results().map(r => [r.id, r]))
  t.match(byId['c-2'], { ok: false, error: { code: 'ERR_CMD_REFUSED' } })
  t.match(byId['c-3'], { ok: false, error: { code: 'ERR_CMD_UNKNOWN' } })
  t.match(byId['c-4'], { ok: false, error: { code: 'ERR_CMD_UNKNOWN' } })
  t.match(byId.null, { ok: false, error: { code: 'ERR_CMD_INVALID' } })
})
