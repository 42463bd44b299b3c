import t from 'tap'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { freePort } from '../../../test/harness/ports.ts'
import { buildInfluxConfig } from './config.ts'
import { createInfluxQuery } from './query.ts'

const influxd = await startInfluxd({ t })

t.test('ensureDatabase creates the database and may run again', async t => {
  const query = createInfluxQuery(buildInfluxConfig({ url: influxd.url, database: 'shennong_test' }))
  await query.ensureDatabase()
  await query.ensureDatabase()
  const [result] = await query.query('SHOW DATABASES', { db: '' })
  t.ok(result.series?.[0].values.some(v => v[0] === 'shennong_test'))
})

t.test('query returns series with tags, columns and ms timestamps', async t => {
  const query = createInfluxQuery(buildInfluxConfig({ url: influxd.url, database: 'q1' }))
  await query.ensureDatabase()
  const res = await fetch(`${influxd.url}/write?db=q1&precision=ms`, { method: 'POST', body: 'soil,site=a,device=d1 temperature_c=18.5 1000\nsoil,site=a,device=d2 temperature_c=19 2000' })
  t.equal(res.status, 204)
  const results = await query.query('SELECT temperature_c FROM soil GROUP BY device; SELECT count(temperature_c) FROM soil')
  t.equal(results.length, 2, 'one result per statement')
  t.same(results[0].series, [
    { name: 'soil', tags: { device: 'd1' }, columns: ['time', 'temperature_c'], values: [[1000, 18.5]] },
    { name: 'soil', tags: { device: 'd2' }, columns: ['time', 'temperature_c'], values: [[2000, 19]] }
  ])
  t.same(results[1].series?.[0].values, [[0, 2]])
})

t.test('an InfluxQL error rejects with ERR_INFLUX_QUERY and InfluxDB\'s message', async t => {
  const query = createInfluxQuery(buildInfluxConfig({ url: influxd.url, database: 'q2' }))
  await query.ensureDatabase()
  await t.rejects(query.query('SELEC nonsense'), { code: 'ERR_INFLUX_QUERY', message: /error parsing query: found SELEC/ })
  await t.rejects(query.query('SELECT * FROM m', { db: 'no_such_db' }), { code: 'ERR_INFLUX_QUERY', message: /database not found: no_such_db/ })
})

t.test('an unreachable server rejects with ERR_INFLUX_UNAVAILABLE', async t => {
  const query = createInfluxQuery(buildInfluxConfig({ url: `http://127.0.0.1:${await freePort()}` }))
  await t.rejects(query.query('SHOW DATABASES'), { code: 'ERR_INFLUX_UNAVAILABLE' })
})
