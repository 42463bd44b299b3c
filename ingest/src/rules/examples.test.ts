import t from 'tap'
import { join } from 'node:path'
import { readRuleDir } from './rule-set.ts'

t.test('the shipped example rules (the demo\'s) load without a problem and cover every kind', async t => {
  const set = readRuleDir(join(import.meta.dirname, '..', '..', 'examples', 'rules'))
  t.same(set.issues, [])
  t.same(new Set(set.rules.map(r => r.kind)), new Set(['drought', 'stale', 'water-class', 'rate', 'aqi', 'threshold', 'geofence', 'signal-loss']))
})
