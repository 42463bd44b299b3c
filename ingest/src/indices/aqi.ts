// Chinese Air Quality Index per HJ 633-2012 (and the unverified 2026 revision), spec/aqi.md.
// Pure: concentrations in, IAQIs, AQI, category and primary pollutants out.
//
// Bad options (unknown report or edition, no date, a malformed table) are programming errors and
// throw TypeError/RangeError. Bad data never throws: a missing, negative or non-finite concentration
// gets no IAQI, is listed in `excluded`, and `complete` turns false (spec §4).

import { AQI_2026_FROM_MS, AQI_CATEGORIES, AQI_TABLES, IAQI_LEVELS } from './aqi-tables.ts'
import type { AqiCategory, AqiColumn, AqiEdition, AqiTable } from './aqi-tables.ts'

export { AQI_2026_FROM_MS, AQI_CATEGORIES, AQI_TABLES, IAQI_LEVELS }
export type { AqiCategory, AqiColumn, AqiEdition, AqiTable }

/**
 * Concentrations by catalog name: µg/m³, CO in mg/m³. The plain names are the report's own averaging
 * (daily: 24-hour means; hourly: 1-hour means). O3 always names its averaging time. Other keys (for
 * example the rest of a reading's metrics) are ignored, except `o3_ug_m3`, which is refused as ambiguous.
 */
export interface AqiConcentrations {
  so2_ug_m3?: number | null
  no2_ug_m3?: number | null
  pm10_ug_m3?: number | null
  pm25_ug_m3?: number | null
  co_mg_m3?: number | null
  /** Daily: the day's maximum 1-hour mean. Hourly: the 1-hour mean. */
  o3_1h_ug_m3?: number | null
  /** Daily: the day's maximum 8-hour sliding mean. Hourly: the current 8-hour sliding mean (used only with includeO3_8hInHourly). */
  o3_8h_ug_m3?: number | null
  /** Hourly only: the 24-hour SO2 mean, used when the 1-hour SO2 is above 800 µg/m³ (HJ 633-2012 Table 1 note 2). */
  so2_24h_ug_m3?: number | null
}

export interface AqiOptions {
  report: 'hourly' | 'daily'
  /** Explicit edition; otherwise chosen by `date`: before 2026-03-01 (UTC+8) → '2012', from then → '2026'. */
  edition?: AqiEdition
  /** Time the report is for (epoch ms, Date or RFC 3339 string); required when `edition` is not given. */
  date?: number | Date | string
  /** Replaces the built-in table of the chosen edition (e.g. once the official 2026 text is read). */
  table?: AqiTable
  /** Whether the 8-hour O3 IAQI enters the hourly AQI (spec §3, undecided); default false. */
  includeO3_8hInHourly?: boolean
}

/** A result label: pollutant and averaging time (PM in hourly reports: 1-hour mean on the 24-hour column). */
export type AqiItem = AqiColumn | 'PM10_1h' | 'PM25_1h'

export interface AqiExclusion {
  item: AqiItem
  /** absent: no value; negative / not-finite: unusable value; above-table: beyond a truncated column. */
  reason: 'absent' | 'negative' | 'not-finite' | 'above-table'
  /** The item reported in its place (SO2_24h for SO2_1h, O3_1h for O3_8h), or null when none. */
  replacedBy: AqiItem | null
}

export interface AqiResult {
  /** Integer AQI, or null when no pollutant had a usable value. */
  aqi: number | null
  /** Integer IAQI per item that was computed. */
  iaqi: Partial<Record<AqiItem, number>>
  /** Items whose IAQI equals the AQI, in table order; empty when AQI ≤ 50 (spec §5). */
  primary: AqiItem[]
  /** Items with IAQI > 100 (超标污染物). */
  exceeding: AqiItem[]
  category: AqiCategory | null
  edition: AqiEdition
  report: 'hourly' | 'daily'
  /** False when an expected item has no IAQI and nothing replaced it ("not all pollutants available"). */
  complete: boolean
  excluded: AqiExclusion[]
}

type Key = keyof AqiConcentrations

