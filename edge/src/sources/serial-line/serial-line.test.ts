import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import Value from 'typebox/value'
import { SerialPort } from 'serialport'
import { openPtyPair } from '@shennong/device-sim/serial/pty-pair.ts'
import { serialLine, createLineParser } from './serial-line.ts'
import { SerialLineConfigSchema, type SerialLineConfig } from './serial-line-config.ts'
import type { ReadingDraft, SourceIo } from '../source.ts'

function collector (): { io: SourceIo, drafts: ReadingDraft[], faults: Record<string, number> } {
  const drafts: ReadingDraft[] = []
  const faults: Record<string, number> = {}
  return { io: { emit: d => { drafts.push(d) }, fault: (_d, what) => { faults[what] = (faults[what] ?? 0) + 1 } }, drafts, faults }
}
const complete = (extra: Record<string, unknown>): SerialLineConfig => Value.Default(SerialLineConfigSchema, { name: 'line', port: '/dev/null', device: 'dev-1', ...extra }) as SerialLineConfig

t.test('golden testcases', async t => {
  const root = join(import.meta.dirname, 'testcases')
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    const col = collector()
    const parser = createLineParser(complete(parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8'))), col.io)
    for (const line of readFileSync(join(dir, 'input.txt'), 'utf8').split('\n')) parser.line(line)
    const expected = readFileSync(join(dir, 'expected.ndjson'), 'utf8').split('\n').filter(l => l !== '').map(l => JSON.parse(l))
    t.same(col.drafts, expected, `${name}: readings`)
    t.same(col.faults, JSON.parse(readFileSync(join(dir, 'faults.json'), 'utf8')), `${name}: faults`)
  }
})

t.test('refuses a mapping to metrics outside the catalog', async t => {
  t.throws(() => serialLine.create(complete({ kind: 'air', columns: [{ metric: 'temp' }] }), { name: 'line' }), { code: 'ERR_EDGE_CONFIG', message: /temp/ })
  t.throws(() => serialLine.create(complete({ kind: 'air' }), { name: 'line' }), { code: 'ERR_EDGE_CONFIG' })
})

t.test('reads lines from a serial port, split across writes, and survives garbage', async t => {
  const pty = await openPtyPair()
  const sensor = new SerialPort({ path: pty.device, baudRate: 9600 })
  await new Promise(resolve => sensor.once('open', resolve))
  const col = collector()
  const source = serialLine.create(complete({ port: pty.host, kind: 'air', columns: [{ metric: 'temperature_c' }, { metric: 'humidity_pct' }] }), { name: 'line' })
  await source.start(col.io)
  await new Promise(resolve => setTimeout(resolve, 200))
  sensor.write('21.5,4')
  await new Promise(resolve => setTimeout(resolve, 50))
  sensor.write('0.5\r\n\u0000\u00ff\u0013garbage\n22.0,41.0\n')
  await new Promise(resolve => setTimeout(resolve, 300))
  await source.stop()
  await new Promise<void>(resolve => sensor.close(() => resolve()))
  await pty.close()
  t.same(col.drafts.map(d => d.metrics), [{ temperature_c: 21.5, humidity_pct: 40.5 }, { temperature_c: 22, humidity_pct: 41 }])
  t.equal(col.faults.parse, 1)
})
