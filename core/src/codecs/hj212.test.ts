import t from 'tap'
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import { ShennongError } from '../errors.ts'
import { modbusCrc } from './modbus-crc.ts'
import {
  buildDataReply, buildExecutionReply, buildNoticeReply, buildRequestReply, buildTimeCalibration,
  decodeHj212Flag, encodeHj212, encodeHj212Flag, EXE_RTN, formatDataTime, formatHj212Crc, formatQn,
  HJ212_2005_COMMANDS, HJ212_COMMANDS, hj212Crc, hj212Edition, parseDataTime, parseHj212, parseQn,
  QN_RTN, readHj212Cp
} from './hj212.ts'
import type { Hj212Options, Hj212Packet } from './hj212.ts'

interface Vector { id: string, description: string, length: number, crc: string, frame: string }
interface BadVector { id: string, mutation: string, frame: string, code: string, reason: string }
const load = <T>(name: string): T[] => JSON.parse(readFileSync(new URL(`testcases/hj212/${name}`, import.meta.url), 'utf8'))
const valid = load<Vector>('valid.json')
const malformed = load<BadVector>('malformed.json')
const fieldShapes = load<Vector>('field-shapes.json')
const byId = (id: string): string => [...valid, ...fieldShapes].find(v => v.id === id)!.frame
const segmentOf = (frame: string): string => frame.slice(6, -6)

function rejects (t: Test, fn: () => unknown, code: string, reason?: string, msg?: string): ShennongError | undefined {
  try {
    fn()
  } catch (err) {
    t.ok(err instanceof ShennongError, `${msg ?? code}: a ShennongError`)
    const e = err as ShennongError
    t.equal(e.code, code, `${msg ?? code}: code`)
    if (reason !== undefined) t.equal(e.details?.reason, reason, `${msg ?? code}: reason`)
    return e
  }
  t.fail(`${msg ?? code}: accepted`)
  return undefined
}

t.test('CRC: every spec vector, Appendix A gives 1C80 where Modbus gives 0759', async t => {
  t.equal(valid.length, 7)
  for (const v of valid) t.equal(formatHj212Crc(hj212Crc(segmentOf(v.frame))), v.crc, v.id)
  const g6 = new TextEncoder().encode(segmentOf(byId('G6')))
  t.equal(hj212Crc(g6), 0x1c80, 'bytes and string agree')
  t.equal(formatHj212Crc(modbusCrc(g6)), '0759', 'CRC-16/MODBUS differs')
  t.equal(hj212Crc(''), 0xffff, 'empty segment is the initial value')
  t.equal(formatHj212Crc(0x9c), '009C', 'zero-padded to 4 digits')
})

t.test('CRC: at most 256 distinct values, low byte always in {00,01,40,41,80,81,C0,C1}', async t => {
  let seed = 7
  const seen = new Set<number>()
  for (let i = 0; i < 20_000; i++) {
    const s = Array.from({ length: 1 + (i % 40) }, () => String.fromCharCode(32 + ((seed = (seed * 1103515245 + 12345) >>> 0) % 95))).join('')
    const crc = hj212Crc(s)
    seen.add(crc)
    if (![0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xc0, 0xc1].includes(crc & 0xff)) t.fail(`low byte of ${crc.toString(16)}`)
  }
  t.equal(seen.size, 256)
})

t.test('every valid spec vector parses and re-encodes byte for byte', async t => {
  for (const v of valid) {
    const p = parseHj212(v.frame)
    t.equal(encodeHj212(p), v.frame, v.id)
    t.equal(Buffer.byteLength(segmentOf(v.frame)), v.length, `${v.id} length`)
    t.same(parseHj212(Buffer.from(v.frame)), p, `${v.id} from bytes`)
  }
})

t.test('G1: header fields, Flag bits and per-factor CP values', async t => {
  const p = parseHj212(byId('G1'))
  t.match(p, { qn: '20240601120000123', st: '22', cn: '2011', pw: '123456', mn: '010000A8900016F000169DC0', flag: 4 })
  t.notOk('pnum' in p)
  t.same(decodeHj212Flag(p.flag), { version: 1, split: false, answerRequested: false })
  t.equal(hj212Edition(p.flag), '2017')
  const view = readHj212Cp(p.cp)
  t.equal(view.fields.DataTime, '20240601120000')
  t.equal(view.factors.length, 11)
  t.same({ ...view.factors[0].values }, { Rtd: '35', Flag: 'N' })
  t.equal(view.factors[0].code, 'a34004')
  t.same({ ...view.factors.find(f => f.code === 'a01006')!.values }, { Rtd: '101.25', Flag: 'N' })
  t.same(parseDataTime(view.fields.DataTime), new Date('2024-06-01T04:00:00Z'), 'DataTime is Beijing time by default')
})