// spec §3: which concentrations enter which report, in the order results list them.
const DAILY: ReadonlyArray<[AqiItem, AqiColumn, Key]> = [
  ['SO2_24h', 'SO2_24h', 'so2_ug_m3'],
  ['NO2_24h', 'NO2_24h', 'no2_ug_m3'],
  ['PM10_24h', 'PM10_24h', 'pm10_ug_m3'],
  ['PM25_24h', 'PM25_24h', 'pm25_ug_m3'],
  ['CO_24h', 'CO_24h', 'co_mg_m3'],
  ['O3_1h', 'O3_1h', 'o3_1h_ug_m3'],
  ['O3_8h', 'O3_8h', 'o3_8h_ug_m3']
]
const HOURLY: ReadonlyArray<[AqiItem, AqiColumn, Key]> = [
  ['SO2_1h', 'SO2_1h', 'so2_ug_m3'],
  ['NO2_1h', 'NO2_1h', 'no2_ug_m3'],
  // spec §2 [practice]: no 1-hour PM column in HJ 633-2012; the 1-hour mean goes on the 24-hour column
  ['PM10_1h', 'PM10_24h', 'pm10_ug_m3'],
  ['PM25_1h', 'PM25_24h', 'pm25_ug_m3'],
  ['CO_1h', 'CO_1h', 'co_mg_m3'],
  ['O3_1h', 'O3_1h', 'o3_1h_ug_m3'],
  ['O3_8h', 'O3_8h', 'o3_8h_ug_m3']
]

/** Concentrations are resolved to 1e-6 of their unit and computed in scaled integers (spec §4: exact at breakpoints). */
const SCALE = 1e6

/**
 * IAQI of one concentration on one column, rounded up to an integer (spec §4, ceiling).
 * Above the top of a full column: 500 (spec §4 [practice]). Above the top of a truncated column
 * (SO2 1h, O3 8h): null, "not computed" — the caller applies the table's above-top rule.
 */
export function computeIaqi (column: AqiColumn, concentration: number, table: AqiTable = AQI_TABLES['2012']): number | null {
  if (!Number.isFinite(concentration) || concentration < 0) {
    throw new RangeError(`A concentration must be a finite number ≥ 0; got ${String(concentration)}.`)
  }
  const bp = table.columns[column]
  const c = Math.round(concentration * SCALE)
  for (let i = 1; i < bp.length; i++) {
    const hi = bp[i] * SCALE
    if (c <= hi) {
      const lo = bp[i - 1] * SCALE
      const iLo = IAQI_LEVELS[i - 1]
      // HJ 633-2012 §5.1: IAQI = (IAQI_Hi − IAQI_Lo)/(BP_Hi − BP_Lo) × (C − BP_Lo) + IAQI_Lo, on exact integers
      return iLo + Math.ceil(((IAQI_LEVELS[i] - iLo) * (c - lo)) / (hi - lo))
    }
  }
  return bp.length === IAQI_LEVELS.length ? IAQI_LEVELS[IAQI_LEVELS.length - 1] : null
}

/** AQI category for an integer AQI; inclusive upper bounds (50 → 1 优, 51 → 2 良). */
export function aqiCategory (aqi: number): AqiCategory {
  if (!Number.isFinite(aqi) || aqi < 0) throw new RangeError(`An AQI must be a finite number ≥ 0; got ${String(aqi)}.`)
  return AQI_CATEGORIES.find(c => aqi <= c.max) ?? AQI_CATEGORIES[AQI_CATEGORIES.length - 1]
}

/** The edition in force at `date`: '2012' before 2026-03-01 00:00 Beijing time, '2026' from then. */
export function aqiEditionAt (date: number | Date | string): AqiEdition {
  const ms = date instanceof Date ? date.getTime() : typeof date === 'string' ? Date.parse(date) : date
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new RangeError(`opts.date is not a valid time: ${String(date)}.`)
  return ms < AQI_2026_FROM_MS ? '2012' : '2026'
}

