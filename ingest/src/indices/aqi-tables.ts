// Breakpoint tables and categories for the Chinese AQI (spec/aqi.md). Data only; aqi.ts computes.

/** IAQI levels, the rows of HJ 633-2012 Table 1. */
export const IAQI_LEVELS = [0, 50, 100, 150, 200, 300, 400, 500] as const

/** One breakpoint column per pollutant and averaging time; units µg/m³ except CO in mg/m³. */
export type AqiColumn =
  'SO2_24h' | 'SO2_1h' | 'NO2_24h' | 'NO2_1h' | 'PM10_24h' | 'CO_24h' | 'CO_1h' | 'O3_1h' | 'O3_8h' | 'PM25_24h'

/**
 * An edition's table. `columns[c][i]` is the concentration for IAQI_LEVELS[i]; a column shorter than
 * IAQI_LEVELS is truncated (HJ 633-2012 Table 1 notes 2 and 3). The two rules say what happens above
 * a truncated column's top: `use-24h` / `use-1h` (the 2012 notes) or `cap` (IAQI of the top row,
 * i.e. 200 for SO2 1h and 300 for O3 8h, as some transcriptions of the 2026 revision read).
 */
export interface AqiTable {
  columns: Readonly<Record<AqiColumn, readonly number[]>>
  so2_1hAboveTop: 'use-24h' | 'cap'
  o3_8hAboveTop: 'use-1h' | 'cap'
}

// HJ 633-2012 Table 1 (breakpoints cross-checked in spec/aqi.md §2).
const COLUMNS_2012: Record<AqiColumn, readonly number[]> = {
  SO2_24h: [0, 50, 150, 475, 800, 1600, 2100, 2620],
  SO2_1h: [0, 150, 500, 650, 800], // note 2: above 800 no 1-hour IAQI
  NO2_24h: [0, 40, 80, 180, 280, 565, 750, 940],
  NO2_1h: [0, 100, 200, 700, 1200, 2340, 3090, 3840],
  PM10_24h: [0, 50, 150, 250, 350, 420, 500, 600],
  CO_24h: [0, 2, 4, 14, 24, 36, 48, 60],
  CO_1h: [0, 5, 10, 35, 60, 90, 120, 150],
  O3_1h: [0, 160, 200, 300, 400, 800, 1000, 1200],
  O3_8h: [0, 100, 160, 215, 265, 800], // note 3: above 800 no 8-hour IAQI
  PM25_24h: [0, 35, 75, 115, 150, 250, 350, 500]
}

export type AqiEdition = '2012' | '2026'

/**
 * Built-in tables. '2026' is UNVERIFIED (spec/aqi.md §8: third-party transcriptions of HJ 633-2026,
 * official text not read): PM2.5 24h 75 → 60 and PM10 24h 150 → 120 at IAQI 100, other columns as 2012,
 * and the 2012 above-top rules kept until the official text settles the disputed "fixed 200 / 300".
 * Pass `opts.table` to computeAqi to replace it.
 */
export const AQI_TABLES: Readonly<Record<AqiEdition, AqiTable>> = Object.freeze({
  '2012': Object.freeze({ columns: Object.freeze(COLUMNS_2012), so2_1hAboveTop: 'use-24h', o3_8hAboveTop: 'use-1h' }),
  '2026': Object.freeze({
    columns: Object.freeze({
      ...COLUMNS_2012,
      PM25_24h: [0, 35, 60, 115, 150, 250, 350, 500],
      PM10_24h: [0, 50, 120, 250, 350, 420, 500, 600]
    }),
    so2_1hAboveTop: 'use-24h',
    o3_8hAboveTop: 'use-1h'
  })
})

/** The 2026 revision is in force from 2026-03-01 (Beijing time, UTC+8). */
export const AQI_2026_FROM_MS = Date.parse('2026-03-01T00:00:00+08:00')

export interface AqiCategory {
  /** 1 (一级) … 6 (六级). */
  level: 1 | 2 | 3 | 4 | 5 | 6
  /** 类别, HJ 633-2012 Table 2. */
  zh: string
  /** Common English translation (not in the standard). */
  en: string
  colour: string
  colourZh: string
  /** HJ 633-2012 Appendix A as quoted publicly. */
  rgb: string
  /** Inclusive upper bound of the integer AQI; Infinity for level 6. */
  max: number
}

// HJ 633-2012 Table 2 and Appendix A (spec/aqi.md §6).
export const AQI_CATEGORIES: readonly AqiCategory[] = Object.freeze([
  { level: 1, zh: '优', en: 'Excellent', colour: 'green', colourZh: '绿色', rgb: '#00E400', max: 50 },
  { level: 2, zh: '良', en: 'Good', colour: 'yellow', colourZh: '黄色', rgb: '#FFFF00', max: 100 },
  { level: 3, zh: '轻度污染', en: 'Lightly polluted', colour: 'orange', colourZh: '橙色', rgb: '#FF7E00', max: 150 },
  { level: 4, zh: '中度污染', en: 'Moderately polluted', colour: 'red', colourZh: '红色', rgb: '#FF0000', max: 200 },
  { level: 5, zh: '重度污染', en: 'Heavily polluted', colour: 'purple', colourZh: '紫色', rgb: '#99004C', max: 300 },
  { level: 6, zh: '严重污染', en: 'Severely polluted', colour: 'maroon', colourZh: '褐红色', rgb: '#7E0023', max: Infinity }
].map(c => Object.freeze(c as AqiCategory)))
