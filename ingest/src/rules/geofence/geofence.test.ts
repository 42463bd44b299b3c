import t from 'tap'
import { runGoldenSuite } from '../golden-suite.ts'

await runGoldenSuite(t, import.meta.dirname)

t.test('a moratorium window runs over the new year and in Beijing time', async t => {
  const { activeWindow } = await import('./moratorium-calendar.ts')
  const w = [{ from: [12, 1, 0, 0], until: [2, 1, 0, 0] }] as Parameters<typeof activeWindow>[1]
  const off = 8 * 3_600_000
  t.ok(activeWindow(Date.parse('2025-01-15T00:00:00+08:00'), w, off), 'mid January is inside')
  t.equal(activeWindow(Date.parse('2025-02-01T00:00:00+08:00'), w, off), null, 'the end is exclusive')
  t.ok(activeWindow(Date.parse('2025-11-30T16:00:00Z'), w, off), '1 December 00:00 Beijing is 30 November 16:00 UTC')
})
