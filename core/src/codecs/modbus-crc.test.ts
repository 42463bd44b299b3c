import t from 'tap'
import { appendModbusCrc, checkModbusCrc, modbusCrc } from './modbus-crc.ts'

function hex (s: string): Uint8Array {
  return Uint8Array.from(s.trim().split(/\s+/), b => Number.parseInt(b, 16))
}

// spec/modbus-sensors.md §6.2 (our vectors) and §6.1 (published frames re-checked), plus §5.3/§5.4 frames.
const validFrames: Array<[string, string]> = [
  ['M1 read 3-in-1 soil', '01 03 00 00 00 03 05 CB'],
  ['M2 reply 22.5 % VWC, -3.2 °C, 1250 µS/cm', '01 03 06 00 E1 FF E0 04 E2 2E 08'],
  ['M3 read NPK', '01 03 00 04 00 03 44 0A'],
  ['M4 reply N 45, P 23, K 118', '01 03 06 00 2D 00 17 00 76 BC 91'],
  ['M5 read XY-MD02 T+RH', '01 04 00 01 00 02 20 0B'],
  ['M6 reply 24.3 °C, 58.7 %RH', '01 04 04 00 F3 02 4B 4A E0'],
  ['M7 exception illegal data address', '01 83 02 C0 F1'],
  ['M8 read DO probe', '0A 03 00 53 00 08 B5 66'],
  ['pH probe read (5.3)', '01 03 00 00 00 01 84 0A'],
  ['pH probe reply (5.3)', '01 03 02 00 42 38 75'],
  ['XY-MD02 read T (5.4)', '01 04 00 01 00 01 60 0A'],
  ['XY-MD02 reply 30.5 °C (5.4)', '01 04 02 01 31 79 74'],
  ['XY-MD02 read address (5.4)', '01 03 01 01 00 01 D4 36'],
  ['XY-MD02 set address 8 (5.4)', '01 06 01 01 00 08 D8 30'],
  ['published 01 03 00 00 00 07', '01 03 00 00 00 07 04 08'],
  ['published 7-in-1 reply', '01 03 0E 01 D0 01 4C 00 2C 00 5A 00 20 00 58 00 68 70 29'],
  ['published write 0x0004', '01 06 00 04 00 20 C9 D3'],
  ['published set address', '01 06 07 D0 00 02 08 86'],
  ['published set baud', '01 06 07 D1 00 02 59 46'],
  ['published broadcast address read', 'FF 03 07 D0 00 01 91 59'],
  ['published broadcast address reply', 'FF 03 02 00 01 50 50'],
  ['published read 4', '01 03 00 00 00 04 44 09'],
  ['published read input 2', '01 04 00 02 00 01 90 0A'],
  // §6.1: the four manual examples with wrong CRCs, with the corrected endings
  ['THC-S reply, corrected', '01 03 06 02 92 FF 9B 03 E8 D8 0F'],
  ['THCPH-S reply, corrected', '01 03 08 02 92 FF 9B 03 E8 00 38 57 B6'],
  ['XY-MD02 reply, corrected', '01 04 02 02 22 38 49'],
  ['XY-MD02 reply 2 regs, corrected', '01 04 04 02 22 02 22 DB 4F']
]

t.test('check value: CRC of ASCII "123456789" is 0x4B37 (C1)', async t => {
  t.equal(modbusCrc(new TextEncoder().encode('123456789')), 0x4b37)
})

t.test('CRC of 01 03 00 00 00 01 is 0x0A84, appended as 84 0A', async t => {
  const body = hex('01 03 00 00 00 01')
  t.equal(modbusCrc(body), 0x0a84)
  t.same([...appendModbusCrc(body)], [...hex('01 03 00 00 00 01 84 0A')])
})

t.test('CRC of an empty input is the initial value 0xFFFF', async t => {
  t.equal(modbusCrc(new Uint8Array(0)), 0xffff)
})

t.test('every spec frame: CRC checks, and appending the CRC to its body rebuilds it', async t => {
  for (const [name, frame] of validFrames) {
    const bytes = hex(frame)
    t.ok(checkModbusCrc(bytes), `${name}: checkModbusCrc`)
    t.equal(modbusCrc(bytes), 0, `${name}: CRC over the whole frame is 0`)
    t.same([...appendModbusCrc(bytes.subarray(0, -2))], [...bytes], `${name}: appendModbusCrc`)
  }
})

t.test('published manual replies with copy-paste CRCs fail the check', async t => {
  const wrong = [
    '01 03 06 02 92 FF 9B 03 E8 38 75',
    '01 03 08 02 92 FF 9B 03 E8 00 38 38 75',
    '01 04 02 02 22 D1 BA',
    '01 04 04 02 22 02 22 2A CE'
  ]
  for (const frame of wrong) t.notOk(checkModbusCrc(hex(frame)), frame)
})

t.test('M2 with its last byte changed fails the check', async t => {
  const bytes = hex('01 03 06 00 E1 FF E0 04 E2 2E 09')
  t.notOk(checkModbusCrc(bytes))
})

t.test('M2 with CRC bytes swapped (high byte first) fails the check', async t => {
  t.notOk(checkModbusCrc(hex('01 03 06 00 E1 FF E0 04 E2 08 2E')))
})

t.test('frames shorter than three bytes are never valid', async t => {
  t.notOk(checkModbusCrc(new Uint8Array(0)))
  t.notOk(checkModbusCrc(hex('FF FF')))
  t.notOk(checkModbusCrc(hex('01')))
})

t.test('appendModbusCrc does not modify its input', async t => {
  const body = hex('01 03 00 00 00 03')
  const out = appendModbusCrc(body)
  t.equal(body.length, 6)
  t.equal(out.length, 8)
})
