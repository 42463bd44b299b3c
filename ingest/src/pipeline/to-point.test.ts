import t from 'tap'
import type { Flag, Reading } from '@shennong/core/reading.ts'
import { formatPoint } from '../influx/line-protocol.ts'
import { createReadingLineFormatter, readingToPoint } from './to-point.ts'

const cases: Array<{ name: string, reading: Reading, site: string, flags: Record<string, Flag> }> = [
  { name: 'floats, an integer-valued float, seq', reading: { device: 'soil-0012', kind: 'soil', ts: 1763798400000, seq: 4711, metrics: { moisture_vwc_pct: 23.4, temperature_c: 18, ec_us_cm: 540 } }, site: 'farm-north', flags: { moisture_vwc_pct: 'ok', temperature_c: 'ok', ec_us_cm: 'ok' } },
  { name: 'flags not ok, sorted', reading: { device: 'w-1', kind: 'water', ts: 1, seq: 0, metrics: { ph: -0, do_mg_l: 1e-7 } }, site: 's', flags: { ph: 'suspect', do_mg_l: 'bad' } },
  { name: 'names that need escaping', reading: { device: 'a b,c=d', kind: 'air', ts: 1763798400000.7, seq: 2, metrics: { 'pm25 ug,m3': 35 } }, site: 'x=y', flags: { 'pm25 ug,m3': 'calibration' } }
]

t.test('a reading formats to the same line as formatPoint(readingToPoint(…))', async t => {
  const formatter = createReadingLineFormatter()
  for (const c of cases) {
    const expected = formatPoint(readingToPoint(c.reading, c.site, c.flags))
    t.equal(formatter.format(c.reading, c.site, c.flags), expected, c.name)
    t.equal(formatter.format(c.reading, c.site, c.flags), expected, `${c.name} (names cached)`)
  }
})
