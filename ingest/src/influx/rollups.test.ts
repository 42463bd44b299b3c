import t from 'tap'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { buildInfluxConfig } from './config.ts'
import { createInfluxQuery } from './query.ts'
import { backfillRollups, buildRollupsConfig, ensureRollups, influxDuration, resolutionQuery, resolutionRanges, rollupContinuousQueries } from './rollups.ts'

const influxd = await startInfluxd({ t })

async function setup (database: string) {
  const query = createInfluxQuery(buildInfluxConfig({ url: influxd.url, database }))
  await query.ensureDatabase()
  return query
}

async function cqNames (query: ReturnType<typeof createInfluxQuery>, database: string): Promise<string[]> {
  const [res] = await query.query('SHOW CONTINUOUS QUERIES')
  return (res.series?.find(s => s.name === database)?.values ?? []).map(v => String(v[0])).sort()
}

t.test('influxDuration writes InfluxQL literals', async t => {
  t.equal(influxDuration('0s'), 'INF')
  t.equal(influxDuration('30d'), '30d')
  t.equal(influxDuration('90m'), '90m')
  t.equal(influxDuration('120m'), '2h')
  t.equal(influxDuration('1500ms'), '1500ms')
})

t.test('ensureRollups creates the policies and continuous queries, and is idempotent', async t => {
  const query = await setup('r1')
  const config = buildRollupsConfig({ database: 'r1' })
  const first = await ensureRollups(query, config)
  t.equal(first.created.length, 2 * 6, 'one continuous query per level and kind')
  const second = await ensureRollups(query, config)
  t.same(second, { created: [], dropped: [] }, 'a second run changes nothing')

  const [rps] = await query.query('SHOW RETENTION POLICIES ON r1')
  const byName = Object.fromEntries((rps.series?.[0].values ?? []).map(v => [v[0], v]))
  t.equal(byName.raw[1], '0s', 'raw kept forever by default')
  t.equal(byName.raw[4], true, 'raw is the default policy')
  t.equal(byName.rollup_5m[1], '9600h0m0s')
  t.equal(byName.rollup_1h[1], '0s', 'rollup_1h kept forever')
  t.same(await cqNames(query, 'r1'), rollupContinuousQueries(config).map(c => c.name).sort())
})

t.test('a changed definition replaces its continuous queries and keeps foreign ones', async t => {
  const query = await setup('r2')
  await ensureRollups(query, buildRollupsConfig({ database: 'r2' }))
  await query.query('CREATE CONTINUOUS QUERY "someone_else" ON "r2" BEGIN SELECT mean(x) INTO "r2"."autogen"."m2" FROM "m" GROUP BY time(1h) END')
  const changed = buildRollupsConfig({
    database: 'r2',
    raw: { name: 'raw', duration: '7d' },
    levels: [{ name: 'rollup_5m', interval: '5m', duration: '90d', resampleEvery: '30s', resampleFor: '10m' }]
  })
  const result = await ensureRollups(query, changed)
  t.equal(result.created.length, 6)
  t.equal(result.dropped.length, 12, 'both old levels dropped')
  const names = await cqNames(query, 'r2')
  t.ok(names.includes('someone_else'), 'a query not named shennong_ is left alone')
  t.equal(names.length, 7)
  const [rps] = await query.query('SHOW RETENTION POLICIES ON r2')
  const raw = rps.series?.[0].values.find(v => v[0] === 'raw')
  t.equal(raw?.[1], '168h0m0s', 'raw duration altered')
})

t.test('backfillRollups writes mean, min, max and readings per interval, per device', async t => {
  const query = await setup('r3')
  const config = buildRollupsConfig({ database: 'r3' })
  await ensureRollups(query, config)
  const base = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000 // within raw's 30 days
  const lines: string[] = []
  // Two devices, one reading a minute for 3 h; moisture = minute index (device b: + 100).
  for (let i = 0; i < 180; i++) {
    lines.push(`soil,site=farm-1,device=a moisture_vwc_pct=${i},seq=${i + 1}i ${base + i * 60_000}`)
    lines.push(`soil,site=farm-1,device=b moisture_vwc_pct=${i + 100},seq=${i + 1}i ${base + i * 60_000}`)
  }
  const res = await fetch(`${influxd.url}/write?db=r3&precision=ms`, { method: 'POST', body: lines.join('\n') })
  t.equal(res.status, 204)
  const [raw] = await query.query('SELECT count(moisture_vwc_pct) FROM raw.soil')
  t.equal(raw.series?.[0].values[0][1], 360, 'readings went to the default policy, raw')

  await backfillRollups(query, config, { from: base, to: base + 3 * 3_600_000 })
  const [fine] = await query.query(`SELECT moisture_vwc_pct, moisture_vwc_pct_min, moisture_vwc_pct_max, readings FROM rollup_5m.soil WHERE device = 'a' AND time >= ${base}ms`)
  t.equal(fine.series?.[0].values.length, 36)
  t.same(fine.series?.[0].values[1], [base + 300_000, 7, 5, 9, 5], 'minutes 5-9: mean 7, min 5, max 9, 5 readings')
  const [hourly] = await query.query(`SELECT moisture_vwc_pct, moisture_vwc_pct_min, moisture_vwc_pct_max, readings FROM rollup_1h.soil WHERE time >= ${base}ms GROUP BY device`)
  const b = hourly.series?.find(s => s.tags?.device === 'b')
  t.same(b?.values[2], [base + 2 * 3_600_000, 249.5, 220, 279, 60])
  t.same(b?.tags, { device: 'b' })
  const [tags] = await query.query('SHOW TAG VALUES FROM rollup_1h.soil WITH KEY = site')
  t.same(tags.series?.[0].values, [['site', 'farm-1']], 'the site tag is kept')
})