t.test('G2 keeps the text of numbers (412.0, 0.082) and the M flag', async t => {
  const view = readHj212Cp(parseHj212(byId('G2')).cp)
  t.equal(view.factors.find(f => f.code === 'w01014')!.values.Rtd, '412.0')
  t.equal(view.factors.find(f => f.code === 'w21011')!.values.Rtd, '0.082')
  t.equal(view.factors.find(f => f.code === 'w21001')!.values.Flag, 'M')
  t.same(decodeHj212Flag(5), { version: 1, split: false, answerRequested: true })
})

t.test('G4: split parts carry PNUM/PNO and D+A bits; each part is self-contained', async t => {
  const [a, b] = [parseHj212(byId('G4a')), parseHj212(byId('G4b'))]
  t.match(a, { flag: 7, pnum: 2, pno: 1 })
  t.match(b, { flag: 7, pnum: 2, pno: 2 })
  t.same(decodeHj212Flag(7), { version: 1, split: true, answerRequested: true })
  t.equal(readHj212Cp(a.cp).fields.DataTime, readHj212Cp(b.cp).fields.DataTime)
  t.equal(encodeHj212(buildDataReply(b)), encodeHj212({ ...buildDataReply(a), qn: '20240601130000535' }), 'replies differ only in QN')
})

t.test('G5 is exactly the 9014 reply built for G2', async t => {
  t.equal(encodeHj212(buildDataReply(parseHj212(byId('G2')))), byId('G5'))
  t.same(parseHj212(byId('G5')).cp, [], 'CP=&&&& is an empty area')
})

t.test('G6 (Appendix A): 1062 with RtdInterval', async t => {
  t.same(readHj212Cp(parseHj212(byId('G6')).cp).fields, Object.assign(Object.create(null), { RtdInterval: '30' }))
})

t.test('every malformed spec vector is rejected with its code and §9 reason', async t => {
  t.equal(malformed.length, 7)
  for (const b of malformed) {
    rejects(t, () => parseHj212(b.frame), b.code, b.reason, b.id)
    rejects(t, () => parseHj212(Buffer.from(b.frame)), b.code, b.reason, `${b.id} bytes`)
  }
  const e = rejects(t, () => parseHj212(malformed[0].frame), 'ERR_HJ212_CRC')
  t.match(e?.details, { expected: 'FA01', actual: 'FA00' }, 'B1 names the expected CRC')
  t.match(rejects(t, () => parseHj212(malformed[1].frame), 'ERR_HJ212_LENGTH')?.details, { declared: 428, actual: 429 })
})

t.test('field-shaped packets: lower-case CRC, no QN/Flag, Flag=8, 17-digit DataTime, spaces, UTF-8 log text', async t => {
  for (const v of fieldShapes) {
    const p = parseHj212(v.frame)
    const expected = v.id === 'F7' ? null : v.frame.slice(0, -6) + v.frame.slice(-6).toUpperCase()
    if (expected !== null) t.equal(encodeHj212(p), expected, `${v.id} re-encodes (CRC in upper case)`)
    t.equal(Buffer.byteLength(segmentOf(v.frame)), v.length, `${v.id} length`)
  }
  const f1 = parseHj212(byId('F1'))
  t.notOk('qn' in f1 || 'flag' in f1, 'F1 has no QN and no Flag')
  t.same(decodeHj212Flag(undefined), { version: undefined, split: false, answerRequested: false })
  t.same(parseDataTime(readHj212Cp(f1.cp).fields.DataTime), new Date('2024-06-01T04:00:00Z'), '17-digit DataTime, ms dropped')
  t.equal(parseHj212(byId('F2')).flag, 8)
  t.equal(decodeHj212Flag(8).version, 2)
  t.equal(hj212Edition(8), undefined)
  t.same(parseHj212(byId('F3')).cp[0][0], { key: 'BeginTime', value: '20240601000000', raw: ' BeginTime=20240601000000 ' })
  const info = readHj212Cp(parseHj212(byId('F4')).cp).factors.find(f => f.code === 'i11001')!.values.Info
  t.equal(info, '//自检完成; 量程=0-500, 状态正常//')
  t.equal(parseHj212(byId('F5')).cp.at(-1)!.length, 0, 'trailing ; is an empty last group')
  const f7 = parseHj212(byId('F7'))
  t.match(f7, { pnum: 1, pno: 1 })
  t.match(encodeHj212(f7), /;MN=[0-9A-F]{24};PNUM=1;PNO=1;CP=/, 'written back in standard order')
})

