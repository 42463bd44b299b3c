// ARCHITECTURE §4: the metric catalog. Extend it; never change a name's unit or type.
// `min`/`max` are the plausible physical range: a value outside it is flagged `bad` by quality
// control (it is still stored). Ranges are wide on purpose: they catch broken sensors and unit
// mistakes, not unusual weather.

export interface MetricSpec {
  unit: string
  min: number
  max: number
  description: string
}

export type Kind = 'soil' | 'water' | 'air' | 'weather' | 'vessel' | 'cold_chain'

const temperature: MetricSpec = { unit: '°C', min: -60, max: 70, description: 'temperature' }
const ph: MetricSpec = { unit: 'pH', min: 0, max: 14, description: 'pH' }
const humidity: MetricSpec = { unit: '%RH', min: 0, max: 100, description: 'relative humidity' }

export const CATALOG: Readonly<Record<Kind, Readonly<Record<string, MetricSpec>>>> = {
  soil: {
    moisture_vwc_pct: { unit: '%VWC', min: 0, max: 100, description: 'volumetric water content' },
    temperature_c: { ...temperature, min: -40, max: 80, description: 'soil temperature' },
    ec_us_cm: { unit: 'µS/cm', min: 0, max: 20_000, description: 'soil electrical conductivity' },
    ph,
    nitrogen_mg_kg: { unit: 'mg/kg', min: 0, max: 2000, description: 'available nitrogen' },
    phosphorus_mg_kg: { unit: 'mg/kg', min: 0, max: 2000, description: 'available phosphorus' },
    potassium_mg_kg: { unit: 'mg/kg', min: 0, max: 2000, description: 'available potassium' }
  },
  water: {
    temperature_c: { ...temperature, min: -5, max: 50, description: 'water temperature' },
    ph,
    do_mg_l: { unit: 'mg/L', min: 0, max: 25, description: 'dissolved oxygen' },
    conductivity_us_cm: { unit: 'µS/cm', min: 0, max: 100_000, description: 'conductivity' },
    turbidity_ntu: { unit: 'NTU', min: 0, max: 4000, description: 'turbidity' },
    codmn_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'permanganate index (CODMn)' },
    cod_mg_l: { unit: 'mg/L', min: 0, max: 5000, description: 'chemical oxygen demand (CODCr)' },
    bod5_mg_l: { unit: 'mg/L', min: 0, max: 1000, description: 'five-day biochemical oxygen demand' },
    nh3n_mg_l: { unit: 'mg/L', min: 0, max: 500, description: 'ammonia nitrogen' },
    tp_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'total phosphorus' },
    tn_mg_l: { unit: 'mg/L', min: 0, max: 500, description: 'total nitrogen' },
    chlorophyll_ug_l: { unit: 'µg/L', min: 0, max: 1000, description: 'chlorophyll a' },
    salinity_psu: { unit: 'PSU', min: 0, max: 70, description: 'salinity' },
    do_saturation_pct: { unit: '%', min: 0, max: 300, description: 'dissolved oxygen saturation' },
    fecal_coliform_per_l: { unit: 'MPN/L', min: 0, max: 1e9, description: 'fecal coliform' },
    // GB 3838-2002 Table 1 basic items beyond the nutrients (lab or online analysers).
    cu_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'copper' },
    zn_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'zinc' },
    fluoride_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'fluoride (as F-)' },
    se_mg_l: { unit: 'mg/L', min: 0, max: 10, description: 'selenium' },
    as_mg_l: { unit: 'mg/L', min: 0, max: 10, description: 'arsenic' },
    hg_mg_l: { unit: 'mg/L', min: 0, max: 1, description: 'mercury' },
    cd_mg_l: { unit: 'mg/L', min: 0, max: 10, description: 'cadmium' },
    cr6_mg_l: { unit: 'mg/L', min: 0, max: 10, description: 'chromium (hexavalent)' },
    pb_mg_l: { unit: 'mg/L', min: 0, max: 10, description: 'lead' },
    cyanide_mg_l: { unit: 'mg/L', min: 0, max: 10, description: 'cyanide' },
    phenol_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'volatile phenol' },
    petroleum_mg_l: { unit: 'mg/L', min: 0, max: 1000, description: 'petroleum' },
    las_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'anionic surfactant (LAS)' },
    sulfide_mg_l: { unit: 'mg/L', min: 0, max: 100, description: 'sulfide' }
  },
  air: {
    pm25_ug_m3: { unit: 'µg/m³', min: 0, max: 2000, description: 'PM2.5' },
    pm10_ug_m3: { unit: 'µg/m³', min: 0, max: 5000, description: 'PM10' },
    so2_ug_m3: { unit: 'µg/m³', min: 0, max: 10_000, description: 'sulphur dioxide' },
    no2_ug_m3: { unit: 'µg/m³', min: 0, max: 5000, description: 'nitrogen dioxide' },
    o3_ug_m3: { unit: 'µg/m³', min: 0, max: 2000, description: 'ozone' },
    co_mg_m3: { unit: 'mg/m³', min: 0, max: 200, description: 'carbon monoxide' },
    temperature_c: temperature,
    humidity_pct: humidity,
    pressure_hpa: { unit: 'hPa', min: 300, max: 1100, description: 'air pressure' },
    co2_ppm: { unit: 'ppm', min: 0, max: 10_000, description: 'carbon dioxide' }
  },
  weather: {
    temperature_c: temperature,
    humidity_pct: humidity,
    rainfall_mm: { unit: 'mm', min: 0, max: 500, description: 'rainfall in the reporting interval' },
    wind_speed_m_s: { unit: 'm/s', min: 0, max: 90, description: 'wind speed' },
    wind_dir_deg: { unit: '°', min: 0, max: 360, description: 'wind direction, from north clockwise' },
    solar_w_m2: { unit: 'W/m²', min: 0, max: 1500, description: 'global solar radiation' },
    illuminance_lux: { unit: 'lx', min: 0, max: 200_000, description: 'illuminance' }
  },
  vessel: {
    lat_deg: { unit: '°', min: -90, max: 90, description: 'latitude, WGS-84 / CGCS2000' },
    lon_deg: { unit: '°', min: -180, max: 180, description: 'longitude, WGS-84 / CGCS2000' },
    sog_kn: { unit: 'kn', min: 0, max: 60, description: 'speed over ground' },
    cog_deg: { unit: '°', min: 0, max: 360, description: 'course over ground' },
    fix_quality: { unit: '', min: 0, max: 8, description: 'GGA fix quality' },
    satellites: { unit: '', min: 0, max: 99, description: 'satellites used' },
    hdop: { unit: '', min: 0, max: 99.9, description: 'horizontal dilution of precision' }
  },
  cold_chain: {
    temperature_c: { ...temperature, min: -60, max: 60, description: 'cargo temperature' },
    humidity_pct: humidity
  }
}

export const KINDS = Object.keys(CATALOG) as Kind[]

export function isKind (value: unknown): value is Kind {
  return typeof value === 'string' && Object.hasOwn(CATALOG, value)
}

export function metricSpec (kind: Kind, metric: string): MetricSpec | undefined {
  return Object.hasOwn(CATALOG[kind], metric) ? CATALOG[kind][metric] : undefined
}
