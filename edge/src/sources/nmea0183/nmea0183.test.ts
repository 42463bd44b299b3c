import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Value from 'typebox/value'
import { openPtyPair, type PtyPair } from '@shennong/device-sim/serial/pty-pair.ts'
import { startGnssSim } from '@shennong/device-sim/serial/gnss-sim.ts'
import { nmea0183, createNmeaLineHandler } from './nmea0183.ts'
import { Nmea0183ConfigSchema, type Nmea0183Config } from './nmea0183-config.ts'
import type { ReadingDraft, SourceIo } from '../source.ts'

function collector (): { io: SourceIo, drafts: ReadingDraft[], faults: Record<string, number> } {
  const drafts: ReadingDraft[] = []
  const faults: Record<string, number> = {}
  return { io: { emit: d => { drafts.push(d) }, fault: (_device, what) => { faults[what] = (faults[what] ?? 0) + 1 } }, drafts, faults }
}

const config = (port: string, extra: Partial<Nmea0183Config> = {}): Nmea0183Config =>
  Value.Default(Nmea0183ConfigSchema, { name: 'gnss', port, device: 'vessel-1', ...extra }) as Nmea0183Config

t.test('golden testcases', async t => {
  const root = join(import.meta.dirname, 'testcases')
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { now: number, faults: Record<string, number> }
    const col = collector()
    const handler = createNmeaLineHandler({ device: 'vessel-1', interval: '0s', maxDateSkew: '1d' }, col.io, () => c.now)
    for (const line of readFileSync(join(dir, 'input.nmea'), 'utf8').split('\n')) handler.line(line)
    handler.flush()
    const expected = readFileSync(join(dir, 'expected.ndjson'), 'utf8').split('\n').filter(l => l !== '').map(l => JSON.parse(l))
    t.same(col.drafts, expected, `${name}: readings`)
    t.same(col.faults, c.faults, `${name}: faults`)
  }
})

t.test('against the GNSS simulator on a pty', async t => {
  let pty: PtyPair
  t.beforeEach(async () => { pty = await openPtyPair() })
  t.afterEach(async () => { await pty.close() })

  for (const talker of ['BD', 'GB', 'GN', 'GP']) {
    t.test(`merges ${talker} GGA + RMC into one vessel reading per fix, ts from the receiver`, async t => {
      // The receiver's clock runs 3 s behind the gateway: the reading must carry the receiver's UTC.
      const sim = await startGnssSim({ path: pty.device, talker, intervalMs: 100, now: () => Date.now() - 3000 })
      const col = collector()
      const source = nmea0183.create(config(pty.host), { name: 'gnss' })
      await source.start(col.io)
      await new Promise(resolve => setTimeout(resolve, 800))
      await source.stop()
      await sim.close()
      t.ok(col.drafts.length >= 4, `${col.drafts.length} readings`)
      t.same(col.faults, {}, 'no faults')
      for (const d of col.drafts) {
        const sent = sim.sent.find(s => s.ts === d.ts)
        t.ok(sent !== undefined, 'ts is an epoch the receiver sent')
        if (sent === undefined) continue
        t.ok(Math.abs(d.metrics.lat_deg - sent.latDeg) < 2e-6 && Math.abs(d.metrics.lon_deg - sent.lonDeg) < 2e-6, 'position to 4 minute-decimals')
        t.match(d, { device: 'vessel-1', kind: 'vessel', metrics: { fix_quality: 1, satellites: 12, hdop: 0.9, sog_kn: 8.5, cog_deg: 45.3 } })
      }
    })
  }

  t.test('counts no-fix, bad checksums, garbage and date rollover, and keeps reading', async t => {
    const sim = await startGnssSim({ path: pty.device, intervalMs: 60_000 })
    const col = collector()
    const source = nmea0183.create(config(pty.host), { name: 'gnss' })
    await source.start(col.io)
    await new Promise(resolve => setTimeout(resolve, 300))
    const step = async (fault: typeof sim.fault, n: number): Promise<void> => {
      sim.fault = fault
      for (let i = 0; i < n; i++) { sim.tick(); await new Promise(resolve => setTimeout(resolve, 30)) }
      await new Promise(resolve => setTimeout(resolve, 150))
    }
    await step('no-fix', 3)
    const noFix = col.drafts.length
    await step('bad-checksum', 3)
    await step('garbage', 2)
    await step('rollover', 2)
    const beforeRecovery = col.drafts.length
    await step('none', 3)
    await source.stop()
    await sim.close()
    t.equal(col.faults['no-fix'], 3, 'no-fix counted per epoch')
    t.ok(noFix >= 2, 'no-fix epochs are still reported')
    for (const d of col.drafts.slice(0, noFix)) {
      t.same(d.flags, { fix_quality: 'bad' })
      t.notOk('lat_deg' in d.metrics, 'no position stored without a fix')
    }
    t.equal(col.faults.checksum, 6, 'each bad checksum counted')
    t.equal(col.faults.syntax, 2, 'each garbage line counted')
    t.equal(col.faults['date-skew'], 2, 'rollover dates rejected and counted')
    t.ok(beforeRecovery - noFix >= 2 && beforeRecovery - noFix <= 3, 'garbage epochs still deliver their valid sentences')
    t.ok(col.drafts.length - beforeRecovery >= 2, 'readings resume after the faults')
  })
})
