import t from 'tap'
import { SerialPort } from 'serialport'
import { parseNmea } from '@shennong/core/codecs/nmea.ts'
import { openPtyPair } from './pty-pair.ts'
import { startModbusBusSim } from './modbus-slave-sim.ts'
import { formatCoordinate, gnssEpoch } from './gnss-sim.ts'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

async function exchange (port: SerialPort, frame: Buffer, waitMs = 150): Promise<Buffer> {
  const chunks: Buffer[] = []
  const onData = (c: Buffer): void => { chunks.push(c) }
  port.on('data', onData)
  port.write(frame)
  await new Promise(resolve => setTimeout(resolve, waitMs))
  port.off('data', onData)
  return Buffer.concat(chunks)
}

t.test('Modbus slave simulator answers the spec frames byte for byte, and its faults', async t => {
  const pty = await openPtyPair()
  const sim = await startModbusBusSim({ path: pty.device, addresses: [1] })
  const master = new SerialPort({ path: pty.host, baudRate: 9600 })
  await new Promise(resolve => master.once('open', resolve))
  t.teardown(async () => { await new Promise<void>(resolve => master.close(() => resolve())); await sim.close(); await pty.close() })
  const s = sim.slave(1)
  // M1 → M2: 22.5 % VWC, −3.2 °C, 1250 µS/cm
  s.holding.set(0, 0x00e1); s.holding.set(1, 0xffe0); s.holding.set(2, 0x04e2)
  t.same(await exchange(master, hex('01 03 00 00 00 03 05 CB')), hex('01 03 06 00 E1 FF E0 04 E2 2E 08'), 'M1 → M2')
  // M5 → M6 from input registers
  s.input.set(1, 0x00f3); s.input.set(2, 0x024b)
  t.same(await exchange(master, hex('01 04 00 01 00 02 20 0B')), hex('01 04 04 00 F3 02 4B 4A E0'), 'M5 → M6')
  // 0x06 echoes the request (spec §2.2)
  t.same(await exchange(master, hex('01 06 00 04 00 20 C9 D3')), hex('01 06 00 04 00 20 C9 D3'))
  t.equal(s.holding.get(4), 0x20)
  sim.setFault(1, { kind: 'exception', code: 2 })
  t.same(await exchange(master, hex('01 03 00 00 00 01 84 0A')), hex('01 83 02 C0 F1'), 'M7 exception reply')
  sim.setFault(1, { kind: 'dead' })
  t.equal((await exchange(master, hex('01 03 00 00 00 01 84 0A'))).length, 0, 'a dead slave stays silent')
  sim.setFault(1, { kind: 'none' })
  t.equal((await exchange(master, hex('01 03 00 00 00 01 84 0B'))).length, 0, 'a request with a bad CRC is ignored')
  t.equal(sim.badFrames(), 1)
  t.equal((await exchange(master, hex('02 03 00 00 00 01 84 39'))).length, 0, 'another address is not answered')
})

t.test('GNSS simulator writes sentences core parses back to the same fix', async t => {
  t.same(formatCoordinate(29.91872333, true), ['2955.1234', 'N'])
  t.same(formatCoordinate(122.30946333, false), ['12218.5678', 'E'])
  t.same(formatCoordinate(-33.8534, true), ['3351.2040', 'S'])
  t.same(formatCoordinate(-151.21145833, false), ['15112.6875', 'W'])
  const ts = Date.UTC(2024, 5, 15, 2, 30, 12)
  const [gga, rmc] = gnssEpoch('BD', ts, 29.91872333, 122.30946333, 8.5, 45.3, 12, true)
  t.equal(rmc, '$BDRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,A,V*' + rmc.slice(-2))
  t.match(parseNmea(gga), { type: 'GGA', talker: 'BD', fixQuality: 1, satellites: 12, fix: true })
  t.match(parseNmea(rmc), { type: 'RMC', timestamp: ts, fix: true, sogKn: 8.5, cogDeg: 45.3 })
  const [noGga, noRmc] = gnssEpoch('GN', ts, 0, 0, 0, 0, 12, false)
  t.match(parseNmea(noGga), { fix: false, fixQuality: 0 })
  t.match(parseNmea(noRmc), { fix: false, status: 'V', latDeg: null })
})
