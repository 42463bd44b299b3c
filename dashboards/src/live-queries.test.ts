// Every dashboard query against a real influxd filled by the simulator through the real ingest
// path (HTTP → ingest log → pipeline → InfluxDB; rule engine → measurements `alert`, `aqi` and
// `water_class`), with the rollups created first the way ingest startup does, then backfilled. Gateway status, commands and
// their results go through a real broker to ingest's fleet-status subscriber (gateway_status, command).
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPrincipalStore, principalsPath } from '@shennong/core/principals.ts'
import { createMetricsRegistry } from '@shennong/core/metrics.ts'
import { startInfluxd } from '../../test/harness/influxd.ts'
import { startIngestFixture, eventually } from '../../ingest/src/testing/ingest-fixture.ts'
import { buildInfluxConfig } from '../../ingest/src/influx/config.ts'
import { createInfluxQuery, type InfluxSeries } from '../../ingest/src/influx/query.ts'
import { backfillRollups, buildRollupsConfig, ensureRollups } from '../../ingest/src/influx/rollups.ts'
import { createBrokerMetrics } from '../../broker/src/broker-metrics.ts'
import { startTestBroker } from '../../broker/src/test-fixture.ts'
import { buildTopic } from '@shennong/core/topics.ts'
import { runSim } from '../../device-sim/src/main.ts'
import type { GatewayCredential } from '../../device-sim/src/credentials.ts'
import { buildDashboards } from './build-dashboards.ts'

const RULES = `rules:
  - id: wheat-drought
    kind: drought
    drought: { plots: [{ id: plot-a, site: farm-a, devices: ['soil-0001'], fieldCapacityPct: 35 }] }
  - id: river-target
    kind: water-class
    water-class: { targets: { river-a: II } }
  - id: city-aqi
    kind: aqi
    aqi: { edition: by-date }
  - id: reserve-closed
    kind: geofence
    geofence:
      zones: [{ id: reserve-1, name: East reserve, polygon: [[122.6, 29.5], [124.5, 29.5], [124.5, 30.5], [122.6, 30.5]] }]
  - id: vessel-silent
    kind: signal-loss
    signal-loss: { after: 30m, grace: 1s, ports: [{ id: home, polygon: [[122.2, 29.85], [122.4, 29.85], [122.4, 30.05], [122.2, 30.05]] }] }
`

const DAYS = 3

