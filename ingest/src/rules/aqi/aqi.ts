// aqi: the hourly AQI (HJ 633-2012 real-time report, spec/aqi.md §3) of an air station, from the
// 1-hour means of its readings (SO2, NO2, CO, O3, PM10, PM2.5), with the 24-hour SO2 mean for
// SO2 1h > 800 (Table 1 note 2) and optionally the 8-hour O3 sliding mean. An hour closes when the
// first reading of a later hour arrives, or on the timer `lateness` after its end. The edition
// goes by date (2012 before 2026-03-01 Beijing time, then 2026, whose table is configurable
// because it is unverified). The AQI category (level 1–6) maps to a severity. Every closed hour
// with an AQI is also reported as an index observation (measurement `aqi`, time = the hour's
// start), whether or not it raised anything: the dashboards' continuous AQI series.
import Type, { type Static } from 'typebox'
import { parseDuration } from '@shennong/core/duration.ts'
import { computeAqi, type AqiConcentrations, type AqiItem, type AqiResult, type AqiTable } from '../../indices/aqi.ts'
import type { Severity } from '../../alerts/severity.ts'
import { unchanged, type AlertSignal, type IndexObservation, type IndexValue, type Outcome, type RuleKind } from '../rule-kind.ts'
import { Duration, SeverityOrNone } from '../schema-parts.ts'

const HOUR = 3_600_000
const POLLUTANTS = ['so2_ug_m3', 'no2_ug_m3', 'co_mg_m3', 'o3_ug_m3', 'pm10_ug_m3', 'pm25_ug_m3'] as const
type Pollutant = typeof POLLUTANTS[number]

const Breakpoints = Type.Array(Type.Number({ minimum: 0 }), { minItems: 2, maxItems: 8 })

export const AqiRuleSchema = Type.Object({
  edition: Type.Union([Type.Literal('by-date'), Type.Literal('2012'), Type.Literal('2026')], { default: 'by-date' }),
  table2026: Type.Optional(Type.Object({
    columns: Type.Object({
      SO2_24h: Breakpoints, SO2_1h: Breakpoints, NO2_24h: Breakpoints, NO2_1h: Breakpoints, PM10_24h: Breakpoints,
      CO_24h: Breakpoints, CO_1h: Breakpoints, O3_1h: Breakpoints, O3_8h: Breakpoints, PM25_24h: Breakpoints
    }, { additionalProperties: false }),
    so2_1hAboveTop: Type.Union([Type.Literal('use-24h'), Type.Literal('cap')], { default: 'use-24h' }),
    o3_8hAboveTop: Type.Union([Type.Literal('use-1h'), Type.Literal('cap')], { default: 'use-1h' })
  }, { additionalProperties: false, description: 'Replaces the built-in (unverified) 2026 table once the official text is read.' })),
  o3_8h: Type.Union([Type.Literal('exclude'), Type.Literal('include')], { default: 'exclude', description: 'Whether the 8-hour O3 IAQI enters the hourly AQI (spec §3, undecided).' }),
  severities: Type.Object({
    '1': SeverityOrNone, '2': SeverityOrNone, '3': SeverityOrNone, '4': SeverityOrNone, '5': SeverityOrNone, '6': SeverityOrNone
  }, { additionalProperties: false, default: { 1: 'none', 2: 'none', 3: 'blue', 4: 'yellow', 5: 'orange', 6: 'red' }, description: 'AQI level (1 优 … 6 严重污染) → severity.' }),
  minSamples: Type.Integer({ minimum: 1, default: 1, description: 'Samples a pollutant needs in an hour for its 1-hour mean.' }),
  lateness: Duration('5m', 'The timer closes an hour this long after its end when no later reading came.')
}, { additionalProperties: false })

