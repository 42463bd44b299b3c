import t from 'tap'
import { runGoldenSuite } from '../golden-suite.ts'
import { compileRule } from '../rule-set.ts'

await runGoldenSuite(t, import.meta.dirname)

t.test('reports every problem of a bad threshold rule at once', async t => {
  const { rule, issues } = compileRule({ id: 'x', kind: 'threshold', threshold: { metric: 'nope', levels: [{ severity: 'red' }, { severity: 'red', above: 1, below: 2 }] } }, 'r')
  t.equal(rule, undefined)
  const text = issues.map(i => `${i.path}: ${i.message}`).join('\n')
  t.match(text, /not in the metric catalog/)
  t.match(text, /levels\[0\]: give above, below or both/)
  t.match(text, /levels\[1\]: below \(2\) must be less than above/)
  t.match(text, /red appears twice/)
})

t.test('refuses unknown options and a malformed duration', async t => {
  const { issues } = compileRule({ id: 'x', kind: 'threshold', threshold: { metric: 'ph', levels: [{ severity: 'red', above: 9 }], for: '5 minutes', colour: 'x' } }, 'r')
  const text = issues.map(i => `${i.path}: ${i.message}`).join('\n')
  t.match(text, /r\.threshold\.for/)
  t.match(text, /unknown option "colour"/)
})