t.test('length counting chars is accepted only with lengthCountsChars', async t => {
  const seg = segmentOf(byId('F4'))
  const lying = `##${String(seg.length).padStart(4, '0')}${seg}${formatHj212Crc(hj212Crc(seg))}\r\n`
  rejects(t, () => parseHj212(lying), 'ERR_HJ212_LENGTH', 'LENGTH_MISMATCH')
  const p = parseHj212(lying, { lengthCountsChars: true })
  t.equal(encodeHj212(p, { lengthCountsChars: true }), lying)
  t.equal(encodeHj212(p), byId('F4'))
})

const G1 = (): Hj212Packet => parseHj212(byId('G1'))
const seg = (s: string): string => `##${String(Buffer.byteLength(s)).padStart(4, '0')}${s}${formatHj212Crc(hj212Crc(s))}\r\n`
const H = 'QN=20240601120000123;ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=4'

t.test('data segment errors name the field', async t => {
  const cases: Array<[string, string, string]> = [
    [H.replace('ST=22;', ''), 'ERR_HJ212_FIELD', 'MISSING_ST'],
    [H.replace('CN=2011;', ''), 'ERR_HJ212_FIELD', 'MISSING_CN'],
    [H.replace('PW=123456;', ''), 'ERR_HJ212_FIELD', 'MISSING_PW'],
    [H.replace(/MN=\w+;/, ''), 'ERR_HJ212_FIELD', 'MISSING_MN'],
    [H.replace('QN=20240601120000123', 'QN=20240631120000123'), 'ERR_HJ212_FIELD', 'BAD_QN'],
    [H.replace('ST=22', 'ST=2'), 'ERR_HJ212_FIELD', 'BAD_ST'],
    [H.replace('CN=2011', 'CN=201A'), 'ERR_HJ212_FIELD', 'BAD_CN'],
    [H.replace('CN=2011', 'CN=9015'), 'ERR_HJ212_CN', 'UNKNOWN_CN'],
    [H.replace('Flag=4', 'Flag=256'), 'ERR_HJ212_FIELD', 'BAD_FLAG'],
    [H.replace('Flag=4', 'Flag=x'), 'ERR_HJ212_FIELD', 'BAD_FLAG'],
    [H.replace('Flag=4', 'Flag=6'), 'ERR_HJ212_FIELD', 'MISSING_PNUM'],
    [H + ';PNUM=2', 'ERR_HJ212_FIELD', 'MISSING_PNO'],
    [H.replace('Flag=4', 'Flag=6;PNUM=2;PNO=3'), 'ERR_HJ212_FIELD', 'BAD_PNO'],
    [H.replace('Flag=4', 'Flag=6;PNUM=0;PNO=0'), 'ERR_HJ212_FIELD', 'BAD_PNUM'],
    [H + ';ST=22', 'ERR_HJ212_FIELD', 'DUPLICATE_FIELD'],
    [H + ';XX=1', 'ERR_HJ212_FIELD', 'UNKNOWN_FIELD'],
    [H + ';;', 'ERR_HJ212_FIELD', 'BAD_FIELD'],
    [H.replace('MN=010000A8900016F000169DC0', 'MN=A&B'), 'ERR_HJ212_FIELD', 'BAD_MN'],
    [H.replace('MN=010000A8900016F000169DC0', 'MN=0123456789ABCDEF012345678'), 'ERR_HJ212_FIELD', 'BAD_MN']
  ]
  for (const [h, code, reason] of cases) rejects(t, () => parseHj212(seg(`${h};CP=&&&&`)), code, reason, `${reason}: ${h.slice(-30)}`)
})

t.test('CP syntax errors are ERR_HJ212_CP', async t => {
  const cases: Array<[string, string]> = [
    [`${H};CP=&&a34004-Rtd=1`, 'BAD_CP'],
    [`${H};CP=&&&`, 'BAD_CP'],
    [`${H}`, 'BAD_CP'],
    [`${H};CP=&&a34004-Rtd&&`, 'BAD_CP'],
    [`${H};CP=&&a34004-Rtd=1,&&`, 'BAD_CP'],
    [`${H};CP=&&a34004-Rtd=1,,a34004-Flag=N&&`, 'BAD_CP'],
    [`${H};CP=&&-Rtd=1&&`, 'BAD_CP'],
    [`${H};CP=&&a3 4004-Rtd=1&&`, 'BAD_CP'],
    [`${H};CP=&&a34004-Rtd=1=2&&`, 'BAD_CP'],
    [`${H};CP=&&a34004-Rtd=1\t&&`, 'BAD_CP'],
    [`${H};CP=&&i11001-Info=//never closed&&`, 'BAD_CP'],
    [`${H};CP=&&DataTime=20240230120000&&`, 'BAD_TIME'],
    [`${H};CP=&&DataTime=2024060112&&`, 'BAD_TIME'],
    [`${H};CP=&&BeginTime=20240601250000&&`, 'BAD_TIME']
  ]
  for (const [s, reason] of cases) rejects(t, () => parseHj212(seg(s)), 'ERR_HJ212_CP', reason, `${reason}: ${s.slice(80)}`)
})

