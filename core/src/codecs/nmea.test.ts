import t from 'tap'
import type { Test } from 'tap'
import { ShennongError } from '../errors.ts'
import { formatNmea, nmeaChecksum, parseNmea } from './nmea.ts'
import type { NmeaGga, NmeaRmc } from './nmea.ts'

const N2 = '$GNRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,A,V*08'

function close (t: Test, actual: number | null, expected: number, name: string): void {
  t.ok(actual !== null && Math.abs(actual - expected) < 5e-9, `${name}: ${actual} ≈ ${expected}`)
}

function rejects (t: Test, line: string, code: string, reason: string, name: string): void {
  try {
    parseNmea(line)
    t.fail(`${name}: expected ${code}/${reason}`)
  } catch (err) {
    t.ok(err instanceof ShennongError, `${name}: a ShennongError`)
    t.match(err, { code, details: { reason } }, `${name}: ${code} ${reason}`)
  }
}

function caught (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

// spec/gnss-beidou.md §5: every sentence whose checksum the spec verified.
const checksumVectors: Array<[string, string]> = [
  ['N1', '$BDGGA,023012.00,2955.1234,N,12218.5678,E,1,12,0.9,5.3,M,11.2,M,,*7A'],
  ['N2', N2],
  ['N3', '$GBRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,A,S*01'],
  ['N4', '$GNRMC,023013.00,V,,,,,,,150624,,,N,V*1E'],
  ['N5', '$GNGSA,A,3,01,03,06,08,09,13,,,,,,,1.6,0.9,1.3,4*3F'],
  ['N6', '$GBGSV,2,1,07,01,45,125,42,03,52,199,40,06,33,287,38,08,61,045,44,1*7D'],
  ['N7', '$GNVTG,45.3,T,,M,8.5,N,15.7,K,A*1F'],
  ['N8', '$GNZDA,023012.00,15,06,2024,00,00*7C'],
  ['N9', '$GNGGA,101530.50,3351.2040,S,15112.6875,W,2,18,0.7,30.1,M,-20.5,M,1.2,0123*4E'],
  ['gpsd RMC', '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A'],
  ['receiver GGA', '$GNGGA,072353.000,3032.2149,N,10412.5192,E,1,09,1.3,509.4,M,0.0,M,,*74'],
  ['receiver RMC', '$GNRMC,072353.000,A,3032.2149,N,10412.5192,E,7.74,50.28,290918,,,A*45'],
  ['receiver VTG', '$GNVTG,50.28,T,,M,7.74,N,14.34,K,A*2A'],
  ['receiver ZDA', '$GNZDA,072353.000,29,09,2018,00,00*41'],
  ['receiver BDGSA', '$BDGSA,A,3,06,13,08,,,,,,,,,,3.2,1.3,2.9*27'],
  ['receiver BDGSV', '$BDGSV,2,1,07,02,,,17,03,,,32,06,82,357,30,08,55,136,37*6C']
]

t.test('nmeaChecksum and formatNmea reproduce every spec checksum', async t => {
  for (const [id, line] of checksumVectors) {
    const body = line.slice(1, line.indexOf('*'))
    t.equal(nmeaChecksum(body), line.slice(-2), `${id}: checksum`)
    t.equal(formatNmea(body), line, `${id}: formatNmea`)
  }
})

t.test('the Rust-docs RMC with an edited body: *68 is wrong, *2B is right', async t => {
  const body = 'GPRMC,225446.33,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E,A'
  t.equal(nmeaChecksum(body), '2B')
  rejects(t, `$${body}*68`, 'ERR_NMEA_CHECKSUM', 'CHECKSUM_MISMATCH', 'published *68')
  const rmc = parseNmea(`$${body}*2B`) as NmeaRmc
  t.equal(rmc.magneticVariationDeg, 20.3, 'easterly variation is positive')
  t.equal(new Date(rmc.timestamp ?? 0).toISOString(), '1994-11-19T22:54:46.330Z', 'fractional seconds kept')
})

t.test('unsupported sentence types with a valid checksum throw ERR_NMEA_UNSUPPORTED naming the type', async t => {
  for (const id of ['N5', 'N6', 'N7', 'N8', 'receiver VTG', 'receiver ZDA', 'receiver BDGSA', 'receiver BDGSV']) {
    const line = checksumVectors.find(v => v[0] === id)?.[1] ?? ''
    rejects(t, line, 'ERR_NMEA_UNSUPPORTED', 'SENTENCE_TYPE', id)
  }
  t.match(caught(() => parseNmea('$GNVTG,45.3,T,,M,8.5,N,15.7,K,A*1F')), { details: { sentence: 'VTG', address: 'GNVTG' } }, 'names the sentence')
  rejects(t, formatNmea('PUBX,00,023012.00'), 'ERR_NMEA_UNSUPPORTED', 'PROPRIETARY', 'proprietary with checksum')
  rejects(t, '$PUBX,00,023012.00', 'ERR_NMEA_UNSUPPORTED', 'PROPRIETARY', 'proprietary without checksum')
  rejects(t, '!AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0*26', 'ERR_NMEA_UNSUPPORTED', 'ENCAPSULATION', 'AIS')
})

t.test('N1: BeiDou GGA (legacy BD talker)', async t => {
  const s = parseNmea('$BDGGA,023012.00,2955.1234,N,12218.5678,E,1,12,0.9,5.3,M,11.2,M,,*7A') as NmeaGga
  t.match(s, {
    type: 'GGA', talker: 'BD', constellation: 'beidou', time: '02:30:12.00', timeOfDayMs: 9012000,
    fix: true, fixQuality: 1, satellites: 12, hdop: 0.9, altitudeM: 5.3, geoidSeparationM: 11.2,
    dgpsAgeS: null, dgpsStationId: null
  })
  close(t, s.latDeg, 29.91872333, 'lat')
  close(t, s.lonDeg, 122.30946333, 'lon')
})

t.test('N2: combined RMC (NMEA 4.10, mode A, nav status V) gives the spec\'s expected parse', async t => {
  const s = parseNmea(N2) as NmeaRmc
  t.match(s, {
    type: 'RMC', talker: 'GN', constellation: 'multi', status: 'A', fix: true,
    sogKn: 8.5, cogDeg: 45.3, date: '2024-06-15', mode: 'A', navStatus: 'V', magneticVariationDeg: null
  })
  t.equal(new Date(s.timestamp ?? 0).toISOString(), '2024-06-15T02:30:12.000Z')
  close(t, s.latDeg, 29.91872333, 'lat')
  close(t, s.lonDeg, 122.30946333, 'lon')
  t.equal(Math.round((s.sogKn ?? 0) * 1.852 * 1000) / 1000, 15.742, 'SOG 8.5 kn = 15.742 km/h')
})

t.test('N2 with CR LF and with a lower-case checksum parses the same', async t => {
  t.same(parseNmea(`${N2}\r\n`), parseNmea(N2))
  const n1lower = '$BDGGA,023012.00,2955.1234,N,12218.5678,E,1,12,0.9,5.3,M,11.2,M,,*7a'
  t.equal(parseNmea(n1lower).type, 'GGA', 'lower-case hex accepted')
})

t.test('N3: GB talker is BeiDou, nav status S', async t => {
  const s = parseNmea('$GBRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,A,S*01') as NmeaRmc
  t.match(s, { talker: 'GB', constellation: 'beidou', navStatus: 'S', fix: true })
})

t.test('N4: RMC status V is a valid sentence with no position and fix false', async t => {
  const s = parseNmea('$GNRMC,023013.00,V,,,,,,,150624,,,N,V*1E') as NmeaRmc
  t.match(s, {
    status: 'V', fix: false, latDeg: null, lonDeg: null, sogKn: null, cogDeg: null,
    mode: 'N', date: '2024-06-15'
  })
  t.equal(new Date(s.timestamp ?? 0).toISOString(), '2024-06-15T02:30:13.000Z')
})

t.test('N9: southern/western GGA, differential, negative geoid separation, DGPS fields', async t => {
  const s = parseNmea('$GNGGA,101530.50,3351.2040,S,15112.6875,W,2,18,0.7,30.1,M,-20.5,M,1.2,0123*4E') as NmeaGga
  close(t, s.latDeg, -33.8534, 'lat')
  close(t, s.lonDeg, -151.21145833, 'lon')
  t.match(s, { fixQuality: 2, fix: true, satellites: 18, hdop: 0.7, altitudeM: 30.1, geoidSeparationM: -20.5, dgpsAgeS: 1.2, dgpsStationId: 123, timeOfDayMs: 36930500 })
})

t.test('published receiver sentences and the gpsd reference RMC', async t => {
  const gga = parseNmea('$GNGGA,072353.000,3032.2149,N,10412.5192,E,1,09,1.3,509.4,M,0.0,M,,*74') as NmeaGga
  t.match(gga, { satellites: 9, altitudeM: 509.4, time: '07:23:53.000' })
  const rmc = parseNmea('$GNRMC,072353.000,A,3032.2149,N,10412.5192,E,7.74,50.28,290918,,,A*45') as NmeaRmc
  t.match(rmc, { date: '2018-09-29', mode: 'A', navStatus: null, sogKn: 7.74, cogDeg: 50.28 })
  const ref = parseNmea('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A') as NmeaRmc
  t.match(ref, { constellation: 'gps', date: '1994-03-23', mode: null, navStatus: null, magneticVariationDeg: -3.1, sogKn: 22.4, time: '12:35:19' })
  close(t, ref.latDeg, 48 + 7.038 / 60, 'lat')
  close(t, ref.lonDeg, 11 + 31 / 60, 'lon')
})

t.test('no-fix GGA (quality 0) parses with fix false and empty fields null', async t => {
  const s = parseNmea(formatNmea('GPGGA,023012.00,,,,,0,00,99.99,,,,,,')) as NmeaGga
  t.match(s, { fix: false, fixQuality: 0, satellites: 0, latDeg: null, lonDeg: null, altitudeM: null, hdop: 99.99 })
})

t.test('RMC status A with mode N is not a usable fix', async t => {
  const s = parseNmea(formatNmea('GNRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,,150624,,,N')) as NmeaRmc
  t.equal(s.fix, false)
  t.equal(s.cogDeg, null, 'empty COG is null, not 0')
})

t.test('RMC with mode E (dead reckoning) and GGA quality 6 count as fixes', async t => {
  t.equal(parseNmea(formatNmea('GNRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,1,150624,,,E')).fix, true)
  t.equal(parseNmea(formatNmea('GNGGA,023012.00,2955.1234,N,12218.5678,E,6,04,2.0,5.3,M,11.2,M,,')).fix, true)
})

t.test('RMC tolerates an extra vendor field; other talkers map to their constellations', async t => {
  t.match(parseNmea(formatNmea('GNRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,A,V,X')), { navStatus: 'V' })
  const talkers: Array<[string, string]> = [['GP', 'gps'], ['GL', 'glonass'], ['GA', 'galileo'], ['GQ', 'qzss'], ['QZ', 'qzss'], ['GI', 'navic'], ['ZZ', 'unknown']]
  for (const [talker, constellation] of talkers) {
    t.equal(parseNmea(formatNmea(`${talker}GGA,023012.00,2955.1234,N,12218.5678,E,1,12,0.9,5.3,M,11.2,M,,`)).constellation, constellation, talker)
  }
})

t.test('two-digit years: 80–99 are 19xx, 00–79 are 20xx', async t => {
  const at = (yy: string): string | null => (parseNmea(formatNmea(`GPRMC,000000,A,0000.000,N,00000.000,E,0,0,0101${yy},,`)) as NmeaRmc).date
  t.equal(at('79'), '2079-01-01')
  t.equal(at('80'), '1980-01-01')
  t.equal(at('00'), '2000-01-01')
})

t.test('spec malformed sentences X1–X5 are rejected with the named reason', async t => {
  rejects(t, N2.replace('*08', '*09'), 'ERR_NMEA_CHECKSUM', 'CHECKSUM_MISMATCH', 'X1')
  rejects(t, N2.replace('*08', ''), 'ERR_NMEA_CHECKSUM', 'NO_CHECKSUM', 'X2')
  rejects(t, '$GNRMC,023012.00,A,2955.1234,N*57', 'ERR_NMEA_SYNTAX', 'TOO_FEW_FIELDS', 'X3')
  rejects(t, N2.slice(1), 'ERR_NMEA_SYNTAX', 'NO_START', 'X4')
  rejects(t, formatNmea(`GNGGA,${'1'.repeat(80)}`), 'ERR_NMEA_SYNTAX', 'TOO_LONG', 'X5')
})

t.test('other malformed lines', async t => {
  const cases: Array<[string, string, string, string]> = [
    ['empty line', '', 'ERR_NMEA_SYNTAX', 'EMPTY'],
    ['checksum with one digit', N2.replace('*08', '*8'), 'ERR_NMEA_SYNTAX', 'BAD_CHECKSUM_FIELD'],
    ['checksum not hex', N2.replace('*08', '*0G'), 'ERR_NMEA_SYNTAX', 'BAD_CHECKSUM_FIELD'],
    ['control character', `$GNRMC,0230\t12.00*00`, 'ERR_NMEA_SYNTAX', 'NOT_PRINTABLE'],
    ['short GGA', formatNmea('GNGGA,023012.00,2955.1234,N,12218.5678,E,1,12,0.9'), 'ERR_NMEA_SYNTAX', 'TOO_FEW_FIELDS'],
    ['bad address', formatNmea('GN,023012.00'), 'ERR_NMEA_SYNTAX', 'BAD_ADDRESS'],
    ['status X', formatNmea('GNRMC,023012.00,X,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['hour 24', formatNmea('GNRMC,243012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['31 February', formatNmea('GNRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,310224,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['minutes ≥ 60', formatNmea('GNRMC,023012.00,A,2960.1234,N,12218.5678,E,8.5,45.3,150624,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['latitude > 90', formatNmea('GNRMC,023012.00,A,9100.0000,N,12218.5678,E,8.5,45.3,150624,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['hemisphere E on a latitude', formatNmea('GNRMC,023012.00,A,2955.1234,E,12218.5678,E,8.5,45.3,150624,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['latitude without hemisphere', formatNmea('GNRMC,023012.00,A,2955.1234,,12218.5678,E,8.5,45.3,150624,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['non-numeric SOG', formatNmea('GNRMC,023012.00,A,2955.1234,N,12218.5678,E,fast,45.3,150624,,,A'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['fractional satellites', formatNmea('GNGGA,023012.00,2955.1234,N,12218.5678,E,1,1.5,0.9,5.3,M,11.2,M,,'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['altitude in feet', formatNmea('GNGGA,023012.00,2955.1234,N,12218.5678,E,1,12,0.9,5.3,F,11.2,M,,'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD'],
    ['two-letter mode', formatNmea('GNRMC,023012.00,A,2955.1234,N,12218.5678,E,8.5,45.3,150624,,,AA'), 'ERR_NMEA_SYNTAX', 'BAD_FIELD']
  ]
  for (const [name, line, code, reason] of cases) rejects(t, line, code, reason, name)
  t.match(caught(() => parseNmea(formatNmea('GNRMC,023012.00,A,2955.1234,N,12218.5678,E,fast,45.3,150624,,,A'))), { details: { field: 'sogKn', value: 'fast' } }, 'BAD_FIELD names the field')
})

t.test('formatNmea refuses bodies that would break framing', async t => {
  t.throws(() => formatNmea('$GNRMC,1'), { code: 'ERR_NMEA_SYNTAX' })
  t.throws(() => formatNmea('GNRMC*1'), { code: 'ERR_NMEA_SYNTAX' })
  t.throws(() => formatNmea('GNRMC\r\n'), { code: 'ERR_NMEA_SYNTAX' })
})
