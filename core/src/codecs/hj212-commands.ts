// HJ 212 code tables kept as data (spec/hj212.md §0: "keep every code table in data, not in code").
// HJ212_COMMANDS is HJ 212-2017 Table 9 [verified]; HJ212_2005_COMMANDS lists 2005-only codes known
// only from one RTU header [unverified], so a parser accepts them only when configured to.

export type Hj212Direction = 'platform-to-device' | 'device-to-platform' | 'both'

export interface Hj212Command {
  readonly meaning: string
  /** Who sends it; `both` when Table 9 lists a request and an upload (or reply) under one code. */
  readonly direction: Hj212Direction
  /** 1000–1999 initialisation/parameters, 2000–2999 data, 3000–3999 control, 9000–9999 interaction. */
  readonly group: 'parameter' | 'data' | 'control' | 'interaction'
  readonly edition: '2005' | '2017'
  /** Checked against the standard text (false: from implementations only). */
  readonly verified: boolean
}

function cmd (meaning: string, direction: Hj212Direction, edition: '2005' | '2017' = '2017', verified = true): (cn: string) => Hj212Command {
  return cn => {
    const n = Number(cn)
    const group = n >= 9000 ? 'interaction' : n >= 3000 ? 'control' : n >= 2000 ? 'data' : 'parameter'
    return Object.freeze({ meaning, direction, group, edition, verified })
  }
}

function table (rows: Record<string, (cn: string) => Hj212Command>): Readonly<Record<string, Hj212Command>> {
  const out: Record<string, Hj212Command> = {}
  for (const [cn, make] of Object.entries(rows)) out[cn] = make(cn)
  return Object.freeze(out)
}

/** HJ 212-2017 Table 9 (spec §6.2). Keys are the 4-digit CN strings. */
export const HJ212_COMMANDS = table({
  1000: cmd('set timeout and retry count', 'platform-to-device'),
  1011: cmd('get device time / device time upload', 'both'),
  1012: cmd('set device time', 'platform-to-device'),
  1013: cmd('device asks for time calibration (notice)', 'device-to-platform'),
  1061: cmd('get real-time data interval / its upload', 'both'),
  1062: cmd('set real-time data interval', 'platform-to-device'),
  1063: cmd('get minute-data interval / its upload', 'both'),
  1064: cmd('set minute-data interval', 'platform-to-device'),
  1072: cmd('set access password', 'platform-to-device'),
  2011: cmd('real-time data (start request / upload)', 'both'),
  2012: cmd('stop real-time data (notice)', 'platform-to-device'),
  2021: cmd('facility run-state data (start request / upload)', 'both'),
  2022: cmd('stop facility run-state data (notice)', 'platform-to-device'),
  2031: cmd('daily history data', 'both'),
  2041: cmd('facility running-time daily data', 'both'),
  2051: cmd('minute data', 'both'),
  2061: cmd('hourly data', 'both'),
  2081: cmd('logger power-on time', 'device-to-platform'),
  3011: cmd('zero / span calibration', 'platform-to-device'),
  3012: cmd('immediate sampling', 'platform-to-device'),
  3013: cmd('start cleaning / back-blowing', 'platform-to-device'),
  3014: cmd('comparison sampling', 'platform-to-device'),
  3015: cmd('over-limit sample retention / its result', 'both'),
  3016: cmd('set sampling period', 'platform-to-device'),
  3017: cmd('get sampling period / its upload', 'both'),
  3018: cmd('get sample output time', 'both'),
  3019: cmd('get instrument id (SN)', 'both'),
  3020: cmd('get device information (logs, state, parameters)', 'both'),
  3021: cmd('set device parameters', 'platform-to-device'),
  9011: cmd('request reply (QnRtn)', 'device-to-platform'),
  9012: cmd('execution result (ExeRtn)', 'device-to-platform'),
  9013: cmd('notice reply', 'both'),
  9014: cmd('data reply', 'both')
})

/**
 * HJ/T 212-2005 codes removed in 2017 (spec §8, from one RTU header, [unverified]). 3014 meant
 * "set sampling period" in 2005; it is in HJ212_COMMANDS with its 2017 meaning.
 */
