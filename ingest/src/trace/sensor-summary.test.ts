import t from 'tap'
import { createHash } from 'node:crypto'
import { canonicalJson } from './canonical-json.ts'
import { seedOrganisations, startTraceFixture } from './trace-fixture.ts'

const T0 = Date.UTC(2025, 5, 1)
const H = 3_600_000
const M = 60_000

t.test('the sealed sensor summary equals an independent InfluxQL computation over the same window', async t => {
  const f = await startTraceFixture(t)
  await seedOrganisations(f)
  // Pond water every 10 minutes for 14 h, hours 5 and 6 missing; DO flagged suspect on every 7th reading.
  const lines: string[] = []
  let k = 0
  for (let m = 0; m <= 14 * 60; m += 10) {
    const at = T0 + m * M
    if (at >= T0 + 5 * H && at < T0 + 7 * H) continue
    k++
    const flags = k % 7 === 0 ? ',flags="do_mg_l=suspect"' : ''
    const doValue = 5 + Math.sin(m / 50) * 2.5
    lines.push(`water,device=water-0001,site=pond-a do_mg_l=${doValue},ph=${7 + (k % 5) / 10},nh3n_mg_l=${0.3 + (k % 4) / 10},temperature_c=${22 + (k % 3)},seq=${k}i${flags} ${at}`)
    lines.push(`water,device=water-0002,site=pond-a do_mg_l=1,ph=5,seq=${k}i ${at}`)
  }
  // Soil on the rice plot, to show several kinds per place do not mix.
  lines.push(`soil,device=soil-0001,site=farm-a moisture_vwc_pct=20,seq=1i ${T0 + H}`)
  await f.writeLines(lines)
  const raise = (device: string, at: number, rule: string) => f.alerts.raise({ rule, kind: 'threshold', subject: device, site: 'pond-a', device, severity: 'yellow', value: 2, message: 'DO low', seq: 1, ts: at, at })
  raise('water-0001', T0 + 3 * H, 'do-low')
  raise('water-0002', T0 + 3 * H, 'do-low')
  raise('water-0001', T0 + 13 * H, 'ph-high')

  const c = await f.call('POST', '/v1/trace/batches', 'farmer-a', { code: 'FISH-1', product: 'Grass carp', productZh: '草鱼', originPlace: 'pond-a1', organisation: 'coop-a', actor: 'li-wei', at: T0 })
  t.equal(c.status, 201, c.text)
  await f.call('POST', '/v1/trace/batches/FISH-1/events', 'farmer-a', { type: 'stocking', at: T0 + H, place: 'pond-a1', organisation: 'coop-a', actor: 'li-wei', data: { species: 'Ctenopharyngodon idella', count: 3000 } })
  const harvest = await f.call('POST', '/v1/trace/batches/FISH-1/events', 'farmer-a', { type: 'harvest', at: T0 + 12 * H, place: 'pond-a1', organisation: 'coop-a', actor: 'li-wei', data: { quantity: { value: 2400, unit: 'kg' } } })
  t.equal(harvest.status, 201, harvest.text)
  const [, sealed] = harvest.json.events
  t.equal(sealed.type, 'sensor-summary', 'a harvest seals the sensor history in')
  t.same(sealed.data.window, { from: T0, to: T0 + 12 * H }, 'over the production window: creation to harvest')
  const { digest, ...rest } = sealed.data
  t.equal(digest, createHash('sha256').update(canonicalJson(rest)).digest('hex'), 'the digest covers window, query and summary')
  t.ok(sealed.data.query.length > 0 && sealed.data.query.every((q: string) => q.startsWith('SELECT')), 'the queries travel with it')
  const place = sealed.data.summary.places.find((p: { place: string }) => p.place === 'pond-a1')

  // Independent: raw points through InfluxQL, arithmetic here.
  const res = await f.influx.query(`SELECT "do_mg_l", "ph", "flags" FROM "water" WHERE "site" = 'pond-a' AND "device" = 'water-0001' AND time >= ${T0}ms AND time <= ${T0 + 12 * H}ms`)
  const series = res[0].series![0]
  const col = (name: string) => series.columns.indexOf(name)
  const rows = series.values
  for (const metric of ['do_mg_l', 'ph']) {
    const values = rows.map(r => r[col(metric)] as number)
    const hours = new Set(rows.map(r => Math.floor((r[0] as number) / H)))
    const flagged = rows.filter(r => String(r[col('flags')] ?? '').split(',').some(p => p.startsWith(`${metric}=`))).length
    const s = place.metrics[`water.${metric}`]
    t.equal(s.count, values.length, `${metric}: count`)
    t.equal(s.min, Math.min(...values), `${metric}: min`)
    t.equal(s.max, Math.max(...values), `${metric}: max`)
    t.ok(Math.abs(s.mean - values.reduce((a, b) => a + b, 0) / values.length) < 1e-9, `${metric}: mean`)
    t.equal(s.coverage, hours.size / 13, `${metric}: coverage = hours with data / 13 hours in the window`)
    t.equal(s.flagged, flagged, `${metric}: flagged readings`)
    t.equal(s.flaggedShare, flagged / values.length)
  }
  t.ok(place.metrics['water.do_mg_l'].flagged > 0, 'the data had flagged DO')
  t.equal(place.metrics['water.ph'].flagged, 0)
  t.notOk('soil.moisture_vwc_pct' in place.metrics, 'only the place\'s own site and devices')
  t.equal(place.waterClass.buckets, 11, 'hourly water classes where there is data')
  t.ok(Object.values(place.waterClass.shares).reduce((a: number, b) => a + (b as number), 0) > 0.999)
  t.same(place.alerts.items.map((a: { rule: string, device: string }) => [a.rule, a.device]), [['do-low', 'water-0001']], 'alerts raised in the window at the place\'s devices')
  t.equal(place.aqi, null, 'no air data, no AQI distribution')

  // On demand, another window.
  const demand = await f.call('POST', '/v1/trace/batches/FISH-1/sensor-summary', 'farmer-a', { organisation: 'coop-a', from: T0 + 12 * H, to: T0 + 14 * H })
  t.equal(demand.status, 201, demand.text)
  t.equal(demand.json.events[0].data.summary.places[0].metrics['water.do_mg_l'].count, 13)
  t.equal((await f.call('GET', '/v1/trace/FISH-1')).json.verification.ok, true)
})

