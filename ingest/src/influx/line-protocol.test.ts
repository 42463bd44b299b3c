import t from 'tap'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { buildInfluxConfig } from './config.ts'
import { createInfluxWriter } from './create-writer.ts'
import { formatPoint, formatPoints } from './line-protocol.ts'
import { createInfluxQuery } from './query.ts'
import type { Point } from './writer.ts'

const TS = 1763798400000

// Golden cases: InfluxDB 1.x line protocol reference, "Special characters and keywords".
const golden: Array<[string, Point, string]> = [
  ['a reading: tags sorted by key, metrics as floats, seq as integer',
    { measurement: 'soil', tags: { site: 'farm-1', device: 'soil-0012' }, fields: { moisture_vwc_pct: 23.4, ec_us_cm: 540, seq: { int: 4711 } }, ts: TS },
    'soil,device=soil-0012,site=farm-1 moisture_vwc_pct=23.4,ec_us_cm=540,seq=4711i 1763798400000'],
  ['measurement escapes comma and space, not equals',
    { measurement: 'my meas,x=1', tags: {}, fields: { v: 1 }, ts: TS },
    'my\\ meas\\,x=1 v=1 1763798400000'],
  ['tag keys and values escape comma, equals and space',
    { measurement: 'm', tags: { 'tag key': 'a=b,c d' }, fields: { v: 1 }, ts: TS },
    'm,tag\\ key=a\\=b\\,c\\ d v=1 1763798400000'],
  ['field keys escape comma, equals and space',
    { measurement: 'm', tags: {}, fields: { 'f,k=1 x': 2.5 }, ts: TS },
    'm f\\,k\\=1\\ x=2.5 1763798400000'],
  ['string fields quote, and escape double quotes and backslashes',
    { measurement: 'soil', tags: {}, fields: { flags: 'ec_us_cm=suspect', note: 'he said "hi" C:\\dir\\' }, ts: TS },
    'soil flags="ec_us_cm=suspect",note="he said \\"hi\\" C:\\\\dir\\\\" 1763798400000'],
  ['newline, carriage return and tab in names become \\n, \\r, \\t',
    { measurement: 'a\nb', tags: { t: 'x\ty' }, fields: { 'f\r': 1 }, ts: TS },
    'a\\nb,t=x\\ty f\\r=1 1763798400000'],
  ['booleans, negative and fractional numbers, exponents, -0',
    { measurement: 'm', tags: {}, fields: { b: true, c: false, n: -0.5, e: 1e-7, z: -0, i: { int: -3 } }, ts: TS },
    'm b=true,c=false,n=-0.5,e=1e-7,z=0,i=-3i 1763798400000'],
  ['tags with empty values are left out; non-ASCII passes through',
    { measurement: 'water', tags: { site: '太湖', device: '' }, fields: { ph: 7 }, ts: TS },
    'water,site=太湖 ph=7 1763798400000'],
  ['fractional milliseconds are truncated',
    { measurement: 'm', tags: {}, fields: { v: 1 }, ts: TS + 0.9 },
    'm v=1 1763798400000']
]

for (const [name, point, line] of golden) {
  t.test(`formatPoint: ${name}`, async t => { t.equal(formatPoint(point), line) })
}

t.test('formatPoints joins lines with \\n', async t => {
  t.equal(formatPoints([golden[0][1], golden[1][1]]), `${golden[0][2]}\n${golden[1][2]}`)
  t.equal(formatPoints([]), '')
})

t.test('escaped names and strings come back from a real influxd exactly as given', async t => {
  const influxd = await startInfluxd({ t })
  const config = buildInfluxConfig({ url: influxd.url, database: 'escapes' })
  const query = createInfluxQuery(config)
  await query.ensureDatabase()
  const writer = createInfluxWriter(config)
  t.teardown(() => writer.close())
  const point: Point = {
    measurement: 'my meas,1',
    tags: { 'tag key': 'a=b,c d', site: '太湖' },
    fields: { 'f,k=1 x': 540, note: 'he said "hi" C:\\dir\\ and\nmore', ok: true, n: { int: 7 } },
    ts: TS
  }
  t.same(await writer.write([point]), { written: 1, rejected: [] })
  const [result] = await query.query('SELECT * FROM "my meas,1" GROUP BY *')
  const series = result.series?.[0]
  t.equal(series?.name, 'my meas,1')
  t.same(series?.tags, { 'tag key': 'a=b,c d', site: '太湖' })
  const row = Object.fromEntries(series!.columns.map((c, i) => [c, series!.values[0][i]]))
  t.same(row, { time: TS, 'f,k=1 x': 540, n: 7, note: 'he said "hi" C:\\dir\\ and\nmore', ok: true })
  const keys = (await query.query('SHOW FIELD KEYS FROM "my meas,1"'))[0].series?.[0]?.values
  t.same(Object.fromEntries(keys as Array<[string, string]>), { 'f,k=1 x': 'float', n: 'integer', note: 'string', ok: 'boolean' })
})
