import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brokerErrors } from './errors.ts'

t.test('every broker error code follows ERR_BROKER_* and is documented in docs/broker.md "Errors"', async t => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'broker.md'), 'utf8')
  const section = doc.slice(doc.indexOf('## Errors'))
  t.ok(section.length > 0 && doc.includes('## Errors'))
  for (const code of Object.keys(brokerErrors)) {
    t.match(code, /^ERR_BROKER_[A-Z_]+$/)
    t.ok(section.includes(`\`${code}\``), `${code} documented`)
  }
  const documented = [...section.matchAll(/`(ERR_BROKER_[A-Z_]+)`/g)].map(m => m[1])
  t.same(documented.filter(c => !(c in brokerErrors)), [], 'no stale codes in the docs')
})
