// The engine publishes the geofence polygons (measurement `zone`) at start and after a reload,
// through the real InfluxDB sink into a real influxd; a reload overwrites the same points.
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../../../../test/harness/influxd.ts'
import { buildInfluxConfig } from '../../influx/config.ts'
import { createInfluxQuery } from '../../influx/query.ts'
import { createInfluxWriter } from '../../influx/create-writer.ts'
import { createInfluxSink } from '../../alerts/sinks/influx-sink.ts'
import { startAedes, startEngineRig, until, writeRules } from '../engine-fixture.ts'
import { zoneVertices } from './geofence.ts'

const rules = (east: number): string => `rules:
  - id: reserve-closed
    kind: geofence
    geofence:
      zones: [{ id: reserve-1, name: East reserve, polygon: [[122.6, 29.5], [${east}, 29.5], [${east}, 30.5]] }]
      moratorium:
        seaAreas: [{ id: east-sea, polygon: [[120, 26.5], [125, 26.5], [125, 35], [120, 35]], windows: [{ from: "05-01", until: "09-16" }] }]
  - id: vessel-silent
    kind: signal-loss
    signal-loss: { after: 30m, ports: [{ id: home, polygon: [[122.2, 29.85], [122.4, 29.85], [122.4, 30.05]] }] }
`

t.test('zoneVertices closes each ring and names the kind', async t => {
  const v = zoneVertices('r', { zones: [{ id: 'z', name: '', polygon: [[1, 2], [3, 2], [3, 4]] }], seaAreas: [], ports: [], offsetMs: 0, dwellMs: 0, severity: 'orange' })
  t.same(v.map(r => [r.vertex, r.lon, r.lat, r.kind, r.name]), [[0, 1, 2, 'zone', 'z'], [1, 3, 2, 'zone', 'z'], [2, 3, 4, 'zone', 'z'], [3, 1, 2, 'zone', 'z']])
})

t.test('the engine writes the zones at start and overwrites them at reload', async t => {
  const influxd = await startInfluxd({ t })
  const influx = buildInfluxConfig({ url: influxd.url, database: 'zones' })
  const query = createInfluxQuery(influx)
  await query.ensureDatabase()
  const writer = createInfluxWriter(influx)
  const broker = await startAedes()
  t.teardown(async () => { await writer.close(); await broker.close() })
  const dataDir = mkdtempSync(join(tmpdir(), 'shennong-zones-'))
  writeRules(join(dataDir, 'rules'), 'rules.yaml', rules(124.5))
  const rig = await startEngineRig({ dataDir, brokerUrl: broker.url, extraSinks: [createInfluxSink({}, { writer })], config: { watch: 'off' } })
  t.teardown(async () => { await rig.close() })

  const polygons = async () => {
    const [r] = await query.query('SELECT "lon", "lat", "vertex" FROM "zone" GROUP BY "rule", "zone", "kind"')
    return (r.series ?? []).map(s => ({ rule: s.tags?.rule, zone: s.tags?.zone, kind: s.tags?.kind, ring: s.values.map(v => [v[1], v[2], v[3]]) }))
  }
  await until('zone points', async () => (await polygons()).length === 2)
  const first = await polygons()
  t.same(first.map(p => [p.rule, p.zone, p.kind, p.ring.length]), [['reserve-closed', 'east-sea', 'moratorium', 5], ['reserve-closed', 'reserve-1', 'zone', 4]], 'the zone and the sea area, rings closed; no other rule kind')
  t.same(first[1].ring, [[122.6, 29.5, 0], [124.5, 29.5, 1], [124.5, 30.5, 2], [122.6, 29.5, 3]])

  writeRules(rig.rulesDir, 'rules.yaml', rules(124))
  t.ok(rig.engine.reload().ok)
  await until('moved corner', async () => (await polygons())[1]?.ring[1]?.[0] === 124)
  const after = await polygons()
  t.same(after[1].ring, [[122.6, 29.5, 0], [124, 29.5, 1], [124, 30.5, 2], [122.6, 29.5, 3]], 'a reload overwrites the same points')
})
