// Every rule folder is registered in index.ts, its folder name is its kind, and it has a README,
// a test file and golden cases (STYLE "Convention tests").
import t from 'tap'
import { readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { RULE_KINDS } from './index.ts'

const here = import.meta.dirname
const folders = readdirSync(here, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name).sort()

t.same(folders, Object.keys(RULE_KINDS).sort(), 'every rule folder is registered and every registered kind has a folder')
for (const [name, def] of Object.entries(RULE_KINDS)) {
  t.equal(def.kind, name, `${name}: the kind string is the folder name and the registry key`)
  for (const file of ['README.md', `${name}.ts`, `${name}.test.ts`, 'testcases']) {
    t.ok(existsSync(join(here, name, file)), `${name} has ${file}`)
  }
}
