import t from 'tap'
import { readFileSync } from 'node:fs'
import { encodeHj212, parseDataTime } from '@shennong/core/codecs/hj212.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import { AIR_MN, WATER_MN, connectRawStation, cpField, startServerFixture } from './raw-station.ts'

const valid = JSON.parse(readFileSync(new URL('../../../core/src/codecs/testcases/hj212/valid.json', import.meta.url), 'utf8')) as Array<{ id: string, frame: string }>
const frame = (id: string): string => valid.find(v => v.id === id)!.frame
// G2 is a water packet; re-address it to the registered water station (MN, PW), CRC recomputed
const G2 = frame('G2')
const waterFrame = (f: string): string => {
  const seg = f.slice(6, -6).replace('PW=123456', 'PW=654321').replace(`MN=${AIR_MN}`, `MN=${WATER_MN}`)
  return encodeHj212(JSON.parse(JSON.stringify(parsePacket(seg))))
}
function parsePacket (segment: string) {
  const fields = Object.fromEntries(segment.slice(0, segment.indexOf(';CP=')).split(';').map(kv => kv.split('=')))
  const cpText = segment.slice(segment.indexOf('CP=&&') + 5, -2)
  return {
    qn: fields.QN, st: fields.ST, cn: fields.CN, pw: fields.PW, mn: fields.MN, flag: Number(fields.Flag),
    ...(fields.PNUM === undefined ? {} : { pnum: Number(fields.PNUM), pno: Number(fields.PNO) }),
    cp: cpText.split(';').map(g => g.split(',').map(kv => { const [key, value] = kv.split('='); return { key, value } }))
  }
}
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

t.test('appends the readings with topic, sender and transport, then answers 9014 echoing the QN', async t => {
  const fx = await startServerFixture(t)
  const st = await connectRawStation(fx.port)
  st.write(waterFrame(G2))
  const reply = await st.waitFor(p => p.cn === '9014')
  t.equal(reply.qn, '20240601120500456')
  t.equal(reply.st, '91')
  t.equal(reply.flag, 4)
  const entries = await fx.entries()
  t.equal(entries.length, 1)
  t.same(entries[0].meta.topic, 'shennong/v1/river-a/wqs-01/telemetry')
  t.equal(entries[0].meta.transport, 'hj212')
  t.equal(entries[0].meta.sender, `hj212:${WATER_MN}`)
  t.equal(entries[0].readings[0].metrics.do_mg_l, 6.85)
  t.equal(fx.server.metrics.records.get({ cn: '2011' }), 1)
  st.close()
})

t.test('the data answer goes out only after the ingest log append resolved', async t => {
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  let appendResolved = false
  const hold = (log: DurableQueue): DurableQueue => ({
    ...log,
    append: async items => {
      const ids = await log.append(items)
      await gate
      appendResolved = true
      return ids
    }
  })
  const fx = await startServerFixture(t, {}, { wrapLog: hold })
  const st = await connectRawStation(fx.port)
  st.write(waterFrame(G2))
  await sleep(400)
  t.same(st.received.map(p => p.cn), [], 'no 9014 while the append is pending')
  const replied = st.waitFor(p => p.cn === '9014')
  release()
  await replied
  t.ok(appendResolved, '9014 arrived after the append resolved')
  st.close()
})

t.test('a frame without A=1 is stored and not answered', async t => {
  const fx = await startServerFixture(t)
  const st = await connectRawStation(fx.port)
  st.write(frame('G1')) // Flag=4
  await sleep(300)
  t.equal((await fx.entries()).length, 1)
  t.same(st.received, [])
  st.close()
})

t.test('unknown MN and wrong password are refused with QnRtn 4 and 3, counted, and nothing is stored', async t => {
  const fx = await startServerFixture(t, { refuse: { closeAfter: 3 } })
  const st = await connectRawStation(fx.port)
  st.write(G2) // the air station's MN and password: accepted, but its water codes have no air mapping
  st.write(encodeHj212({ ...parsePacket(G2.slice(6, -6)), mn: 'NOBODY' }))
  const unknown = await st.waitFor(p => p.cn === '9011')
  t.equal(cpField(unknown, 'QnRtn'), '4')
  st.write(encodeHj212({ ...parsePacket(G2.slice(6, -6)), mn: WATER_MN, pw: '000000' }))
  const wrong = await st.waitFor(p => p.cn === '9011' && cpField(p, 'QnRtn') === '3')
  t.equal(wrong.mn, WATER_MN)
  t.equal(fx.server.metrics.refused.get({ reason: 'unknown-mn' }), 1)
  t.equal(fx.server.metrics.refused.get({ reason: 'wrong-password' }), 1)
  await st.waitFor(p => p.cn === '9014')
  t.equal((await fx.entries()).length, 0, 'nothing stored: refused packets, and G2 had no mapped factor')
  t.equal(fx.server.metrics.unmapped.get(), 9, 'the 9 unmapped factors are counted')
  st.write(encodeHj212({ ...parsePacket(G2.slice(6, -6)), mn: 'NOBODY' }))
  st.write(encodeHj212({ ...parsePacket(G2.slice(6, -6)), mn: 'NOBODY' }))
  st.write(encodeHj212({ ...parsePacket(G2.slice(6, -6)), mn: 'NOBODY' }))
  await st.closed
  t.pass('closed after three refusals in a row')
})

