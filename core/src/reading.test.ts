import t from 'tap'
import { validateReading, decodeReadings, parseTimestamp } from './reading.ts'

const now = Date.UTC(2026, 10, 22, 12)
const good = { device: 'soil-0012', kind: 'soil', ts: now - 1000, seq: 4711, metrics: { moisture_vwc_pct: 23.4, temperature_c: 18.1, ec_us_cm: 540 }, flags: { ec_us_cm: 'suspect' }, source: 'modbus' }

function errorsOf (input: unknown, opts = {}): string[] {
  const v = validateReading(input, { now, ...opts })
  return v.ok ? [] : v.errors.map(e => `${e.field}: ${e.message}`)
}

t.test('accepts the reading of ARCHITECTURE §3', async t => {
  const v = validateReading(good, { now })
  t.ok(v.ok)
  if (v.ok) t.same(v.reading, good)
})

t.test('a reading without device belongs to the sender', async t => {
  const { device: _, ...rest } = good
  const v = validateReading(rest, { now, defaultDevice: 'gw-1' })
  t.ok(v.ok && v.reading.device === 'gw-1')
  t.match(errorsOf(rest), [/device is missing/])
})

t.test('stores RFC 3339 times with a zone in UTC ms and refuses zone-less ones', async t => {
  t.equal(parseTimestamp('2025-11-22T08:00:00+08:00'), Date.UTC(2025, 10, 22, 0))
  t.equal(parseTimestamp('2025-11-22T00:00:00.250Z'), Date.UTC(2025, 10, 22, 0, 0, 0, 250))
  t.match(errorsOf({ ...good, ts: '2025-11-22T08:00:00' }), [/ts: .*has no time zone/])
  t.match(errorsOf({ ...good, ts: '22/11/2025' }), [/not an RFC 3339/])
  t.match(errorsOf({ ...good, ts: '2025-13-40T08:00:00Z' }), [/not a real date-time/])
})

t.test('refuses timestamps far in the future, in seconds, or before 2000', async t => {
  t.match(errorsOf({ ...good, ts: now + 3_600_000 }), [/3600 s in the future.*check the device clock/])
  t.match(errorsOf({ ...good, ts: Math.floor(now / 1000) }), [/looks like epoch seconds/])
  t.match(errorsOf({ ...good, ts: Date.UTC(1999, 0, 1) }), [/before 2000/])
  t.match(errorsOf({ ...good, ts: 1.5e12 + 0.5 }), [/whole epoch milliseconds/])
})

t.test('names every bad field at once', async t => {
  const errs = errorsOf({ device: 'Bad Id', kind: 'lava', ts: 'x', seq: -1, metrics: [], flags: 3, extra: true })
  t.equal(errs.length, 7, errs.join('\n'))
  t.match(errs.join('\n'), /unknown field "extra"/)
  t.match(errs.join('\n'), /unknown kind the string "lava"; one of soil, water/)
  t.match(errs.join('\n'), /seq must be a non-negative integer/)
})

t.test('refuses unknown metrics, non-finite and non-number values', async t => {
  t.match(errorsOf({ ...good, flags: undefined, metrics: { moisture: 1 } }), [/metrics.moisture: unknown metric "moisture" for kind soil; known: moisture_vwc_pct/])
  t.match(errorsOf({ ...good, flags: undefined, metrics: { ph: 'NaN' } }), [/metrics.ph: metric ph must be a finite number, got the string "NaN"/])
  t.match(errorsOf({ ...good, flags: undefined, metrics: { ph: null } }), [/finite number, got null/])
  t.match(errorsOf({ ...good, flags: undefined, metrics: {} }), [/metrics is empty/])
})

t.test('flags must name the reading\'s metrics and be known flags', async t => {
  t.match(errorsOf({ ...good, flags: { ph: 'bad' } }), [/flag for "ph", which is not among the reading's metrics/])
  t.match(errorsOf({ ...good, flags: { ec_us_cm: 'meh' } }), [/flag must be one of ok, suspect/])
})

t.test('decodes one reading or an array, each element on its own', async t => {
  const one = decodeReadings(JSON.stringify(good), { now })
  t.ok(one.ok && one.items.length === 1 && one.items[0].validation.ok)
  const many = decodeReadings(Buffer.from(JSON.stringify([good, { ...good, seq: 'x' }, good])), { now })
  t.ok(many.ok)
  if (many.ok) {
    t.same(many.items.map(i => i.validation.ok), [true, false, true])
    const bad = many.items[1].validation
    t.match(!bad.ok && bad.errors[0].field, '[1].seq')
  }
  const broken = decodeReadings('{"device":', { now })
  t.match(!broken.ok && broken.error.message, /payload is not valid JSON/)
  const empty = decodeReadings('[]', { now })
  t.match(!empty.ok && empty.error.message, /empty array/)
  const scalar = decodeReadings('42', { now })
  t.ok(scalar.ok && !scalar.items[0].validation.ok)
})