t.test('frame-level edge cases', async t => {
  const g1 = byId('G1')
  rejects(t, () => parseHj212(''), 'ERR_HJ212_TRUNCATED', 'TRUNCATED')
  rejects(t, () => parseHj212('##04'), 'ERR_HJ212_TRUNCATED', 'TRUNCATED')
  rejects(t, () => parseHj212('##1025' + 'x'.repeat(1031)), 'ERR_HJ212_LENGTH', 'LENGTH_TOO_LARGE')
  rejects(t, () => parseHj212(g1.slice(0, -3) + '\r\n'), 'ERR_HJ212_LENGTH', 'LENGTH_MISMATCH', 'short frame with CR LF')
  rejects(t, () => parseHj212(g1 + g1), 'ERR_HJ212_LENGTH', 'LENGTH_MISMATCH', 'two frames at once')
  t.ok(parseHj212(g1.replace('FA01', 'fa01')), 'CRC compared case-insensitively')
  const bytes = Buffer.from(seg(`${H};CP=&&i11001-Info=//x//&&`))
  const at = bytes.indexOf('//x//') + 2
  bytes[at] = 0xff // invalid UTF-8, CRC recomputed so only the encoding is wrong
  const body = bytes.subarray(6, -6)
  Buffer.from(formatHj212Crc(hj212Crc(body))).copy(bytes, bytes.length - 6)
  rejects(t, () => parseHj212(bytes), 'ERR_HJ212_FRAME', 'BAD_ENCODING')
})

t.test('strict mode wants the 2017 text; lenient (default) takes field practice', async t => {
  const strict: Hj212Options = { mode: 'strict' }
  for (const v of valid) t.equal(encodeHj212(parseHj212(v.frame, strict), strict), v.frame, `${v.id} strict`)
  rejects(t, () => parseHj212(byId('F1'), strict), 'ERR_HJ212_FIELD', 'MISSING_QN')
  rejects(t, () => parseHj212(byId('F2'), strict), 'ERR_HJ212_FIELD', 'BAD_MN')
  rejects(t, () => parseHj212(byId('F5'), strict), 'ERR_HJ212_FIELD', 'BAD_MN')
  rejects(t, () => parseHj212(byId('F7'), strict), 'ERR_HJ212_FIELD', 'MISSING_FLAG')
  rejects(t, () => parseHj212(seg(`${H};CP=&&a34004-Rtd=abc&&`), strict), 'ERR_HJ212_CP', 'BAD_VALUE')
  rejects(t, () => parseHj212(seg(`${H};CP=&&DataTime=20240601120000000&&`), strict), 'ERR_HJ212_CP', 'BAD_TIME')
  rejects(t, () => parseHj212(seg(`${H};CP=&&DataTime=20240601120000;&&`), strict), 'ERR_HJ212_CP', 'BAD_CP')
  t.ok(parseHj212(seg(`${H};CP=&&a34004-Rtd=abc,a34004-Flag=&&`)), 'lenient keeps odd values as text')
  const big = `${H};CP=&&${Array.from({ length: 64 }, (_, i) => `a${String(10000 + i)}-Rtd=1.0`).join(';')}&&`
  t.ok(parseHj212(seg(big), { maxLength: 2000 }), 'lenient: no separate CP limit')
  rejects(t, () => parseHj212(seg(big), { ...strict, maxLength: 2000 }), 'ERR_HJ212_CP', 'CP_TOO_LARGE')
})

t.test('CN table: 2017 by default, 2005 codes and unknown CNs by option', async t => {
  t.equal(HJ212_COMMANDS['2061'].meaning, 'hourly data')
  t.notOk('9015' in HJ212_COMMANDS, '9015 is reserved in 2017; 2025 heartbeat unverified')
  t.equal(HJ212_2005_COMMANDS['2072'].verified, false)
  const alarm = seg(`${H.replace('CN=2011', 'CN=2072')};CP=&&&&`)
  rejects(t, () => parseHj212(alarm), 'ERR_HJ212_CN', 'UNKNOWN_CN')
  t.equal(parseHj212(alarm, { commands: { ...HJ212_COMMANDS, ...HJ212_2005_COMMANDS } }).cn, '2072')
  t.equal(parseHj212(seg(`${H.replace('CN=2011', 'CN=9015')};CP=&&&&`), { unknownCn: 'accept' }).cn, '9015')
})

