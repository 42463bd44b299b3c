// Convention test (STYLE.md): every source folder is registered under its own name, and has a
// README, a sample.yaml valid against its schema, a test and golden testcases.
import t from 'tap'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import Value from 'typebox/value'
import { describeSchemaErrors } from '@shennong/core/config.ts'
import { SOURCES } from './index.ts'

const root = import.meta.dirname
const folders = readdirSync(root).filter(f => statSync(join(root, f)).isDirectory())

t.same(Object.keys(SOURCES).sort(), folders.sort(), 'the registry lists exactly the source folders')
t.same(Object.keys(SOURCES).sort(), ['modbus', 'mqtt-local', 'nmea0183', 'serial-line'], 'the four sources of STYLE.md')

for (const folder of folders) {
  t.test(folder, async t => {
    const def = SOURCES[folder]
    t.equal(def.kind, folder, 'kind string equals the folder name')
    for (const file of ['README.md', 'sample.yaml', `${folder}.ts`, `${folder}.test.ts`]) t.ok(existsSync(join(root, folder, file)), `has ${file}`)
    t.ok(existsSync(join(root, folder, 'testcases')) && readdirSync(join(root, folder, 'testcases')).length > 0, 'has golden testcases')
    const sample = parseYaml(readFileSync(join(root, folder, 'sample.yaml'), 'utf8')) as unknown[]
    t.ok(Array.isArray(sample) && sample.length > 0, 'sample.yaml is a list of instances')
    for (const item of sample) {
      const completed = Value.Default(def.schema, structuredClone(item))
      t.same(describeSchemaErrors(def.schema, completed), [], 'sample.yaml validates against the schema')
      t.doesNotThrow(() => def.create(completed as never, { name: 'sample' }), 'create accepts the sample (no I/O)')
    }
  })
}