t.test('dashboards against a real influxd filled by the simulator', async t => {
  const influxd = await startInfluxd({ t })
  const influxConfig = buildInfluxConfig({ url: influxd.url })
  const query = createInfluxQuery(influxConfig)
  // As ingest startup does: the database, then the rollups (raw becomes the default policy).
  await query.ensureDatabase()
  // Continuous queries that resample every 2 s; ingest gets the same levels (it runs ensureRollups at
  // startup, and other levels would replace these with ones that resample once a minute).
  const levels = [
    { name: 'rollup_5m', interval: '5m', duration: '400d', resampleEvery: '2s', resampleFor: '15m' },
    { name: 'rollup_1h', interval: '1h', duration: '0s', resampleEvery: '2s', resampleFor: '3h' }
  ]
  const rollups = buildRollupsConfig({ levels })
  // With the server's address, ensureRollups also writes the resolution map (forever.rp_config).
  await ensureRollups(query, rollups, { influx: influxConfig })

  const rulesDir = mkdtempSync(join(tmpdir(), 'shennong-dash-rules-'))
  writeFileSync(join(rulesDir, 'rules.yaml'), RULES)
  // The broker the gateways and the platform publish status, cmd and cmd-result to; ingest subscribes as a service.
  const broker = await startTestBroker(t)
  const service = { username: 'svc-ingest', password: await broker.add({ id: 'svc-ingest', kind: 'service', role: 'service' }) }
  const fixture = await startIngestFixture(t, {
    rules: { dir: rulesDir, watch: 'off', tick: '250ms' },
    rollups: { levels },
    fleetStatus: { mqtt: { url: `mqtt://127.0.0.1:${broker.ports.mqttPort}`, ...service } }
  }, { influx: influxd })

  const store = openPrincipalStore(principalsPath(fixture.dataDir))
  const credentials: GatewayCredential[] = []
  for (const [site, kinds] of [['farm-a', ['soil', 'weather']], ['river-a', ['water']], ['city-a', ['air']], ['fleet-a', ['vessel']]] as const) {
    const id = `gw-${site}`
    const { secret } = await store.add({ id, kind: 'gateway', sites: [site] })
    credentials.push({ site, id, secret, kinds: [...kinds] })
  }
  store.close()

  const simStarted = Date.now()
  const report = await runSim({
    httpUrl: fixture.ingest.url,
    credentials,
    devices: 'soil=3,weather=1,water=2,air=2,vessel=2',
    interval: '5m',
    duration: `${DAYS}d`,
    speed: 'max',
    perMessage: 24,
    seed: 11,
    dry: true,
    dryRate: 8,
    waterEpisode: '40h',
    airEpisode: '30h'
  })
  t.equal(report.readings.acknowledged, report.readings.sent, 'the simulator\'s readings were all accepted')
  const from = Date.parse(report.simulated.from)

  // Gateways report status (hourly here, the last one retained) and a flow opens and closes a valve.
  const fleet = fixture.ingest.fleetStatus
  if (fleet === undefined) throw new Error('ingest has no fleet-status subscriber')
  await eventually(() => fleet.stats().subscribed, 10_000, 'the fleet-status subscriber')
  const flows = await broker.connect({ username: 'svc-flows', password: await broker.add({ id: 'svc-flows', kind: 'service', role: 'service' }) })
  for (const [i, site] of ['farm-a', 'river-a'].entries()) {
    const id = `gw-${site}`
    const gateway = await broker.connect({ username: id, password: await broker.add({ id, kind: 'gateway', sites: [site] }), clientId: id })
    const topic = buildTopic({ site, id, channel: 'status' })
    for (let h = 6; h >= 1; h--) {
      const depth = h > 3 ? 0 : (4 - h) * 120 * (i + 1)
      await gateway.publishAsync(topic, JSON.stringify({
        state: 'online',
        ts: Date.now() - h * 3_600_000,
        spool: { depth, bytes: depth * 200, oldestUnsentAgeMs: depth * 30_000, dropped: { overflow: 0, expired: 0 } },
        clock: { state: 'synchronised' },
        sources: { 'field-bus': { kind: 'modbus', devices: { [`dev-${site}`]: { polls: 100 * h, failures: h, consecutiveFailures: h === 1 ? 2 : 0, errors: { timeout: h } } } } }
      }), { qos: 1, retain: h === 1 })
    }
    if (site === 'farm-a') {
      for (const [n, value] of [1, 0].entries()) {
        const cmdId = `irr-${n + 1}`
        await flows.publishAsync(buildTopic({ site, id, channel: 'cmd' }), JSON.stringify({ id: cmdId, name: 'valve', args: { device: 'valve-0001', value } }), { qos: 1 })
        await eventually(() => fleet.stats().messages['cmd.queued'] === n + 1, 10_000, `command ${cmdId}`)
        await gateway.publishAsync(buildTopic({ site, id, channel: 'cmd-result' }), JSON.stringify({ id: cmdId, ok: true, device: 'valve-0001', name: 'valve', result: { function: 5, register: 0, value }, ts: Date.now() }), { qos: 1 })
      }
    }
  }
  await eventually(() => fleet.stats().messages['status.queued'] === 12 && fleet.stats().messages['cmd-result.queued'] === 2, 10_000, 'status and results')
  await fleet.idle(10_000)
  t.same(fleet.stats().dropped, { overflow: 0, rejected: 0, failed: 0 }, 'every status and command point written')
  const to = Date.now()
  await fixture.ingest.pipeline.idle(60_000)
  await eventually(async () => {
    const [r] = await query.query('SELECT count("message") FROM "alert"')
    return (r.series?.[0]?.values[0][1] as number) > 0
  }, 30_000, 'alert points')
  // The aqi and water-class rules' index series: the closed hours of both air stations, every
  // reading of both water stations (their last points trail the alert points in the sink's buffer).
  // The simulator keeps several messages in flight, so a few readings reach the engine after a
  // later hour of their station closed: the aqi rule leaves such an hour out (docs/rules.md).
  const indexCounts = async (measurement: string, field: string): Promise<number[]> => {
    const [r] = await query.query(`SELECT count("${field}") FROM "${measurement}" GROUP BY "device"`)
    return (r.series ?? []).map(s => s.values[0][1] as number)
  }
  const airHours = Math.floor(DAYS * 24 * 0.8)
  const waterReadings = DAYS * 24 * 12
  await eventually(async () => {
    const aqi = await indexCounts('aqi', 'aqi')
    const wc = await indexCounts('water_class', 'class_number')
    return aqi.length === 2 && aqi.every(n => n >= airHours) && wc.length === 2 && wc.every(n => n >= waterReadings)
  }, 30_000, 'aqi points for the closed hours and water_class points for every reading')

  // Before the backfill, the continuous queries alone have rolled up the recent intervals only.
  const cqOnly = await eventually(async () => {
    const [r] = await query.query('SELECT count("readings") FROM "rollup_5m"."soil"')
    return r.series?.[0]?.values[0][1] as number | undefined
  }, 20_000, 'continuous query output')
  const [earliestCq] = await query.query('SELECT first("readings") FROM "rollup_5m"."soil"')
  await backfillRollups(query, rollups, { from, to })

  async function run (influxql: string): Promise<InfluxSeries[]> {
    const [result] = await query.query(influxql)
    return result.series ?? []
  }

  await t.test('the rule engine wrote the national-index series of the simulated stations', async t => {
    const aqi = await run(`SELECT "aqi", "level", "primary", "complete" FROM "aqi" WHERE time >= ${from}ms GROUP BY "site", "device"`)
    t.same(aqi.map(s => s.tags?.site), ['city-a', 'city-a'], 'aqi: both air stations of city-a')
    for (const series of aqi) {
      const hours = series.values.map(v => v[0] as number)
      t.ok(hours.every(h => h % 3_600_000 === 0), `${series.tags?.device}: one point per hour, at the hour's start`)
      t.equal(new Set(hours).size, hours.length, `${series.tags?.device}: no hour twice`)
      t.ok(series.values.some(v => (v[2] as number) >= 3 && v[3] !== ''), `${series.tags?.device}: the haze episode reaches level 3 with a primary pollutant`)
      t.ok(series.values.some(v => (v[2] as number) <= 2), `${series.tags?.device}: quiet hours are there too`)
    }
    const wc = await run(`SELECT "class_number", "class", "limiting", "target_number" FROM "water_class" WHERE time >= ${from}ms GROUP BY "site", "device"`)
    t.same(wc.map(s => s.tags?.site), ['river-a', 'river-a'], 'water_class: both water stations of river-a')
    for (const series of wc) {
      t.ok(series.values.every(v => v[4] === 2), `${series.tags?.device}: target II`)
      t.ok(series.values.some(v => (v[1] as number) > 2 && v[3] !== ''), `${series.tags?.device}: the episode is worse than the target, with limiting items`)
    }
  })

  await t.test('the continuous queries rolled up the latest intervals by themselves', async t => {
    t.ok(cqOnly !== undefined && cqOnly > 0, 'rollup_5m points before any backfill')
    const first = earliestCq.series?.[0].values[0][0] as number
    t.ok(first >= simStarted - 30 * 60_000, 'only recent intervals (RESAMPLE FOR) were covered by the continuous queries')
  })

  await t.test('the rollups agree with aggregates computed from the raw points', async t => {
    for (const [kind, metric] of [['soil', 'moisture_vwc_pct'], ['water', 'nh3n_mg_l'], ['air', 'pm25_ug_m3']] as const) {
      const raw = await run(`SELECT "${metric}" FROM "raw"."${kind}" WHERE time >= ${from}ms GROUP BY "device"`)
      t.ok(raw.length >= 2, `${kind}: raw series per device`)
      for (const [level, stepMs] of [['rollup_5m', 300_000], ['rollup_1h', 3_600_000]] as const) {
        const rolled = await run(`SELECT "${metric}", "${metric}_min", "${metric}_max", "readings" FROM "${level}"."${kind}" WHERE time >= ${Math.floor(from / stepMs) * stepMs}ms GROUP BY "device"`)
        let compared = 0
        for (const series of raw) {
          const buckets = new Map<number, number[]>()
          for (const [ts, v] of series.values as Array<[number, number]>) {
            const b = Math.floor(ts / stepMs) * stepMs
            buckets.set(b, [...(buckets.get(b) ?? []), v])
          }
          const rows = new Map((rolled.find(s => s.tags?.device === series.tags?.device)?.values ?? []).map(r => [r[0] as number, r]))
          t.equal(rows.size, buckets.size, `${level}.${kind} ${series.tags?.device}: one point per interval with readings`)
          let bad = 0
          for (const [b, values] of buckets) {
            const row = rows.get(b)
            const mean = values.reduce((a, v) => a + v, 0) / values.length
            const ok = row !== undefined &&
              Math.abs((row[1] as number) - mean) <= 1e-9 * Math.max(1, Math.abs(mean)) &&
              row[2] === Math.min(...values) && row[3] === Math.max(...values) && row[4] === values.length
            if (!ok) bad++
            compared++
          }
          t.equal(bad, 0, `${level}.${kind} ${series.tags?.device}: mean, min, max and count agree in every interval`)
        }
        t.ok(compared > (level === 'rollup_5m' ? 500 : 50), `${level}.${kind}: ${compared} intervals compared`)
      }
    }
  })

  interface Dash { file: string, json: Record<string, any> }

  function defaults (dash: Dash): Record<string, string> {
    const out: Record<string, string> = {}
    for (const v of dash.json.templating.list) if (v.type === 'textbox' || v.type === 'constant') out[v.name] = String(v.query)
    return out
  }

  function substitute (text: string, vars: Record<string, string>): string {
    return text.replace(/\$(\w+)/g, (whole, name: string) => vars[name] ?? whole)
  }

  for (const built of buildDashboards()) {
    const dash: Dash = { file: built.file, json: built.json }
    await t.test(`${built.file}: every InfluxQL query returns the columns its panel reads`, async t => {
      const now = Date.now()
      const vars: Record<string, string> = {
        ...defaults(dash),
        timeFilter: `time >= ${from}ms AND time <= ${now}ms`,
        __from: String(from),
        __to: String(now),
        resolution: 'auto',
        device: '.*'
      }
      // The rp variable, as Grafana runs it when the range changes ($__from/$__to in epoch ms).
      const rpVar = dash.json.templating.list.find((v: { name: string }) => v.name === 'rp')
      for (const [range, want] of [[3_600_000, 'raw'], [7 * 86_400_000, 'rollup_5m'], [90 * 86_400_000, 'rollup_1h']] as const) {
        const picked = (await run(substitute(rpVar.query, { __from: String(now - range), __to: String(now), resolution: 'auto' }))).flatMap(s => s.values.map(v => v[1]))
        t.same(picked, [want], `rp variable for a ${range / 3_600_000} h range: ${want}`)
      }
      const pinned = (await run(substitute(rpVar.query, { __from: String(now - 3_600_000), __to: String(now), resolution: 'rollup_1h' }))).flatMap(s => s.values.map(v => v[1]))
      t.same(pinned, ['rollup_1h'], 'resolution pins rp whatever the range')
      // Template variables first: site from its query, then device within that site.
      const siteVar = dash.json.templating.list.find((v: { name: string }) => v.name === 'site')
      const sites = (await run(siteVar.query)).flatMap(s => s.values.map(v => String(v[1])))
      t.ok(sites.length > 0, `site variable: ${sites.join(', ')}`)
      const checks = built.checks.filter(c => c.datasource === 'influxdb')
      for (const check of checks) {
        // Each panel with the first site that has data for it; the choice of $rp does not matter to a panel.
        const rps = check.query.includes('$rp') ? ['raw', 'rollup_5m', 'rollup_1h'] : ['raw']
        for (const rp of rps) {
          let best: { site: string, series: InfluxSeries[] } | undefined
          for (const site of check.refId === 'variable' && check.panel === 'variable: site' ? [''] : sites) {
            const q = substitute(check.query, { ...vars, site, rp, __interval: rp === 'rollup_1h' ? '1h' : '30m' })
            t.notMatch(q, /\$\w/, `${check.panel}: every variable substituted`)
            const series = await run(q)
            if (series.some(s => s.values.length > 0)) { best = { site, series }; break }
          }
          t.ok(best !== undefined, `${check.panel} (${check.refId}, rp=${rp}) returns data`)
          if (best === undefined) continue
          const columns = new Set(best.series.flatMap(s => [...s.columns, ...Object.keys(s.tags ?? {})]))
          for (const c of check.expect) t.ok(columns.has(c), `${check.panel} (rp=${rp}): column ${c}`)
          if (check.refId !== 'variable') {
            const nonNull = best.series.some(s => s.values.some(row => check.expect.filter(c => s.columns.includes(c)).every(c => row[s.columns.indexOf(c)] !== null)))
            t.ok(nonNull, `${check.panel} (rp=${rp}): a row with every expected value`)
          }
        }
      }
    })
  }

  await t.test('the Fleet map\'s zone layer returns the vertices of the geofence rule\'s zone', async t => {
    const fleet = buildDashboards().find(d => d.file === 'fleet.json')
    const check = fleet?.checks.find(c => c.panel === 'Latest positions and closed zones' && c.refId === 'B')
    t.ok(check !== undefined, 'the map has a zone target')
    const series = await run(substitute(check?.query ?? '', { geofence_rule: 'geofence|closed|reserve|moratorium' }))
    t.same(series.map(s => s.tags), [{ kind: 'zone', rule: 'reserve-closed', zone: 'reserve-1' }], 'one polygon: the rule\'s zone')
    const cols = series[0]?.columns ?? []
    const ring = (series[0]?.values ?? []).map(v => [v[cols.indexOf('longitude')], v[cols.indexOf('latitude')], v[cols.indexOf('vertex')], v[cols.indexOf('name')]])
    t.same(ring, [[122.6, 29.5, 0, 'East reserve'], [124.5, 29.5, 1, 'East reserve'], [124.5, 30.5, 2, 'East reserve'], [122.6, 30.5, 3, 'East reserve'], [122.6, 29.5, 4, 'East reserve']], 'the corners in order, closed by the first again')
  })

  await t.test('every Prometheus metric a panel uses is exported by ingest or the broker', async t => {
    const ingestText = await (await fetch(`${fixture.ingest.url}/metrics`)).text()
    const brokerRegistry = createMetricsRegistry()
    createBrokerMetrics(brokerRegistry)
    const exported = new Set([...`${ingestText}\n${brokerRegistry.render()}`.matchAll(/^# TYPE (\w+) (\w+)/gm)].flatMap(m => m[2] === 'histogram' ? [m[1], `${m[1]}_bucket`] : [m[1]]))
    const prom = buildDashboards().flatMap(d => d.checks.filter(c => c.datasource === 'prometheus'))
    t.ok(prom.length > 5)
    for (const check of prom) {
      const names = [...check.query.matchAll(/\bshennong_\w+/g)].map(m => m[0])
      t.ok(names.length > 0, `${check.panel} ${check.refId} names a metric`)
      for (const n of names) t.ok(exported.has(n), `${check.panel}: ${n} is exported`)
    }
  })
})
