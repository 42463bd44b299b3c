// The simulated HJ 212 station against a minimal platform built from the core codec on a real
// TCP socket: uploads with A=1 and re-sends without an answer, split packets, wrong password,
// reconnect storms, and an outage answered from its history when the platform asks.
import t from 'tap'
import { createServer, type Socket } from 'node:net'
import { buildDataReply, encodeHj212, formatDataTime, parseHj212, readHj212Cp } from '@shennong/core/codecs/hj212.ts'
import type { Hj212Packet } from '@shennong/core/codecs/hj212.ts'
import { createStation } from './station.ts'
import { runStation } from './run-station.ts'

interface Platform { port: number, packets: Hj212Packet[], connections: number, sockets: Socket[], ack: boolean, send: (p: Hj212Packet) => void }

async function platform (t: { teardown: (fn: () => unknown) => void }): Promise<Platform> {
  const p: Platform = { port: 0, packets: [], connections: 0, sockets: [], ack: true, send: pk => { p.sockets.at(-1)?.write(encodeHj212(pk)) } }
  const server = createServer(socket => {
    p.connections++
    p.sockets.push(socket)
    let rx = ''
    socket.on('data', chunk => {
      rx += chunk.toString()
      let end: number
      while ((end = rx.indexOf('\r\n')) >= 0) {
        const frame = rx.slice(0, end + 2)
        rx = rx.slice(end + 2)
        let packet: Hj212Packet
        try { packet = parseHj212(frame) } catch { continue }
        p.packets.push(packet)
        if (p.ack && packet.flag !== undefined && (packet.flag & 1) === 1 && packet.cn.startsWith('20')) socket.write(encodeHj212(buildDataReply(packet)))
      }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  p.port = (server.address() as { port: number }).port
  t.teardown(() => { for (const s of p.sockets) s.destroy(); return new Promise(resolve => server.close(resolve)) })
  return p
}

const MN = 'SIM00000000000000000001'
const T0 = Date.parse('2024-06-01T00:00:00Z')

t.test('uploads minute data with realistic values and re-sends an unanswered record', async t => {
  const p = await platform(t)
  const st = createStation({ port: p.port, mn: MN, password: '123456', kind: 'water', ackTimeoutMs: 150, retries: 2 })
  t.teardown(() => st.close())
  await st.connect()
  t.equal(await st.record('2051', T0), true)
  const [first] = p.packets
  t.equal(first.cn, '2051')
  t.equal(first.flag, 5)
  const factors = readHj212Cp(first.cp).factors
  const doAvg = Number(factors.find(f => f.code === 'w01009')!.values.Avg)
  t.ok(doAvg > 3 && doAvg < 12, `DO ${doAvg} mg/L`)
  const ph = Number(factors.find(f => f.code === 'w01001')!.values.Avg)
  t.ok(ph > 6.5 && ph < 8.5, `pH ${ph}`)
  p.ack = false
  t.equal(await st.record('2051', T0 + 600_000), false, 'not answered after 3 attempts')
  t.equal(p.packets.filter(x => readHj212Cp(x.cp).fields.DataTime === formatDataTime(new Date(T0 + 600_000))).length, 3)
  t.equal(st.stats.resent, 2)
})

t.test('split packets carry PNUM/PNO and the same DataTime; wrong password is sent as configured', async t => {
  const p = await platform(t)
  const st = createStation({ port: p.port, mn: MN, password: '123456', kind: 'air', faults: { splitPackets: true, wrongPassword: 'bad123' } })
  t.teardown(() => st.close())
  await st.connect()
  await st.record('2061', T0)
  t.same(p.packets.map(x => [x.pnum, x.pno, x.flag, x.pw]), [[2, 1, 7, 'bad123'], [2, 2, 7, 'bad123']])
  t.equal(new Set(p.packets.map(x => readHj212Cp(x.cp).fields.DataTime)).size, 1)
  t.not(p.packets[0].qn, p.packets[1].qn, 'each part has its own QN')
})

t.test('an outage goes to history; a history request is answered with 9011, the records, 9012', async t => {
  const p = await platform(t)
  const st = createStation({ port: p.port, mn: MN, password: '123456', kind: 'air', faults: { randomChunks: true, badCrc: 0.5 }, ackTimeoutMs: 200 })
  t.teardown(() => st.close())
  await st.connect()
  st.disconnect()
  for (let i = 0; i < 3; i++) t.equal(await st.record('2051', T0 + i * 600_000), false)
  await st.connect()
  await new Promise(resolve => setTimeout(resolve, 50))
  p.send({ qn: '20240601090000001', st: '22', cn: '2051', pw: '123456', mn: MN, flag: 5, cp: [[{ key: 'BeginTime', value: formatDataTime(new Date(T0)) }, { key: 'EndTime', value: formatDataTime(new Date(T0 + 1_200_000)) }]] })
  const deadline = Date.now() + 5000
  while (!p.packets.some(x => x.cn === '9012') && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
  const cns = p.packets.map(x => x.cn)
  t.equal(cns[0], '9011')
  t.equal(readHj212Cp(p.packets[0].cp).fields.QnRtn, '1')
  t.equal(cns.at(-1), '9012')
  t.equal(readHj212Cp(p.packets.at(-1)!.cp).fields.ExeRtn, '1')
  const times = new Set(p.packets.filter(x => x.cn === '2051').map(x => readHj212Cp(x.cp).fields.DataTime))
  t.equal(times.size, 3, 'all three history records sent')
  t.equal(st.stats.backfillRecordsSent, 3)
})

t.test('runStation: accelerated clock, reconnect storm, then minute records', async t => {
  const p = await platform(t)
  const run = runStation({ port: p.port, mn: MN, password: '123456', kind: 'air', minutes: 30, speed: 6000, reconnectStorm: 4, start: T0 })
  t.teardown(() => run.stop())
  const stats = await run.done
  t.equal(p.connections, 5, 'four storm connections and the real one')
  t.equal(p.packets.filter(x => x.cn === '2051').length, 4, 'records at 0, 10, 20 and 30 minutes')
  t.equal(stats.acked, 4)
})
