import t from 'tap'
import { seedOrganisations, startTraceFixture } from '../../../ingest/src/trace/trace-fixture.ts'
import { createDemoBatches } from './demo-batches.ts'

const H = 3_600_000

t.test('the demo creates a rice, a pond-and-truck and a catch batch with complete, verifying histories', async t => {
  const f = await startTraceFixture(t)
  await seedOrganisations(f)
  const now = Date.UTC(2025, 9, 10, 12)
  const start = now - 48 * H
  const lines: string[] = []
  for (let m = 0; m <= 48 * 60; m += 15) {
    const ts = start + m * 60_000
    lines.push(`soil,device=soil-0001,site=farm-01 moisture_vwc_pct=${24 + Math.sin(m / 90)},seq=${m}i ${ts}`)
    lines.push(`water,device=water-0001,site=river-01 do_mg_l=${6 + Math.sin(m / 120)},ph=7.4,nh3n_mg_l=0.4,seq=${m}i ${ts}`)
    lines.push(`vessel,device=vessel-0001,site=port-01 lat_deg=${29.9 + m / 10000},lon_deg=122.4,sog_kn=5,seq=${m}i ${ts}`)
    lines.push(`cold_chain,device=cold-chain-0001,site=fleet-01 temperature_c=${2.5 + Math.sin(m / 30)},humidity_pct=88,seq=${m}i ${ts}`)
  }
  await f.writeLines(lines)
  const url = await f.app.listen({ host: '127.0.0.1', port: 0 })
  const demo = await createDemoBatches({ url, token: f.tokens.admin, now })
  t.equal(demo.codes.length, 3)
  for (const code of demo.codes) {
    const view = (await f.call('GET', `/v1/trace/${code}`)).json
    t.equal(view.verification.ok, true, `${code} verifies`)
    t.ok(view.events.some((e: { type: string }) => e.type === 'sensor-summary'), `${code} has its sensor history sealed in`)
    t.ok(view.events.some((e: { type: string }) => e.type === 'sale'), `${code} reaches the shop`)
    t.equal(view.custodian.id, 'fresh-market')
  }
  const rice = (await f.call('GET', `/v1/trace/${demo.codes[0]}`)).json
  t.ok(rice.verification.chains[0].signed >= 6, 'the co-op signed its events')
  t.ok(rice.events.find((e: { type: string }) => e.type === 'sensor-summary').data.summary.places[0].metrics['soil.moisture_vwc_pct'].count > 0)
  const carp = (await f.call('GET', `/v1/trace/${demo.codes[1]}`)).json
  t.ok(carp.events.find((e: { type: string }) => e.type === 'transport').data.coldChain.profile.metrics['cold_chain.temperature_c'].count > 0, 'the truck\'s temperature profile')
  const croaker = (await f.call('GET', `/v1/trace/${demo.codes[2]}`)).json
  t.ok(croaker.events.find((e: { type: string }) => e.type === 'catch').data.position !== null, 'the catch position from the vessel readings')
  const again = await createDemoBatches({ url, token: f.tokens.admin, now })
  t.same(again.codes, [], 'a second run on the same day keeps the existing batches')
  const page = await fetch(demo.pages[1])
  t.equal(page.status, 200)
})