export const HJ212_2005_COMMANDS = table({
  1001: cmd('set continuous over-limit alarm time', 'platform-to-device', '2005', false),
  1021: cmd('get pollutant alarm thresholds', 'both', '2005', false),
  1022: cmd('set pollutant alarm thresholds', 'platform-to-device', '2005', false),
  1031: cmd('get upper-computer (host) address', 'both', '2005', false),
  1032: cmd('set upper-computer (host) address', 'platform-to-device', '2005', false),
  1041: cmd('get daily report time', 'both', '2005', false),
  1042: cmd('set daily report time', 'platform-to-device', '2005', false),
  2071: cmd('alarm records', 'both', '2005', false),
  2072: cmd('alarm event upload', 'device-to-platform', '2005', false)
})

/** Well-known CNs by name, for code that builds or routes packets. */
export const HJ212_CN = Object.freeze({
  SET_TIMEOUT: '1000',
  GET_TIME: '1011',
  SET_TIME: '1012',
  TIME_CALIBRATION_REQUEST: '1013',
  REALTIME_DATA: '2011',
  STOP_REALTIME_DATA: '2012',
  RUN_STATE_DATA: '2021',
  DAY_DATA: '2031',
  RUN_TIME_DAY_DATA: '2041',
  MINUTE_DATA: '2051',
  HOUR_DATA: '2061',
  POWER_ON_TIME: '2081',
  REQUEST_REPLY: '9011',
  EXECUTION_RESULT: '9012',
  NOTICE_REPLY: '9013',
  DATA_REPLY: '9014'
} as const)

/** ST (system code) for interaction replies, Table 5. */
export const HJ212_ST_INTERACTION = '91'

/** HJ 212-2017 Table 5 system codes ST (spec §6.1). */
export const HJ212_SYSTEM_CODES: Readonly<Record<string, string>> = Object.freeze({
  21: 'surface water quality',
  22: 'ambient air quality',
  23: 'acoustic environment quality',
  24: 'groundwater quality',
  25: 'soil quality',
  26: 'seawater quality',
  27: 'volatile organic compounds',
  31: 'air pollution source',
  32: 'surface-water pollution source',
  33: 'groundwater pollution source',
  34: 'marine pollution source',
  35: 'soil pollution source',
  36: 'noise pollution source',
  37: 'vibration source',
  38: 'radioactive source',
  39: 'construction-site dust',
  41: 'electromagnetic source',
  51: 'flue-gas process monitoring',
  52: 'wastewater process monitoring',
  91: 'system interaction'
})

/** HJ 212-2017 Table 7 request reply codes, sent in 9011 as `QnRtn` (spec §6.3). */
export const QN_RTN = Object.freeze({
  READY: 1,
  REJECTED: 2,
  PW_ERROR: 3,
  MN_ERROR: 4,
  ST_ERROR: 5,
  FLAG_ERROR: 6,
  QN_ERROR: 7,
  CN_ERROR: 8,
  CRC_ERROR: 9,
  UNKNOWN_ERROR: 100
} as const)
export type QnRtn = typeof QN_RTN[keyof typeof QN_RTN]

/** HJ 212-2017 Table 6 execution result codes, sent in 9012 as `ExeRtn` (spec §6.3). */
export const EXE_RTN = Object.freeze({
  SUCCESS: 1,
  FAILED: 2,
  CONDITION_ERROR: 3,
  TIMEOUT: 4,
  BUSY: 5,
  FAULT: 6,
  NO_DATA: 100
} as const)
export type ExeRtn = typeof EXE_RTN[keyof typeof EXE_RTN]

/** HJ 212-2017 Table 8 data flags (`xxxxxx-Flag`, spec §5.2). Only N counts as valid data. */
export const HJ212_DATA_FLAGS: Readonly<Record<string, string>> = Object.freeze({
  N: 'instrument working normally',
  F: 'instrument stopped',
  M: 'maintenance',
  S: 'manually entered set value',
  D: 'instrument fault',
  C: 'calibrating',
  T: 'above the upper measuring limit',
  B: 'communication fault between instrument and logger'
})

/** HJ/T 212-2005 data flags [practice]: F and P/B changed meaning in 2017. */
export const HJ212_2005_DATA_FLAGS: Readonly<Record<string, string>> = Object.freeze({
  P: 'power failure',
  F: 'emission source stopped',
  C: 'calibration / check',
  M: 'maintenance',
  T: 'above the upper limit',
  D: 'fault',
  S: 'set value',
  N: 'normal',
  0: 'calibration data (air stations)',
  1: 'meteorological parameter (air stations)',
  2: 'abnormal data (air stations)',
  3: 'normal data (air stations)'
})
