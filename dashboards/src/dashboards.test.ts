import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import Value from 'typebox/value'
import { DashboardSchema } from './dashboard-schema.ts'
import { buildDashboards, formatDashboard, JSON_DIR } from './build-dashboards.ts'

const PROVISIONING = join(JSON_DIR, '..', 'provisioning')
const files = readdirSync(JSON_DIR).filter(f => f.endsWith('.json')).sort()
const dashboards = files.map(f => ({ file: f, json: JSON.parse(readFileSync(join(JSON_DIR, f), 'utf8')) as Record<string, any> }))

const provisioned = parseYaml(readFileSync(join(PROVISIONING, 'datasources', 'shennong.yaml'), 'utf8')) as { datasources: Array<{ uid: string, type: string, url: string, jsonData?: Record<string, unknown>, secureJsonData?: Record<string, unknown>, user?: string }> }
const datasourceUids = new Map(provisioned.datasources.map(d => [d.uid, d.type]))

/** Every { type, uid } datasource reference anywhere in a JSON value. */
function datasourceRefs (value: unknown, out: Array<{ type?: string, uid?: string }> = []): Array<{ type?: string, uid?: string }> {
  if (Array.isArray(value)) for (const v of value) datasourceRefs(v, out)
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'datasource') out.push(typeof v === 'string' ? { uid: v } : v as { type?: string, uid?: string })
      else datasourceRefs(v, out)
    }
  }
  return out
}

t.test('the JSON files are what the generator builds (run node dashboards/src/build-dashboards.ts)', async t => {
  const built = buildDashboards()
  t.same(files, built.map(b => b.file).sort(), 'one file per dashboard, no strays')
  for (const b of built) t.equal(readFileSync(join(JSON_DIR, b.file), 'utf8'), formatDashboard(b.json), b.file)
})

t.test('the six dashboards are there with unique uids', async t => {
  t.same(dashboards.map(d => d.json.uid).sort(), ['shennong-air', 'shennong-alerts', 'shennong-farm', 'shennong-fleet', 'shennong-pipeline', 'shennong-water'])
})

for (const { file, json } of dashboards) {
  t.test(`${file} is valid against the dashboard schema`, async t => {
    const errors = [...Value.Errors(DashboardSchema, json)].map(e => `${(e as { instancePath?: string }).instancePath ?? ''}: ${e.message}`)
    t.same(errors, [], 'no schema errors')
    const ids = json.panels.map((p: { id: number }) => p.id)
    t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
    for (const p of json.panels) t.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`)
    const names = json.templating.list.map((v: { name: string }) => v.name)
    t.ok(names.includes('site') && names.includes('device'), 'site and device variables')
    for (const name of ['site', 'device']) {
      const v = json.templating.list.find((x: { name: string }) => x.name === name)
      t.match(v.query, /^SHOW TAG VALUES( FROM "\w+")? WITH KEY = "(site|device)"/, `${name} lists tag values`)
    }
    const alertAnnotation = json.annotations.list.find((a: { name: string }) => a.name === 'Alerts')
    t.match(alertAnnotation?.query, /FROM "alert"/, 'alert annotations from the alert measurement')
  })

  t.test(`${file} references only the provisioned datasources`, async t => {
    const refs = datasourceRefs(json).filter(r => r.uid !== '-- Grafana --')
    t.ok(refs.length > 0)
    for (const r of refs) {
      t.ok(r.uid !== undefined && datasourceUids.has(r.uid), `datasource ${r.uid} is provisioned`)
      t.equal(r.type, datasourceUids.get(r.uid ?? ''), `datasource ${r.uid} has its provisioned type`)
    }
    // Every variable a query uses is defined on the dashboard (or is one of Grafana's own).
    const defined = new Set([...json.templating.list.map((v: { name: string }) => v.name), 'timeFilter', '__all', '__interval', '__from', '__to', '__rate_interval', 'tag_device', 'tag_site', 'tag_severity', 'tag_gateway'])
    const text = JSON.stringify([json.panels, json.annotations, json.templating])
    for (const m of text.matchAll(/\$\{?(\w+)/g)) t.ok(defined.has(m[1]), `$${m[1]} is defined`)
  })
}

t.test('the provisioning files take the server, database and credentials from the environment', async t => {
  const influx = provisioned.datasources.find(d => d.uid === 'shennong-influxdb')
  t.equal(influx?.type, 'influxdb')
  t.equal(influx?.url, '${SHENNONG_INFLUX_URL}')
  t.equal(influx?.user, '${SHENNONG_INFLUX_USER}')
  t.equal(influx?.jsonData?.dbName, '${SHENNONG_INFLUX_DATABASE}')
  t.equal(influx?.secureJsonData?.password, '${SHENNONG_INFLUX_PASSWORD}')
  t.equal(provisioned.datasources.find(d => d.uid === 'shennong-prometheus')?.url, '${SHENNONG_PROMETHEUS_URL}')
  const providers = parseYaml(readFileSync(join(PROVISIONING, 'dashboards', 'shennong.yaml'), 'utf8')) as { providers: Array<{ type: string, options: { path: string } }> }
  t.equal(providers.providers[0].type, 'file')
  t.equal(providers.providers[0].options.path, '${SHENNONG_DASHBOARDS_DIR}')
})
