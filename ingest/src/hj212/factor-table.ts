// The builtin factor mapping: HJ 212 factor codes (spec/hj212.md §7, HJ 212-2017 Appendix B, HJ
// 524/525) → catalog metrics, with the unit ambient stations send in practice. The packet never
// carries a unit (§7), so every entry is a default a station can override in its registry entry.
// docs/hj212-stations.md prints this table.
import type { FactorMapping } from './config.ts'

export interface BuiltinFactor extends FactorMapping {
  /** The unit assumed on the wire. */
  readonly unit: string
  readonly note?: string
}

const f = (metric: string, unit: string, scale = 1, note?: string): BuiltinFactor =>
  Object.freeze({ metric, scale, offset: 0, unit, ...(note === undefined ? {} : { note }) })

export const BUILTIN_FACTORS: Readonly<Record<'air' | 'water', Readonly<Record<string, BuiltinFactor>>>> = Object.freeze({
  air: Object.freeze({
    a34004: f('pm25_ug_m3', 'µg/m³', 1, 'App. B says ng/m³; ambient stations send µg/m³ [practice]'),
    a34002: f('pm10_ug_m3', 'µg/m³', 1, 'App. B says ng/m³; ambient stations send µg/m³ [practice]'),
    a21026: f('so2_ug_m3', 'µg/m³', 1, 'App. B says mg/m³; ambient stations send µg/m³ [practice]'),
    a21004: f('no2_ug_m3', 'µg/m³', 1, 'App. B says mg/m³; ambient stations send µg/m³ [practice]'),
    a05024: f('o3_ug_m3', 'µg/m³', 1, 'not in App. B; HJ 524 code from practice'),
    a21005: f('co_mg_m3', 'mg/m³'),
    a05001: f('co2_ppm', 'ppm', 1, 'App. B says mg/m³; set scale 0.509 (at 25 °C) for a station sending mg/m³'),
    a01001: f('temperature_c', '°C'),
    a01002: f('humidity_pct', '%RH'),
    a01006: f('pressure_hpa', 'kPa', 10)
  }),
  water: Object.freeze({
    w01001: f('ph', 'pH'),
    w01009: f('do_mg_l', 'mg/L'),
    w01010: f('temperature_c', '°C'),
    w01014: f('conductivity_us_cm', 'µS/cm'),
    w01003: f('turbidity_ntu', 'NTU', 1, 'not in App. B; code from practice'),
    w01019: f('codmn_mg_l', 'mg/L'),
    w01018: f('cod_mg_l', 'mg/L'),
    w01017: f('bod5_mg_l', 'mg/L'),
    w21003: f('nh3n_mg_l', 'mg/L'),
    w21011: f('tp_mg_l', 'mg/L'),
    w21001: f('tn_mg_l', 'mg/L'),
    w21016: f('cyanide_mg_l', 'mg/L'),
    w21017: f('fluoride_mg_l', 'mg/L'),
    w21019: f('sulfide_mg_l', 'mg/L'),
    w22001: f('petroleum_mg_l', 'mg/L'),
    w23002: f('phenol_mg_l', 'mg/L'),
    w19002: f('las_mg_l', 'mg/L'),
    w02003: f('fecal_coliform_per_l', 'count/L'),
    w20111: f('hg_mg_l', 'µg/L', 0.001),
    w20115: f('cd_mg_l', 'µg/L', 0.001),
    w20117: f('cr6_mg_l', 'µg/L', 0.001),
    w20119: f('as_mg_l', 'µg/L', 0.001),
    w20120: f('pb_mg_l', 'µg/L', 0.001),
    w20122: f('cu_mg_l', 'mg/L'),
    w20123: f('zn_mg_l', 'mg/L'),
    w20128: f('se_mg_l', 'µg/L', 0.001),
    w01016: f('chlorophyll_ug_l', 'µg/L', 1, 'not in App. B; practice varies (mg/L or µg/L): set scale 1000 for mg/L')
  })
})