t.test('the continuous queries roll up recent readings by themselves', async t => {
  const query = await setup('r4')
  const config = buildRollupsConfig({
    database: 'r4',
    levels: [{ name: 'rollup_1m', interval: '1m', duration: '1d', resampleEvery: '1s', resampleFor: '5m' }]
  })
  await ensureRollups(query, config)
  const now = Date.now()
  const minute = Math.floor(now / 60_000) * 60_000 - 60_000
  const lines = [0, 10, 20, 30].map((s, i) => `air,site=city-1,device=aq-1 pm25_ug_m3=${10 * (i + 1)},seq=${i + 1}i ${minute + s * 1000}`)
  const res = await fetch(`${influxd.url}/write?db=r4&precision=ms`, { method: 'POST', body: lines.join('\n') })
  t.equal(res.status, 204)
  // influxd's test config runs continuous queries every second (bin/stack/influxd.ts).
  const deadline = Date.now() + 20_000
  let row: unknown[] | undefined
  while (Date.now() < deadline && row === undefined) {
    const [r] = await query.query(`SELECT pm25_ug_m3, pm25_ug_m3_min, pm25_ug_m3_max, readings FROM rollup_1m.air WHERE time = ${minute}ms`)
    row = r.series?.[0].values[0]
    if (row === undefined) await new Promise(resolve => setTimeout(resolve, 250))
  }
  t.same(row, [minute, 25, 10, 40, 4])
})

t.test('the resolution map picks raw, rollup_5m and rollup_1h from the range length', async t => {
  const query = await setup('r5')
  const influx = buildInfluxConfig({ url: influxd.url, database: 'r5' })
  const config = buildRollupsConfig({ database: 'r5' })
  t.same(resolutionRanges(config).map(r => [r.rp, r.start, r.end]), [
    ['raw', 0, 60 * 3_600_000], ['rollup_5m', 60 * 3_600_000, 30 * 86_400_000], ['rollup_1h', 30 * 86_400_000, 1e15]
  ], 'raw below 60 h, rollup_5m up to 30 d, rollup_1h beyond')
  await ensureRollups(query, config, { influx })
  await ensureRollups(query, config, { influx })
  const pick = async (rangeMs: number, resolution = 'auto'): Promise<unknown[]> => {
    const to = Date.now()
    // What Grafana sends: $__from and $__to expanded to epoch ms.
    const [r] = await query.query(resolutionQuery(String(to - rangeMs), String(to), resolution))
    return (r.series?.[0]?.values ?? []).map(v => v[1])
  }
  t.same(await pick(3_600_000), ['raw'], '1 h: raw')
  t.same(await pick(7 * 86_400_000), ['rollup_5m'], '7 d: rollup_5m')
  t.same(await pick(90 * 86_400_000), ['rollup_1h'], '90 d: rollup_1h')
  t.same(await pick(90 * 86_400_000, 'raw'), ['raw'], 'a resolution other than auto overrides the range')
  t.same(await pick(3_600_000, 'rollup_1h'), ['rollup_1h'])
  const [rps] = await query.query('SHOW RETENTION POLICIES ON r5')
  t.equal(rps.series?.[0].values.find(v => v[0] === 'forever')?.[1], '0s', 'the map lives in a policy kept forever')

  // One level fewer: the coarsest range now belongs to rollup_5m, and idx 2 is gone.
  await ensureRollups(query, buildRollupsConfig({ database: 'r5', levels: [config.levels[0]] }), { influx })
  t.same(await pick(90 * 86_400_000), ['rollup_5m'], 'after removing rollup_1h, 90 d: rollup_5m')
  const [all] = await query.query('SELECT "rp" FROM "forever"."rp_config"')
  t.equal(all.series?.[0].values.length, 2, 'the removed level\'s point is dropped')
})
