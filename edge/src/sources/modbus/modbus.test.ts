import t from 'tap'
import { join } from 'node:path'
import { readdirSync, readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { openPtyPair, type PtyPair } from '@shennong/device-sim/serial/pty-pair.ts'
import { startModbusBusSim, type ModbusBusSim } from '@shennong/device-sim/serial/modbus-slave-sim.ts'
import { encodeMetrics, readProfile } from '@shennong/device-sim/serial/register-image.ts'
import { modbus } from './modbus.ts'
import { ModbusConfigSchema, prepareModbusConfig, type ModbusConfig, type PreparedModbusConfig } from './modbus-config.ts'
import { decodeValue, decodeGroup } from './profile.ts'
import { PROFILE_DIR, loadProfile } from './profile-loader.ts'
import { createRunner } from '../../runner.ts'
import type { ReadingDraft, SourceIo } from '../source.ts'
import Value from 'typebox/value'

function busConfig (port: string, devices: Array<Partial<ModbusConfig['devices'][number]> & { device: string, address: number }>, extra: Partial<ModbusConfig> = {}): PreparedModbusConfig {
  return prepareModbusConfig(Value.Default(ModbusConfigSchema, { name: 'bus-1', port, timeout: '150ms', retries: 1, ...extra, devices }) as ModbusConfig)
}

function recorder (): { io: SourceIo, faults: Array<{ device: string, what: string }>, count: (device: string, what: string) => number } {
  const faults: Array<{ device: string, what: string }> = []
  return {
    io: { emit: () => {}, fault: (device, what) => { faults.push({ device, what }) } },
    faults,
    count: (device, what) => faults.filter(f => f.device === device && f.what === what).length
  }
}

t.test('decodes the spec vectors (modbus-sensors.md §4, §6.2)', async t => {
  const thc = loadProfile('cwt-soil-thc-s')
  // M2: 22.5 % VWC, −3.2 °C, 1250 µS/cm
  t.same(decodeGroup(thc.groups[0], [0x00e1, 0xffe0, 0x04e2]).metrics, { moisture_vwc_pct: 22.5, temperature_c: -3.2, ec_us_cm: 1250 })
  // THC-S manual: 0xFF9B = −10.1 °C
  t.equal(decodeGroup(thc.groups[0], [0x0292, 0xff9b, 0x03e8]).metrics.temperature_c, -10.1)
  t.same(decodeGroup(thc.groups[0], [0, 0, 30000]).flags, { ec_us_cm: 'suspect' }, 'EC above 20000 is suspect')
  const npk = loadProfile('cwt-soil-npk')
  const d = decodeGroup(npk.groups[0], [0x01d0, 0x014c, 0x002c, 0x005a, 0x0020, 0x0058, 0x0068])
  t.same(d.metrics, { moisture_vwc_pct: 46.4, temperature_c: 33.2, ec_us_cm: 44, ph: 9, nitrogen_mg_kg: 32, phosphorus_mg_kg: 88, potassium_mg_kg: 104 })
  t.equal(d.flags.nitrogen_mg_kg, 'estimated', 'NPK is an estimate')
  t.equal(decodeValue([0x40e8, 0x0000], 'float32', 'ABCD'), 7.25)
  t.equal(decodeValue([0x0000, 0x40e8], 'float32', 'CDAB'), 7.25)
  t.equal(decodeValue([0xe840, 0x0000], 'float32', 'BADC'), 7.25)
  t.equal(decodeValue([0x0000, 0xe840], 'float32', 'DCBA'), 7.25)
  t.equal(decodeValue([0xffff, 0xfffe], 'int32', 'ABCD'), -2)
  t.equal(decodeValue([0x0001, 0x0000], 'uint32', 'CDAB'), 1)
})

t.test('golden testcases: registers through a profile', async t => {
  const root = join(import.meta.dirname, 'testcases')
  for (const name of readdirSync(root)) {
    const c = parseYaml(readFileSync(join(root, name, 'case.yaml'), 'utf8')) as { profile: string, registers: Record<string, Record<string, number>>, expected: unknown }
    const profile = loadProfile(c.profile)
    const out = { metrics: {}, flags: {} }
    for (const g of profile.groups) {
      const regs = Array.from({ length: g.count }, (_, i) => c.registers[g.function]?.[g.start + i] ?? 0)
      const d = decodeGroup(g, regs)
      Object.assign(out.metrics, d.metrics)
      Object.assign(out.flags, d.flags)
    }
    t.same(out, c.expected, name)
  }
})

t.test('refuses a profile whose 32-bit point has no word order', async t => {
  const { compileProfile } = await import('./profile-loader.ts')
  t.throws(() => compileProfile('x', { model: 'x', source: 'x', kind: 'water', points: [{ metric: 'do_mg_l', function: 3, register: 0, type: 'float32' }] }), { code: 'ERR_EDGE_CONFIG', message: /wordOrder/ })
  t.throws(() => compileProfile('x', { model: 'x', source: 'x', kind: 'water', points: [{ metric: 'moisture', function: 3, register: 0, type: 'uint16' }] }), { code: 'ERR_EDGE_CONFIG', message: /catalog/ })
})

t.test('on a pty bus', async t => {
  let pty: PtyPair
  let sim: ModbusBusSim
  t.beforeEach(async () => {
    pty = await openPtyPair()
    sim = await startModbusBusSim({ path: pty.device, addresses: [1, 2, 3, 4, 5, 10] })
  })
  t.afterEach(async () => { await sim.close(); await pty.close() })

  t.test('reads every shipped profile back from its simulator', async t => {
    const files = readdirSync(PROFILE_DIR).filter(f => f.endsWith('.yaml'))
    t.ok(files.length >= 8, 'a profile per sensor in spec §5')
    const values: Record<string, number> = {
      moisture_vwc_pct: 23.4, temperature_c: -3.2, ec_us_cm: 540, ph: 6.6, nitrogen_mg_kg: 45, phosphorus_mg_kg: 23, potassium_mg_kg: 118,
      humidity_pct: 58.7, illuminance_lux: 12000, pm25_ug_m3: 35, pm10_ug_m3: 80, do_mg_l: 7.25, turbidity_ntu: 12.5
    }
    for (const file of files) {
      const name = file.replace(/\.yaml$/, '')
      const doc = readProfile(join(PROFILE_DIR, file))
      const address = name === 'supmea-do-7016' ? 10 : 1
      const slave = sim.slave(address)
      for (const w of encodeMetrics(doc, values)) (w.function === 3 ? slave.holding : slave.input).set(w.register, w.value)
      const source = modbus.create(busConfig(pty.host, [{ device: 'dev-1', address, profile: name }]), { name: 'bus-1' })
      await source.start(recorder().io)
      const [draft] = await source.tasks[0].poll()
      await source.stop()
      const expected: Record<string, number> = {}
      for (const p of doc.points) expected[p.metric] = values[p.metric]
      t.same(draft.metrics, expected, `${name} reads back`)
      t.equal(draft.kind, doc.kind)
    }
    t.same(sim.slave(10).writes[0], { function: 6, register: 1, values: [15] }, 'the DO probe was told to start a measurement first')
  })

  t.test('counts every fault kind per slave and never throws past the poll', async t => {
    const rec = recorder()
    const devices = [1, 2, 3, 4, 5].map(a => ({ device: `soil-${a}`, address: a, profile: 'cwt-soil-thc-s' }))
    const source = modbus.create(busConfig(pty.host, devices), { name: 'bus-1' })
    await source.start(rec.io)
    sim.setFault(1, { kind: 'dead' })
    sim.setFault(2, { kind: 'crc' })
    sim.setFault(3, { kind: 'exception', code: 2 })
    sim.setFault(4, { kind: 'garbage' })
    sim.setFault(5, { kind: 'slow', delayMs: 60 })
    sim.slave(5).holding.set(0, 225)
    const results = []
    for (const task of source.tasks) results.push(await task.poll().then(r => r, (e: Error & { code?: string }) => e.code))
    await source.stop()
    t.same(results.slice(0, 4), ['ERR_MODBUS_TIMEOUT', 'ERR_MODBUS_CRC', 'ERR_MODBUS_EXCEPTION', 'ERR_MODBUS_FRAME'])
    t.equal((results[4] as ReadingDraft[])[0].metrics.moisture_vwc_pct, 22.5, 'a slow slave within the timeout is read')
    t.equal(rec.count('soil-1', 'timeout'), 2, 'dead: timeout counted per try (retries 1)')
    t.equal(rec.count('soil-2', 'crc'), 2, 'CRC errors counted per try')
    t.equal(rec.count('soil-3', 'exception'), 1, 'an exception is an answer: not retried')
    t.equal(rec.count('soil-4', 'frame'), 2, 'garbage counted as frame errors')
    t.equal(rec.faults.filter(f => f.device === 'soil-5').length, 0)
  })

  t.test('a dead slave on a bus of five leaves the other four polled on schedule', async t => {
    const devices = [1, 2, 3, 4, 5].map(a => ({ device: `soil-${a}`, address: a, profile: 'cwt-soil-thc-s', interval: '500ms' }))
    for (const a of [2, 3, 4, 5]) sim.slave(a).holding.set(0, 200 + a)
    sim.setFault(1, { kind: 'dead' })
    const source = modbus.create(busConfig(pty.host, devices, { timeout: '200ms', retries: 2 }), { name: 'bus-1' })
    const taken: Array<{ device: string, at: number }> = []
    const runner = createRunner({
      name: 'bus-1', kind: 'modbus', source, pollTimeoutMs: 5000, backoffAfter: 2, maxBackoffMs: 4000,
      record: async drafts => { for (const d of drafts) taken.push({ device: d.device, at: performance.now() }) }
    })
    const start = performance.now()
    await runner.start()
    await new Promise(resolve => setTimeout(resolve, 6000))
    await runner.stop()
    const stats = runner.stats()
    t.ok(stats['soil-1'].errors.timeout >= 3, 'the dead slave is counted')
    t.equal(stats['soil-1'].readings, 0)
    for (const a of [2, 3, 4, 5]) {
      const times = taken.filter(x => x.device === `soil-${a}`).map(x => x.at)
      // 12 polls are due in 6 s at 500 ms; one may slip on a loaded machine, a starved slave gets none.
      t.ok(times.length >= 10, `soil-${a} polled ${times.length} times in 6 s at 500 ms`)
      const gaps = times.slice(1).map((x, i) => x - times[i])
      t.ok(Math.max(...gaps) < 500 + 3 * 200 + 150, `soil-${a}: longest gap ${Math.round(Math.max(...gaps))} ms stays within one interval plus one dead attempt`)
      t.ok(times[0] - start < 1000, 'first poll on time')
    }
  })

  t.test('writes a coil, a register and registers for allowed commands only', async t => {
    const source = modbus.create(busConfig(pty.host, [{
      device: 'valve-1',
      address: 3,
      commands: { valve: { function: 5, register: 0, allowed: [0, 1] }, setpoint: { function: 6, register: 0x10, min: 0, max: 100 }, table: { function: 16, register: 0x20 } }
    }]), { name: 'bus-1' })
    await source.start(recorder().io)
    const execute = source.execute!
    t.same(await execute({ device: 'valve-1', name: 'valve', args: { value: 1 } }), { function: 5, register: 0, value: 1 })
    t.equal(sim.slave(3).coils.get(0), true, 'the coil is on at the slave')
    await execute({ device: 'valve-1', name: 'setpoint', args: { value: 42 } })
    t.equal(sim.slave(3).holding.get(0x10), 42)
    await execute({ device: 'valve-1', name: 'table', args: { value: [1, 2, 3] } })
    t.same([0x20, 0x21, 0x22].map(r => sim.slave(3).holding.get(r)), [1, 2, 3])
    await t.rejects(execute({ device: 'valve-1', name: 'valve', args: { value: 7 } }), { code: 'ERR_CMD_REFUSED' })
    await t.rejects(execute({ device: 'valve-1', name: 'setpoint', args: { value: 101 } }), { code: 'ERR_CMD_REFUSED' })
    await t.rejects(execute({ device: 'valve-1', name: 'flood', args: { value: 1 } }), { code: 'ERR_CMD_UNKNOWN' })
    sim.setFault(3, { kind: 'dead' })
    await t.rejects(execute({ device: 'valve-1', name: 'valve', args: { value: 0 } }), { code: 'ERR_CMD_FAILED' })
    await source.stop()
  })
})