export type AqiRaw = Static<typeof AqiRuleSchema>
export interface AqiRuleConfig {
  edition: 'by-date' | '2012' | '2026'
  table2026: AqiTable | undefined
  includeO3_8h: boolean
  severities: Record<number, Severity | null>
  minSamples: number
  latenessMs: number
}
export interface AqiState {
  /** Start of the hour being accumulated (epoch ms), or null. */
  hour: number | null
  sums: Partial<Record<Pollutant, [number, number]>>
  seq: number | null
  /** Closed hours' means, newest last, at most 24. */
  hours: Array<{ hour: number, means: Partial<Record<Pollutant, number>> }>
  severity: Severity | null
}

function mean (hours: AqiState['hours'], p: Pollutant, n: number, need: number): number | undefined {
  const values = hours.slice(-n).map(h => h.means[p]).filter((v): v is number => v !== undefined)
  return values.length >= need ? values.reduce((a, b) => a + b, 0) / values.length : undefined
}

// spec §4: inputs are reported values, integers in µg/m³ and one decimal for CO in mg/m³.
const round = (v: number | undefined, digits = 0): number | undefined => v === undefined ? undefined : Math.round(v * 10 ** digits) / 10 ** digits

/** Measurement of the hourly AQI observations. */
export const AQI_INDEX = 'aqi'

// Field iaqi_<pollutant>: the IAQI of a pollutant is the highest of its items (O3 1h and, when
// included, 8h; SO2 1h or, above 800 µg/m³, its 24-hour replacement; PM 1-hour means).
const IAQI_FIELD: Record<AqiItem, string> = {
  SO2_1h: 'iaqi_so2', SO2_24h: 'iaqi_so2', NO2_1h: 'iaqi_no2', NO2_24h: 'iaqi_no2', CO_1h: 'iaqi_co', CO_24h: 'iaqi_co',
  O3_1h: 'iaqi_o3', O3_8h: 'iaqi_o3', PM10_1h: 'iaqi_pm10', PM10_24h: 'iaqi_pm10', PM25_1h: 'iaqi_pm25', PM25_24h: 'iaqi_pm25'
}

/** The hour's AQI as an observation: one point per station and hour, at the hour's start. */
export function aqiObservation (hour: number, result: AqiResult & { aqi: number, category: NonNullable<AqiResult['category']> }): IndexObservation {
  const values: Record<string, IndexValue> = {
    aqi: { int: result.aqi },
    level: { int: result.category.level },
    primary: result.primary.join(','),
    edition: result.edition,
    complete: { int: result.complete ? 1 : 0 }
  }
  for (const [item, v] of Object.entries(result.iaqi) as Array<[AqiItem, number]>) {
    const key = IAQI_FIELD[item]
    const prev = values[key] as { int: number } | undefined
    if (prev === undefined || v > prev.int) values[key] = { int: v }
  }
  return { index: AQI_INDEX, ts: hour, values }
}

