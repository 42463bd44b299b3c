// Demo traceability records (issue 6 §5): three batches with complete histories, written through
// the ingest trace API so the public page shows something real after `shennong demo`:
//   - rice from a paddy (farm site, soil and weather devices): planting, fertiliser and pesticide
//     with registration numbers, irrigation, a lab inspection, harvest (sensor history sealed),
//     processing, sale to a shop; the co-op signs its own events with an Ed25519 key;
//   - grass carp from a pond (water device) carried by a cold-chain truck (cold_chain device);
//   - a fishing vessel's catch (vessel device: the position comes from its readings).
// Events are placed in the last `days` before `now`, the window the simulator backfills.
// device-sim talks to ingest only over HTTP (process packages never import each other).
import { generateKeyPairSync, sign } from 'node:crypto'

export interface DemoBatchOptions {
  /** Ingest base URL, e.g. http://127.0.0.1:8080. */
  url: string
  /** An admin bearer token `<id>.<secret>`. */
  token: string
  now?: number
  /** How far back production starts (default 2 days). */
  days?: number
  /** Sites and devices of the simulated fleet (defaults: demo-mode names of `shennong sim`). */
  rice?: { site: string, devices: string[] }
  pond?: { site: string, devices: string[] }
  truck?: { site: string, device: string }
  vessel?: { site: string, devices: string[] }
  fetch?: typeof fetch
}

export interface DemoBatches { codes: string[], pages: string[] }

const H = 3_600_000