export function computeAqi (conc: AqiConcentrations, opts: AqiOptions): AqiResult {
  if (opts === null || typeof opts !== 'object') throw new TypeError('computeAqi needs opts with report (and edition or date).')
  const { report } = opts
  if (report !== 'hourly' && report !== 'daily') throw new TypeError(`opts.report must be 'hourly' or 'daily'; got ${String(report)}.`)
  if (conc === null || typeof conc !== 'object') throw new TypeError('computeAqi needs an object of concentrations.')
  if ('o3_ug_m3' in conc) {
    throw new TypeError('o3_ug_m3 is ambiguous for the AQI: pass o3_1h_ug_m3 and/or o3_8h_ug_m3.')
  }
  const edition = resolveEdition(opts)
  const table = opts.table ?? AQI_TABLES[edition]
  if (opts.table !== undefined) checkTable(opts.table)

  const iaqi: Partial<Record<AqiItem, number>> = {}
  const excluded: AqiExclusion[] = []
  const items = report === 'daily' ? DAILY : HOURLY.filter(([item]) => item !== 'O3_8h' || opts.includeO3_8hInHourly === true)

  for (const [item, column, key] of items) {
    const value = conc[key]
    const problem = unusable(value)
    if (problem !== null) {
      excluded.push({ item, reason: problem, replacedBy: null })
      continue
    }
    const v = computeIaqi(column, value as number, table)
    if (v !== null) {
      iaqi[item] = v
      continue
    }
    // Above a truncated column's top.
    if (column === 'SO2_1h') {
      if (table.so2_1hAboveTop === 'cap') {
        iaqi[item] = IAQI_LEVELS[table.columns.SO2_1h.length - 1] // 200 with the 2012 column
      } else {
        // HJ 633-2012 Table 1 note 2: SO2 1h > 800 → report SO2 with the IAQI of its 24-hour mean
        const daily = conc.so2_24h_ug_m3
        const v24 = unusable(daily) === null ? computeIaqi('SO2_24h', daily as number, table) : null
        if (v24 !== null) iaqi.SO2_24h = v24
        excluded.push({ item, reason: 'above-table', replacedBy: v24 !== null ? 'SO2_24h' : null })
      }
    } else {
      if (table.o3_8hAboveTop === 'cap') {
        iaqi[item] = IAQI_LEVELS[table.columns.O3_8h.length - 1] // 300 with the 2012 column
      } else {
        // HJ 633-2012 Table 1 note 3: O3 8h > 800 → O3 is reported with its 1-hour IAQI
        const usable = unusable(conc.o3_1h_ug_m3) === null
        excluded.push({ item, reason: 'above-table', replacedBy: usable ? 'O3_1h' : null })
      }
    }
  }

  const values = Object.values(iaqi) as number[]
  const aqi = values.length === 0 ? null : Math.max(...values)
  const labels = Object.keys(iaqi) as AqiItem[]
  return {
    aqi,
    iaqi,
    // spec §5: no primary pollutant when AQI ≤ 50; ties list all
    primary: aqi === null || aqi <= 50 ? [] : labels.filter(k => iaqi[k] === aqi),
    exceeding: labels.filter(k => (iaqi[k] ?? 0) > 100),
    category: aqi === null ? null : aqiCategory(aqi),
    edition,
    report,
    complete: excluded.every(e => e.replacedBy !== null),
    excluded
  }
}

function resolveEdition (opts: AqiOptions): AqiEdition {
  if (opts.edition !== undefined) {
    if (opts.edition !== '2012' && opts.edition !== '2026') throw new TypeError(`opts.edition must be '2012' or '2026'; got ${String(opts.edition)}.`)
    return opts.edition
  }
  if (opts.date === undefined) throw new TypeError('computeAqi needs opts.edition or opts.date to choose the breakpoint table.')
  return aqiEditionAt(opts.date)
}

function unusable (value: unknown): AqiExclusion['reason'] | null {
  if (value === undefined || value === null) return 'absent'
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'not-finite'
  if (value < 0) return 'negative'
  return null
}

const TRUNCATABLE = new Set<AqiColumn>(['SO2_1h', 'O3_8h'])

function checkTable (table: AqiTable): void {
  const problems: string[] = []
  const columns = Object.keys(AQI_TABLES['2012'].columns) as AqiColumn[]
  for (const column of columns) {
    const bp = table.columns?.[column]
    const min = TRUNCATABLE.has(column) ? 2 : IAQI_LEVELS.length
    if (!Array.isArray(bp) || bp.length < min || bp.length > IAQI_LEVELS.length || bp[0] !== 0 ||
      bp.some((v, i) => !Number.isFinite(v) || (i > 0 && v <= bp[i - 1]))) {
      problems.push(`${column} must be ${min === IAQI_LEVELS.length ? IAQI_LEVELS.length : `${min}–${IAQI_LEVELS.length}`} increasing breakpoints starting at 0`)
    }
  }
  if (table.so2_1hAboveTop !== 'use-24h' && table.so2_1hAboveTop !== 'cap') problems.push("so2_1hAboveTop must be 'use-24h' or 'cap'")
  if (table.o3_8hAboveTop !== 'use-1h' && table.o3_8hAboveTop !== 'cap') problems.push("o3_8hAboveTop must be 'use-1h' or 'cap'")
  if (problems.length > 0) throw new RangeError(`opts.table is invalid: ${problems.join('; ')}.`)
}