function closeHour (config: AqiRuleConfig, state: AqiState): Outcome<AqiState> {
  if (state.hour === null) return unchanged(state)
  const hour = state.hour
  const means: Partial<Record<Pollutant, number>> = {}
  for (const p of POLLUTANTS) {
    const s = state.sums[p]
    if (s !== undefined && s[1] >= config.minSamples) means[p] = s[0] / s[1]
  }
  const hours = [...state.hours, { hour, means }].filter(h => h.hour > hour - 24 * HOUR)
  const base: AqiState = { hour: null, sums: {}, seq: state.seq, hours, severity: state.severity }
  if (Object.keys(means).length === 0) return { state: base, alerts: [] }
  const conc: AqiConcentrations = {
    so2_ug_m3: round(means.so2_ug_m3), no2_ug_m3: round(means.no2_ug_m3), co_mg_m3: round(means.co_mg_m3, 1),
    o3_1h_ug_m3: round(means.o3_ug_m3), pm10_ug_m3: round(means.pm10_ug_m3), pm25_ug_m3: round(means.pm25_ug_m3),
    // HJ 663-2013 validity: an 8-hour mean needs 6 hours, a 24-hour mean 20 hours.
    o3_8h_ug_m3: round(mean(hours, 'o3_ug_m3', 8, 6)),
    so2_24h_ug_m3: round(mean(hours, 'so2_ug_m3', 24, 20))
  }
  const edition = config.edition === 'by-date' ? undefined : config.edition
  const result = computeAqi(conc, { report: 'hourly', date: hour, ...(edition !== undefined ? { edition } : {}), includeO3_8hInHourly: config.includeO3_8h })
  const final = result.edition === '2026' && config.table2026 !== undefined
    ? computeAqi(conc, { report: 'hourly', edition: '2026', table: config.table2026, includeO3_8hInHourly: config.includeO3_8h })
    : result
  if (final.aqi === null || final.category === null) return { state: base, alerts: [] }
  const severity = config.severities[final.category.level] ?? null
  const indices = [aqiObservation(hour, { ...final, aqi: final.aqi, category: final.category })]
  const alerts: AlertSignal[] = []
  const ts = hour + HOUR
  const hourText = `${new Date(hour).toISOString().slice(0, 13)}h UTC`
  if (severity !== state.severity) {
    if (severity === null) {
      alerts.push({ action: 'clear', value: final.aqi, message: `AQI ${final.aqi} (${final.category.zh} ${final.category.en}) for the hour from ${hourText}`, ts, seq: state.seq })
    } else {
      alerts.push({
        action: 'raise',
        severity,
        value: final.aqi,
        message: `AQI ${final.aqi} (${final.category.zh} ${final.category.en}) for the hour from ${hourText}; primary ${final.primary.join(', ') || 'none'}`,
        ts,
        seq: state.seq,
        details: { edition: final.edition, level: final.category.level, primary: final.primary, iaqi: final.iaqi, hour, complete: final.complete }
      })
    }
  }
  return { state: { ...base, severity }, alerts, indices }
}

export const aqi: RuleKind<AqiRaw, AqiRuleConfig, AqiState> = {
  kind: 'aqi',
  summary: 'Hourly AQI per HJ 633 from 1-hour means; edition by date; category → severity.',
  schema: AqiRuleSchema,
  readingKinds: ['air'],
  compile: raw => ({
    config: {
      edition: raw.edition,
      table2026: raw.table2026 as AqiTable | undefined,
      includeO3_8h: raw.o3_8h === 'include',
      severities: Object.fromEntries(Object.entries(raw.severities).map(([k, v]) => [Number(k), v === 'none' ? null : v])) as Record<number, Severity | null>,
      minSamples: raw.minSamples,
      latenessMs: parseDuration(raw.lateness)
    }
  }),
  subject: (_config, reading) => reading.device,
  initial: () => ({ hour: null, sums: {}, seq: null, hours: [], severity: null }),
  evaluate (config, state, reading) {
    const hour = Math.floor(reading.ts / HOUR) * HOUR
    const usable = POLLUTANTS.filter(p => reading.metrics[p] !== undefined)
    if (usable.length === 0) return unchanged(state)
    const last = state.hours[state.hours.length - 1]
    if ((state.hour !== null && hour < state.hour) || (last !== undefined && hour <= last.hour)) return unchanged(state) // late for a closed hour
    let out: Outcome<AqiState> = { state, alerts: [] }
    if (state.hour !== null && hour > state.hour) out = closeHour(config, state)
    const s = out.state
    const sums = { ...s.sums }
    for (const p of usable) {
      const prev = sums[p] ?? [0, 0]
      sums[p] = [prev[0] + reading.metrics[p], prev[1] + 1]
    }
    return { state: { ...s, hour, sums, seq: reading.seq }, alerts: out.alerts, ...(out.indices !== undefined ? { indices: out.indices } : {}) }
  },
  tick (config, state, now) {
    if (state.hour === null || now < state.hour + HOUR + config.latenessMs) return unchanged(state)
    return closeHour(config, state)
  }
}