export async function createDemoBatches (options: DemoBatchOptions): Promise<DemoBatches> {
  const base = options.url.replace(/\/+$/, '')
  const doFetch = options.fetch ?? fetch
  const now = options.now ?? Date.now()
  const start = now - (options.days ?? 2) * 24 * H
  const rice = options.rice ?? { site: 'farm-01', devices: ['soil-0001', 'weather-0001'] }
  const pond = options.pond ?? { site: 'river-01', devices: ['water-0001'] }
  const truck = options.truck ?? { site: 'fleet-01', device: 'cold-chain-0001' }
  const vessel = options.vessel ?? { site: 'port-01', devices: ['vessel-0001'] }
  const stamp = new Date(now).toISOString().slice(0, 10).replace(/-/g, '')

  async function call (method: 'GET' | 'POST', path: string, body?: unknown, okIfExists = false): Promise<any> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const json = await res.json() as { code?: string, message?: string }
    if (res.status === 409 && okIfExists) return undefined
    if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${json.code ?? ''} ${json.message ?? ''}`)
    return json
  }

  // Organisations, actors, places (kept when they exist from an earlier run).
  for (const o of [
    { id: 'qinghe-coop', name: 'Qinghe Rice Co-op', nameZh: '青禾水稻专业合作社' },
    { id: 'lakeside-fishery', name: 'Lakeside Fishery', nameZh: '湖畔渔场' },
    { id: 'donghai-fishing', name: 'Donghai Fishing Co.', nameZh: '东海渔业公司' },
    { id: 'county-lab', name: 'County Agri-Product Inspection Centre', nameZh: '县农产品质量检测中心' },
    { id: 'coldway-logistics', name: 'Coldway Logistics', nameZh: '冷路物流' },
    { id: 'fresh-market', name: 'Fresh Market Xihu', nameZh: '西湖鲜超市' }
  ]) await call('POST', '/v1/trace/organisations', o, true)
  for (const a of [
    { id: 'wang-fang', organisation: 'qinghe-coop', name: 'Wang Fang', role: 'grower' },
    { id: 'liu-qiang', organisation: 'qinghe-coop', name: 'Liu Qiang', role: 'plant protection technician' },
    { id: 'zhou-hai', organisation: 'lakeside-fishery', name: 'Zhou Hai', role: 'pond manager' },
    { id: 'chen-bo', organisation: 'donghai-fishing', name: 'Chen Bo', role: 'skipper' },
    { id: 'sun-li', organisation: 'county-lab', name: 'Sun Li', role: 'lab analyst' },
    { id: 'he-jun', organisation: 'coldway-logistics', name: 'He Jun', role: 'driver' },
    { id: 'xu-mei', organisation: 'fresh-market', name: 'Xu Mei', role: 'buyer' }
  ]) await call('POST', '/v1/trace/actors', a, true)
  for (const p of [
    { id: 'paddy-7', organisation: 'qinghe-coop', kind: 'plot', name: 'Paddy 7', nameZh: '七号稻田', site: rice.site, devices: rice.devices, location: { lat: 30.27, lon: 120.15 } },
    { id: 'rice-mill', organisation: 'qinghe-coop', kind: 'plant', name: 'Co-op rice mill', nameZh: '合作社碾米厂' },
    { id: 'pond-3', organisation: 'lakeside-fishery', kind: 'pond', name: 'Pond 3', nameZh: '三号塘', site: pond.site, devices: pond.devices, location: { lat: 30.85, lon: 120.1 } },
    { id: 'zhe-dai-yu-7', organisation: 'donghai-fishing', kind: 'vessel', name: 'Zhe Dai Yu 7', nameZh: '浙岱渔7号', site: vessel.site, devices: vessel.devices },
    { id: 'cold-store-1', organisation: 'donghai-fishing', kind: 'warehouse', name: 'Shenjiamen cold store', nameZh: '沈家门冷库' }
  ]) await call('POST', '/v1/trace/places', p, true)

  // The co-op signs its own events: a fresh key per run, registered for it.
  const keys = generateKeyPairSync('ed25519')
  const raw = keys.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')
  const key = await call('POST', '/v1/trace/organisations/qinghe-coop/keys', { publicKey: raw }) as { id: string }

  const codes: string[] = []
  const at = (hours: number): number => Math.min(now - 60_000, start + hours * H)
  const event = async (code: string, body: Record<string, unknown>): Promise<void> => { await call('POST', `/v1/trace/batches/${code}/events`, body) }
  const signed = async (code: string, body: Record<string, unknown>): Promise<void> => {
    const prepared = await call('POST', `/v1/trace/batches/${code}/events/prepare`, body) as { content: unknown, hash: string }
    const signature = sign(null, Buffer.from(prepared.hash, 'hex'), keys.privateKey).toString('base64')
    await call('POST', `/v1/trace/batches/${code}/events/signed`, { content: prepared.content, signature, keyId: key.id })
  }

  // 1. Rice.
  const riceCode = `RICE-${stamp}-07`
  const coop = { organisation: 'qinghe-coop', actor: 'wang-fang' }
  if (await call('POST', '/v1/trace/batches', { code: riceCode, product: 'Rice', productZh: '大米', variety: 'Nanjing 46', originPlace: 'paddy-7', at: at(0), ...coop }, true) !== undefined) {
    await signed(riceCode, { type: 'planting', at: at(1), place: 'paddy-7', data: { variety: 'Nanjing 46', seedLot: 'NJ46-2025-118', seedSupplier: 'Jiangsu Seed Co.', area: { value: 12, unit: 'mu' } }, ...coop })
    await signed(riceCode, { type: 'input', at: at(3), place: 'paddy-7', data: { category: 'fertiliser', product: 'Compound fertiliser 15-15-15', registrationNumber: '农肥(2021)准字12345号', dose: { value: 25, unit: 'kg/mu' }, method: 'broadcast', operator: 'wang-fang' }, ...coop })
    await signed(riceCode, { type: 'input', at: at(8), place: 'paddy-7', data: { category: 'pesticide', product: 'Chlorantraniliprole 200 g/L SC', registrationNumber: 'PD20110596', activeIngredient: 'chlorantraniliprole', dose: { value: 10, unit: 'mL/mu' }, method: 'spray', operator: 'liu-qiang', preHarvestIntervalDays: 21 }, organisation: 'qinghe-coop', actor: 'liu-qiang' })
    await signed(riceCode, { type: 'irrigation', at: at(12), place: 'paddy-7', data: { volume: { value: 480, unit: 'm3' }, durationMinutes: 90, source: 'canal' }, ...coop })
    await event(riceCode, { type: 'inspection', at: at(30), organisation: 'county-lab', actor: 'sun-li', data: { lab: 'County Agri-Product Inspection Centre', reportNumber: `QT-${stamp}-031`, results: [
      { item: 'chlorantraniliprole', value: 0.02, unit: 'mg/kg', limit: 0.5, standard: 'GB 2763-2021' },
      { item: 'cadmium', value: 0.06, unit: 'mg/kg', limit: 0.2, standard: 'GB 2762-2022' },
      { item: 'lead', value: 0.03, unit: 'mg/kg', limit: 0.2, standard: 'GB 2762-2022' }] } })
    await signed(riceCode, { type: 'harvest', at: at(36), place: 'paddy-7', data: { quantity: { value: 6200, unit: 'kg' } }, ...coop })
    await signed(riceCode, { type: 'processing', at: at(40), place: 'rice-mill', data: { process: 'husking and milling', output: { value: 4300, unit: 'kg' } }, ...coop })
    await signed(riceCode, { type: 'sale', at: at(44), data: { to: 'fresh-market', shop: 'Fresh Market Xihu', quantity: { value: 4300, unit: 'kg' } }, ...coop })
    codes.push(riceCode)
  }

  // 2. Grass carp from a pond, by cold-chain truck.
  const fishCode = `CARP-${stamp}-03`
  const farm = { organisation: 'lakeside-fishery', actor: 'zhou-hai' }
  if (await call('POST', '/v1/trace/batches', { code: fishCode, product: 'Grass carp', productZh: '草鱼', originPlace: 'pond-3', at: at(0), ...farm }, true) !== undefined) {
    await event(fishCode, { type: 'stocking', at: at(0.5), place: 'pond-3', data: { species: 'Ctenopharyngodon idella', count: 3000, source: 'Huzhou hatchery' }, ...farm })
    await event(fishCode, { type: 'input', at: at(6), place: 'pond-3', data: { category: 'feed', product: 'Grass carp pellets 28% protein', registrationNumber: '浙饲证(2022)05012', dose: { value: 120, unit: 'kg/day' }, operator: 'zhou-hai' }, ...farm })
    await event(fishCode, { type: 'harvest', at: at(38), place: 'pond-3', data: { quantity: { value: 2400, unit: 'kg' } }, ...farm })
    await event(fishCode, { type: 'sale', at: at(38.5), data: { to: 'coldway-logistics', quantity: { value: 2400, unit: 'kg' }, note: 'handed over for transport' }, ...farm })
    await event(fishCode, { type: 'transport', at: at(44), organisation: 'coldway-logistics', actor: 'he-jun', data: { from: 'Pond 3', to: 'Fresh Market Xihu', vehicle: '浙E-8K321', departedAt: at(39), arrivedAt: at(44), coldChain: { site: truck.site, device: truck.device } } })
    await event(fishCode, { type: 'sale', at: at(44.5), organisation: 'coldway-logistics', actor: 'he-jun', data: { to: 'fresh-market', shop: 'Fresh Market Xihu' } })
    codes.push(fishCode)
  }

  // 3. A fishing vessel's catch.
  const catchCode = `CROAKER-${stamp}-01`
  const boat = { organisation: 'donghai-fishing', actor: 'chen-bo' }
  if (await call('POST', '/v1/trace/batches', { code: catchCode, product: 'Small yellow croaker', productZh: '小黄鱼', originPlace: 'zhe-dai-yu-7', at: at(20), ...boat }, true) !== undefined) {
    await event(catchCode, { type: 'catch', at: at(30), data: { quantity: { value: 850, unit: 'kg' }, species: 'Larimichthys polyactis', gear: 'trawl' }, ...boat })
    await event(catchCode, { type: 'storage', at: at(34), place: 'cold-store-1', data: { from: at(34), to: at(40), temperature: '-18 °C' }, ...boat })
    await event(catchCode, { type: 'sale', at: at(41), data: { to: 'fresh-market', shop: 'Fresh Market Xihu', quantity: { value: 850, unit: 'kg' } }, ...boat })
    codes.push(catchCode)
  }
  return { codes, pages: codes.map(c => `${base}/trace/${encodeURIComponent(c)}`) }
}
