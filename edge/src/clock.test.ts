import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@shennong/core/logger.ts'
import { createClockMonitor } from './clock.ts'
import { loadEdgeConfig } from './config.ts'
import { createAgent } from './agent.ts'

t.test('clock monitor: unset clock, jumps, and recovery', async t => {
  let wall = Date.UTC(1970, 0, 1, 0, 5)
  let mono = 0
  const clock = createClockMonitor({ saneAfterMs: Date.UTC(2025, 0, 1), jumpThresholdMs: 2000, holdMs: 60_000, now: () => wall, monotonic: () => mono })
  t.equal(clock.check(), 'unsynchronised', 'a 1970 clock was never set')
  // NTP sets the clock: a jump of ~56 years.
  mono += 1000
  wall = Date.UTC(2026, 3, 1)
  t.equal(clock.check(), 'jumped')
  mono += 30_000
  wall += 30_000
  t.equal(clock.check(), 'jumped', 'readings stay flagged for the hold time')
  mono += 31_000
  wall += 31_000
  t.equal(clock.check(), 'synchronised')
  mono += 1000
  wall += 1000 - 5000
  t.equal(clock.check(), 'jumped', 'a backwards step is a jump too')
  t.equal(clock.status().lastJumpMs, -5000)
})

function agentConfig (extra: Record<string, unknown>) {
  return loadEdgeConfig({
    value: { site: 's-1', id: 'gw-1', dataDir: mkdtempSync(join(tmpdir(), 'shennong-edge-')), uplink: { url: 'mqtt://127.0.0.1:1', reconnect: { min: '5s' } }, spool: { sync: 'normal' }, ...extra }
  })
}

t.test('readings taken while the clock is unset are flagged suspect and the status says so', async t => {
  const agent = createAgent(agentConfig({}), { logger: createLogger('edge', 'silent'), sources: {}, now: () => Date.UTC(1970, 0, 2) })
  await agent.start()
  t.teardown(() => agent.stop())
  const [r] = await agent.record([{ device: 'soil-1', kind: 'soil', metrics: { ph: 6.5, nitrogen_mg_kg: 40 }, flags: { nitrogen_mg_kg: 'estimated' } }])
  t.same(r.flags, { ph: 'suspect', nitrogen_mg_kg: 'estimated' }, 'suspect added, a more specific flag kept')
  t.equal(r.seq, 1)
  t.match((await agent.status()).clock, { state: 'unsynchronised' })
})

t.test('seq continues across restarts of the agent', async t => {
  const config = agentConfig({})
  for (const expected of [[1, 2], [3, 4]]) {
    const agent = createAgent(config, { logger: createLogger('edge', 'silent'), sources: {} })
    await agent.start()
    const got = await agent.record([{ device: 'd-1', kind: 'soil', metrics: { ph: 7 } }, { device: 'd-1', kind: 'soil', metrics: { ph: 7 } }])
    t.same(got.map(r => r.seq), expected)
    await agent.stop()
  }
})

t.test('a full spool with drop-oldest counts every dropped reading', async t => {
  const agent = createAgent(agentConfig({ spool: { sync: 'normal', maxSize: '4kB', onFull: 'drop-oldest' } }), { logger: createLogger('edge', 'silent'), sources: {} })
  await agent.start()
  t.teardown(() => agent.stop())
  for (let i = 0; i < 100; i++) await agent.record([{ device: 'd-1', kind: 'soil', metrics: { ph: 7 } }])
  const status = await agent.status() as { spool: { depth: number, bytes: number, dropped: { overflow: number } }, readings: { taken: number, droppedOverflow: number } }
  t.ok(status.spool.bytes <= 4096, `spool holds ${status.spool.bytes} bytes`)
  t.equal(status.readings.taken, 100)
  t.ok(status.readings.droppedOverflow > 0, `${status.readings.droppedOverflow} dropped`)
  t.equal(status.spool.depth + status.readings.droppedOverflow, 100, 'every reading is either spooled or counted as dropped')
  t.equal(status.spool.dropped.overflow, status.readings.droppedOverflow)
})

t.test('a full spool with backpressure refuses and counts the readings it could not take', async t => {
  const agent = createAgent(agentConfig({ spool: { sync: 'normal', maxSize: '1kB', onFull: 'backpressure', waitForRoom: '500ms' } }), { logger: createLogger('edge', 'silent'), sources: {} })
  await agent.start()
  t.teardown(() => agent.stop())
  let refused = 0
  for (let i = 0; i < 20; i++) {
    await agent.record([{ device: 'd-1', kind: 'soil', metrics: { ph: 7 } }]).catch((err: { code?: string }) => { if (err.code === 'ERR_SPOOL_FULL') refused++ })
    if (refused > 0) break
  }
  t.equal(refused, 1, 'the append is refused with ERR_SPOOL_FULL once the wait runs out')
  t.equal(((await agent.status()).readings as { lostSpoolFull: number }).lostSpoolFull, 1)
})