t.test('split packets are stored once complete, as one record, and each part is answered', async t => {
  const fx = await startServerFixture(t)
  const st = await connectRawStation(fx.port)
  st.write(waterFrame(frame('G4a')))
  await sleep(300)
  t.equal((await fx.entries()).length, 0, 'held until PNO 2 arrives')
  t.same(st.received, [], 'not answered before the append')
  st.write(waterFrame(frame('G4b')))
  await st.waitFor(p => p.cn === '9014' && p.qn === '20240601130000535')
  t.same(st.received.map(p => p.qn).sort(), ['20240601130000534', '20240601130000535'])
  const entries = await fx.entries()
  t.equal(entries.length, 1)
  const avg = entries[0].readings.find(r => r.device === 'wqs-01-hour')
  t.same(avg?.metrics, { ph: 7.6, do_mg_l: 6.8, nh3n_mg_l: 0.344, tp_mg_l: 0.08 })
  t.equal(fx.server.metrics.split.get({ outcome: 'complete' }), 1)
})

t.test('a split packet missing a part is stored after the reassembly timeout and counted incomplete', async t => {
  const fx = await startServerFixture(t, { splitReassemblyTimeout: '300ms' })
  const st = await connectRawStation(fx.port)
  st.write(waterFrame(frame('G4b')))
  const reply = await st.waitFor(p => p.cn === '9014', 3000)
  t.equal(reply.qn, '20240601130000535')
  const entries = await fx.entries()
  t.equal(entries.length, 1)
  t.same(entries[0].readings.find(r => r.device === 'wqs-01-hour')?.metrics, { nh3n_mg_l: 0.344, tp_mg_l: 0.08 })
  t.equal(fx.server.metrics.split.get({ outcome: 'incomplete' }), 1)
})

t.test('1013 is answered with 9013 then 1012 carrying the platform clock; a skewed 1011 is corrected', async t => {
  const platform = Date.parse('2024-06-01T04:00:00Z')
  const fx = await startServerFixture(t, { timeCalibration: { onConnect: 'request-time', maxSkew: '30s' } }, { now: () => platform })
  const st = await connectRawStation(fx.port)
  st.write(encodeHj212({ qn: '20240601120000001', st: '22', cn: '1013', pw: '123456', mn: AIR_MN, flag: 4, cp: [] }))
  const ask = await st.waitFor(p => p.cn === '1011')
  t.equal(ask.mn, AIR_MN, 'request-time: 1011 sent when the station first authenticates')
  await st.waitFor(p => p.cn === '9013')
  const set = await st.waitFor(p => p.cn === '1012')
  t.equal(parseDataTime(cpField(set, 'SystemTime')!).getTime(), platform)
  st.write(encodeHj212({ qn: ask.qn, st: '22', cn: '1011', pw: '123456', mn: AIR_MN, flag: 4, cp: [[{ key: 'SystemTime', value: '20240601120500' }]] }))
  await st.waitFor(p => p.cn === '1012')
  t.equal(st.received.filter(p => p.cn === '1012').length, 2, 'a clock 5 min fast is set')
  st.write(encodeHj212({ qn: ask.qn, st: '22', cn: '1011', pw: '123456', mn: AIR_MN, flag: 4, cp: [[{ key: 'SystemTime', value: '20240601120010' }]] }))
  await sleep(200)
  t.equal(st.received.filter(p => p.cn === '1012').length, 2, 'within maxSkew: left alone')
})

t.test('9015 heartbeat is accepted only with edition 2025', async t => {
  const hb = encodeHj212({ qn: '20240601120000001', st: '22', cn: '9015', pw: '123456', mn: AIR_MN, flag: 5, cp: [] }, { unknownCn: 'accept' })
  const fx17 = await startServerFixture(t)
  const a = await connectRawStation(fx17.port)
  a.write(hb)
  await sleep(200)
  t.equal(fx17.server.metrics.rejected.get({ reason: 'UNKNOWN_CN' }), 1)
  t.same(a.received, [])
  const fx25 = await startServerFixture(t, { edition: '2025' })
  const b = await connectRawStation(fx25.port)
  b.write(hb)
  const reply = await b.waitFor(p => p.cn === '9014')
  t.equal(reply.qn, '20240601120000001')
  a.close()
  b.close()
})

t.test('connections beyond maxConnections are closed and counted; idle ones time out', async t => {
  const fx = await startServerFixture(t, { maxConnections: 1, idleTimeout: '300ms' })
  const a = await connectRawStation(fx.port)
  const b = await connectRawStation(fx.port)
  await b.closed
  t.equal(fx.server.metrics.connectionsTotal.get({ outcome: 'over-limit' }), 1)
  a.write(G2.slice(0, 50))
  await a.closed
  t.equal(fx.server.metrics.connectionsTotal.get({ outcome: 'idle-timeout' }), 1)
  t.equal(fx.server.metrics.rejected.get({ reason: 'TRUNCATED' }), 1, 'the partial frame is counted')
})
