// Crash safety (ARCHITECTURE §6): the agent process is killed with SIGKILL at random moments while
// polling and sending; after the last restart every reading it ever spooled reaches the broker,
// and no seq is handed out twice.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { topicFilter } from '@shennong/core/topics.ts'
import { openPtyPair } from '@shennong/device-sim/serial/pty-pair.ts'
import { startModbusBusSim } from '@shennong/device-sim/serial/modbus-slave-sim.ts'
import { startBrokerFixture } from './aedes-fixture.ts'
import { openSeqStore } from './seq-store.ts'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const MAIN = join(import.meta.dirname, 'main.ts')

t.test('kill -9 at random moments loses nothing spooled and reuses no seq', async t => {
  const pty = await openPtyPair()
  const sim = await startModbusBusSim({ path: pty.device, addresses: [1, 2, 3] })
  for (const a of [1, 2, 3]) sim.slave(a).holding.set(0, 100 * a)
  const fixture = await startBrokerFixture(topicFilter({ site: 'farm-1', id: 'gw-1', channel: '#' }))
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-edge-crash-'))
  const configFile = join(dataDir, 'edge.yaml')
  writeFileSync(configFile, stringify({
    site: 'farm-1',
    id: 'gw-1',
    dataDir,
    logLevel: 'error',
    uplink: { url: fixture.url, batch: { maxReadings: 10, maxDelay: '50ms' }, reconnect: { min: '50ms', max: '200ms' }, statusInterval: '200ms' },
    sources: { modbus: [{ name: 'bus', port: pty.host, timeout: '150ms', retries: 1, devices: [1, 2, 3].map(a => ({ device: `soil-${a}`, address: a, profile: 'cwt-soil-thc-s', interval: '50ms' })) }] }
  }))
  t.teardown(async () => { await fixture.stop(); await sim.close(); await pty.close() })

  const spawnAgent = (): ChildProcess => spawn(process.execPath, [MAIN, '-c', configFile], { stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = (child: ChildProcess): Promise<number | null> => new Promise(resolve => { if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode); else child.once('exit', code => resolve(code)) })

  const rounds = 8
  for (let i = 0; i < rounds; i++) {
    const child = spawnAgent()
    await sleep(400 + Math.floor(Math.random() * 1200))
    child.kill('SIGKILL')
    await exited(child)
  }
  const statuses = (): Array<Record<string, any>> => fixture.received.filter(m => m.topic.endsWith('/status')).map(m => JSON.parse(m.payload.toString()))
  t.ok(statuses().some(s => s.state === 'offline' && s.reason === 'connection lost'), 'the last will announced the killed agent offline')

  const last = spawnAgent()
  await sleep(1000)
  for (const a of [1, 2, 3]) sim.setFault(a, { kind: 'dead' })
  const mark = fixture.received.length
  const deadline = Date.now() + 30_000
  while (!fixture.received.slice(mark).some(m => m.topic.endsWith('/status') && JSON.parse(m.payload.toString()).spool?.depth === 0)) {
    if (Date.now() > deadline) throw new Error('spool did not drain')
    await sleep(100)
  }
  last.kill('SIGTERM')
  t.equal(await exited(last), 0, 'a SIGTERM stops the agent cleanly')
  t.match(statuses().at(-1), { state: 'offline', reason: 'stopped' })

  const store = openSeqStore(join(dataDir, 'seq.db'))
  const got = new Map<string, number[]>()
  const bodies = new Map<string, Set<string>>()
  for (const m of fixture.received) {
    if (!m.topic.endsWith('/telemetry')) continue
    for (const r of JSON.parse(m.payload.toString()) as Array<{ device: string, seq: number }>) {
      got.set(r.device, [...(got.get(r.device) ?? []), r.seq])
      const key = `${r.device}/${r.seq}`
      bodies.set(key, (bodies.get(key) ?? new Set()).add(JSON.stringify(r)))
    }
  }
  t.same([...bodies].filter(([, set]) => set.size > 1).map(([key]) => key), [], 'no seq was given to two different readings')
  let redelivered = 0
  for (const a of [1, 2, 3]) {
    const device = `soil-${a}`
    const n = store.last(device)
    const seqs = got.get(device) ?? []
    const distinct = [...new Set(seqs)].sort((x, y) => x - y)
    redelivered += seqs.length - distinct.length
    t.ok(n > 20, `${device}: ${n} readings spooled over ${rounds + 1} runs`)
    t.same(distinct, Array.from({ length: n }, (_, i) => i + 1), `${device}: every seq 1…${n} delivered, no gap`)
  }
  store.close()
  t.comment(`redelivered after kills (at-least-once; one point per (device, seq) downstream): ${redelivered}`)
})