t.test('a catch takes the vessel position from its readings; a transport carries the cold-chain profile and excursions', async t => {
  const f = await startTraceFixture(t)
  await seedOrganisations(f)
  const lines: string[] = []
  for (let m = 0; m <= 6 * 60; m += 5) lines.push(`vessel,device=vessel-0001,site=port-a lat_deg=${29.5 + m / 1000},lon_deg=${122.3 + m / 2000},sog_kn=4,seq=${m}i ${T0 + m * M}`)
  const temps: number[] = []
  for (let m = 0; m <= 180; m += 5) {
    const temp = m === 60 || m === 65 ? 6.5 : 2 + (m % 20) / 20
    temps.push(temp)
    lines.push(`cold_chain,device=cold-chain-0001,site=fleet-a temperature_c=${temp},humidity_pct=85,seq=${m}i ${T0 + 8 * H + m * M}`)
  }
  await f.writeLines(lines)
  f.alerts.raise({ rule: 'cold-high', kind: 'threshold', subject: 'cold-chain-0001', site: 'fleet-a', device: 'cold-chain-0001', severity: 'orange', value: 6.5, message: 'too warm', seq: 60, ts: T0 + 9 * H, at: T0 + 9 * H })
  t.equal((await f.call('POST', '/v1/trace/places', 'farmer-a', { id: 'boat-7', organisation: 'coop-a', kind: 'vessel', name: 'Zhe Dai Yu 7', site: 'port-a', devices: ['vessel-0001'] })).status, 201)
  await f.call('POST', '/v1/trace/batches', 'farmer-a', { code: 'CATCH-1', product: 'Small yellow croaker', productZh: '小黄鱼', originPlace: 'boat-7', organisation: 'coop-a', actor: 'li-wei', at: T0 })
  const caught = await f.call('POST', '/v1/trace/batches/CATCH-1/events', 'farmer-a', { type: 'catch', at: T0 + 3 * H + 7 * M, organisation: 'coop-a', actor: 'li-wei', data: { quantity: { value: 800, unit: 'kg' }, species: 'Larimichthys polyactis' } })
  t.equal(caught.status, 201, caught.text)
  const ev = caught.json.events[0]
  t.match(ev.data.position, { lat: 29.5 + 185 / 1000, lon: 122.3 + 185 / 2000, at: T0 + 185 * M, device: 'vessel-0001' }, 'the last fix at or before the catch')
  t.same(ev.location, { lat: ev.data.position.lat, lon: ev.data.position.lon })
  t.equal(caught.json.events[1].type, 'sensor-summary')
  t.equal(caught.json.events[1].data.summary.places[0].metrics['vessel.lat_deg'].count, 3 * 12 + 2)

  const moved = await f.call('POST', '/v1/trace/batches/CATCH-1/events', 'farmer-a', {
    type: 'transport', at: T0 + 11 * H, organisation: 'coop-a', actor: 'li-wei',
    data: { from: 'Shenjiamen port', to: 'Hangzhou market', vehicle: 'Zhe B-12345', departedAt: T0 + 8 * H, arrivedAt: T0 + 11 * H, coldChain: { site: 'fleet-a', device: 'cold-chain-0001' } }
  })
  t.equal(moved.status, 201, moved.text)
  const cold = moved.json.events[0].data.coldChain
  t.same(cold.range, { min: 0, max: 4 }, 'the default chilled range')
  t.equal(cold.profile.metrics['cold_chain.temperature_c'].count, temps.length)
  t.equal(cold.profile.metrics['cold_chain.temperature_c'].max, 6.5)
  t.equal(cold.profile.metrics['cold_chain.temperature_c'].min, Math.min(...temps))
  t.same(cold.profile.excursions, { count: 2, share: 2 / temps.length, first: T0 + 9 * H, last: T0 + 9 * H + 5 * M })
  t.equal(cold.profile.alerts.count, 1, 'the device\'s excursion alert')
  t.ok(cold.profile.profile.length > 10 && cold.profile.profile.length <= 49, 'a bucketed temperature profile')
  t.match(cold.digest, /^[0-9a-f]{64}$/)
  const page = await f.call('GET', '/trace/CATCH-1?lang=en')
  t.match(page.text, /Excursions: 2/)
})