t.test('encode validates and computes length and CRC', async t => {
  const p = G1()
  t.equal(encodeHj212({ ...p, cp: [] }), seg(`${H};CP=&&&&`))
  rejects(t, () => encodeHj212({ ...p, mn: 'A;B' }), 'ERR_HJ212_FIELD', 'BAD_MN')
  rejects(t, () => encodeHj212({ ...p, cp: [[{ key: 'a34004-Rtd', value: '1;a=2' }]] }), 'ERR_HJ212_CP', 'BAD_CP')
  rejects(t, () => encodeHj212({ ...p, cp: [[]] }), 'ERR_HJ212_CP', 'BAD_CP')
  rejects(t, () => encodeHj212({ ...p, flag: 6 }), 'ERR_HJ212_FIELD', 'MISSING_PNUM')
  rejects(t, () => encodeHj212({ ...p, cn: '1234' }), 'ERR_HJ212_CN', 'UNKNOWN_CN')
  const many = { ...p, cp: Array.from({ length: 80 }, (_, i) => [{ key: `a${10000 + i}-Rtd`, value: '1.0' }]) }
  rejects(t, () => encodeHj212(many), 'ERR_HJ212_LENGTH', 'LENGTH_TOO_LARGE')
  t.equal(encodeHj212({ ...p, cp: [[{ key: 'PolId', value: 'a34004', raw: 'PolId = a34004' }]] }).includes('CP=&&PolId = a34004&&'), true, 'raw spacing kept')
  t.equal(encodeHj212({ ...p, cp: [[{ key: 'PolId', value: 'a34005', raw: 'PolId = a34004' }]] }).includes('CP=&&PolId=a34005&&'), true, 'stale raw ignored')
  t.equal(encodeHj212Flag({ version: 1, split: true, answerRequested: true }), 7)
})

t.test('QN and DataTime helpers (Beijing time by default)', async t => {
  const d = new Date('2024-06-01T04:00:00.123Z')
  t.equal(formatQn(d), '20240601120000123')
  t.equal(formatQn(d, 0), '20240601040000123')
  t.same(parseQn('20240601120000123'), d)
  t.same(parseQn(formatQn(d, -300), -300), d)
  t.equal(formatDataTime(d), '20240601120000')
  t.same(parseDataTime('20240601120000', 0), new Date('2024-06-01T12:00:00Z'))
  t.same(parseDataTime('20240229235959'), new Date('2024-02-29T15:59:59Z'))
  rejects(t, () => parseQn('2024060112000012'), 'ERR_HJ212_FIELD', 'BAD_QN')
  rejects(t, () => parseDataTime('20230229000000'), 'ERR_HJ212_CP', 'BAD_TIME')
  rejects(t, () => parseDataTime('20240601120000000', 480, 'strict'), 'ERR_HJ212_CP', 'BAD_TIME')
  t.throws(() => formatQn(d, 10_000), RangeError)
})

t.test('reply builders: 9011, 9012, 9013, 9014, 1012 time calibration', async t => {
  const request = parseHj212(byId('F3'))
  const r9011 = buildRequestReply(request, QN_RTN.READY)
  t.equal(encodeHj212(r9011), seg('QN=20240601130500000;ST=91;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&'))
  t.equal(encodeHj212(buildExecutionReply(request, EXE_RTN.NO_DATA)), byId('F6'))
  const notice = parseHj212(seg('QN=20240601130500001;ST=22;CN=1013;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&&&'))
  t.equal(encodeHj212(buildNoticeReply(notice)), seg('QN=20240601130500001;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&'))
  t.notOk('qn' in buildDataReply(parseHj212(byId('F1'))), 'no QN to echo, none sent')
  t.notOk('flag' in buildDataReply(parseHj212(byId('F1'))), 'no Flag to echo, none sent')
  const cal = buildTimeCalibration(notice, new Date('2024-06-01T05:05:00.250Z'))
  t.equal(encodeHj212(cal), seg('QN=20240601130500250;ST=22;CN=1012;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&SystemTime=20240601130500&&'))
  t.equal(QN_RTN.CRC_ERROR, 9)
  t.equal(EXE_RTN.SUCCESS, 1)
})
