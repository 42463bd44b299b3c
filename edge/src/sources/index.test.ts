// Convention test (STYLE.md): every source folder is registered under its own name (definition and
// config half), and has a README, a sample.yaml valid against its schema, a test and golden testcases.
import t from 'tap'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import Value from 'typebox/value'
import { describeSchemaErrors } from '@shennong/core/config.ts'
import { SOURCES, loadSources } from './index.ts'
import { SOURCE_CONFIGS } from './configs.ts'

const root = import.meta.dirname
const folders = readdirSync(root).filter(f => statSync(join(root, f)).isDirectory())

t.same(Object.keys(SOURCES).sort(), folders.sort(), 'the registry lists exactly the source folders')
t.same(Object.keys(SOURCE_CONFIGS).sort(), folders.sort(), 'the config registry lists exactly the source folders')
t.same(Object.keys(SOURCES).sort(), ['modbus', 'mqtt-local', 'nmea0183', 'serial-line'], 'the four sources of STYLE.md')

t.test('loadSources loads only the kinds a config uses', async t => {
  t.same(Object.keys(await loadSources({ modbus: [{}], nmea0183: [], 'mqtt-local': undefined })), ['modbus'])
})

for (const folder of folders) {
  t.test(folder, async t => {
    const def = await SOURCES[folder]()
    const config = SOURCE_CONFIGS[folder]
    t.equal(def.kind, folder, 'kind string equals the folder name')
    t.equal(config.kind, folder, 'the config half names the same kind')
    for (const file of ['README.md', 'sample.yaml', `${folder}.ts`, `${folder}-config.ts`, `${folder}.test.ts`]) t.ok(existsSync(join(root, folder, file)), `has ${file}`)
    t.notMatch(readFileSync(join(root, folder, `${folder}.ts`), 'utf8'), /from 'typebox/, `${folder}.ts does not import TypeBox (only the config half does)`)
    t.ok(existsSync(join(root, folder, 'testcases')) && readdirSync(join(root, folder, 'testcases')).length > 0, 'has golden testcases')
    const sample = parseYaml(readFileSync(join(root, folder, 'sample.yaml'), 'utf8')) as unknown[]
    t.ok(Array.isArray(sample) && sample.length > 0, 'sample.yaml is a list of instances')
    for (const item of sample) {
      const completed = Value.Default(config.schema, structuredClone(item))
      t.same(describeSchemaErrors(config.schema, completed), [], 'sample.yaml validates against the schema')
      const prepared = config.prepare === undefined ? completed : config.prepare(completed as never)
      t.doesNotThrow(() => def.create(prepared as never, { name: 'sample' }), 'create accepts the prepared sample (no I/O)')
    }
  })
}
