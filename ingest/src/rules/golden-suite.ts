// One tap subtest per golden folder of a kind: `runGoldenSuite(t, import.meta.dirname)`.
import type { Test } from 'tap'
import { compareGolden, compareGoldenIndices, hasGoldenIndices, listGoldenCases } from './golden.ts'

export async function runGoldenSuite (t: Test, kindDir: string): Promise<void> {
  const cases = listGoldenCases(kindDir)
  t.ok(cases.length > 0, 'the kind has golden cases')
  for (const c of cases) {
    await t.test(`golden: ${c.name}`, async t => {
      const { actual, expected } = compareGolden(c.dir)
      t.same(actual, expected, 'signals match expected-alerts.ndjson')
      if (hasGoldenIndices(c.dir)) {
        const indices = compareGoldenIndices(c.dir)
        t.same(indices.actual, indices.expected, 'index observations match expected-indices.ndjson')
      }
    })
  }
}
