// The public page of a batch, `/trace/{code}`: mobile first (one column, readable at 320 px),
// Chinese or English (`?lang=zh|en`, else Accept-Language), no script, no outside resource.
// Shows origin, inputs, the environment summary, inspections, the path to the shop, the whole
// chain with hashes, and the verification result.
import type { BatchView, EventView } from './trace-view.ts'

export type Lang = 'zh' | 'en'

const L = {
  title: ['产品追溯', 'Product trace'], lot: ['批次号', 'Lot'], verified: ['记录完整：哈希链校验通过', 'Record intact: the hash chain verifies'],
  broken: ['记录异常：哈希链校验失败', 'Record broken: the hash chain does not verify'], origin: ['产地', 'Origin'],
  producer: ['生产者', 'Producer'], variety: ['品种', 'Variety'], holder: ['当前持有', 'Held by'], inputs: ['投入品', 'Inputs'],
  environment: ['生产环境', 'Production environment'], inspections: ['检测', 'Inspections'], path: ['流向', 'Path to the shop'],
  chain: ['完整记录', 'Full record'], lineage: ['来源批次', 'Source batches'], none: ['无', 'None'], pass: ['合格', 'Pass'], fail: ['不合格', 'Fail'],
  product: ['产品', 'Product'], dose: ['用量', 'Dose'], reg: ['登记证号', 'Registration'], operator: ['操作人', 'Operator'],
  metric: ['指标', 'Metric'], range: ['范围', 'Range'], mean: ['均值', 'Mean'], coverage: ['覆盖率', 'Coverage'], flagged: ['标记', 'Flagged'],
  alerts: ['预警', 'Alerts'], waterClass: ['水质类别', 'Water class'], aqi: ['空气质量', 'Air quality'], item: ['项目', 'Item'],
  value: ['结果', 'Result'], limit: ['限值', 'Limit'], window: ['时段', 'Window'], excursions: ['超温', 'Excursions'], signed: ['已签名', 'signed'],
  qr: ['扫码查看', 'Scan to open'], position: ['位置', 'Position'], quantity: ['数量', 'Quantity'], from: ['来自', 'From'], verifyOf: ['校验', 'Verification']
} as const
const TYPES: Record<string, [string, string]> = {
  created: ['建立批次', 'Batch created'], planting: ['种植', 'Planting'], stocking: ['投苗', 'Stocking'], input: ['投入品使用', 'Input applied'],
  irrigation: ['灌溉', 'Irrigation'], inspection: ['检测', 'Inspection'], harvest: ['采收', 'Harvest'], catch: ['捕捞', 'Catch'],
  processing: ['加工', 'Processing'], storage: ['贮存', 'Storage'], transport: ['运输', 'Transport'], sale: ['销售/交接', 'Sale / hand-over'],
  'sensor-summary': ['环境数据封存', 'Sensor history sealed'], split: ['分批', 'Split'], merge: ['合批', 'Merge']
}
const REASONS: Record<string, [string, string]> = { 'content-changed': ['内容被改动', 'content changed'], 'link-broken': ['链接断开', 'link broken'], 'bad-signature': ['签名无效', 'bad signature'] }

const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
const n = (v: unknown, digits = 2): string => typeof v === 'number' ? String(Number(v.toFixed(digits))) : '–'
const pct = (v: unknown): string => typeof v === 'number' ? `${Math.round(v * 1000) / 10}%` : '–'
/** China Standard Time (UTC+8), YYYY-MM-DD HH:mm. */
export function formatCst (at: string | number): string {
  const d = new Date(typeof at === 'number' ? at : Date.parse(at) + 0)
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')
}

export function pickLang (query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === 'zh' || query === 'en') return query
  return /^\s*zh/i.test(acceptLanguage ?? '') ? 'zh' : (acceptLanguage ?? '') === '' ? 'zh' : 'en'
}

export function renderTracePage (view: BatchView, options: { lang: Lang, qrSvg: string }): string {
  const i = options.lang === 'zh' ? 0 : 1
  const t = (k: keyof typeof L): string => L[k][i]
  const name = (x: { name: string, nameZh: string | null } | null): string => x === null ? '–' : esc(i === 0 && x.nameZh !== null ? x.nameZh : x.name)
  const typeName = (type: string): string => esc(TYPES[type]?.[i] ?? type)
  const own = view.events
  const all = [...view.ancestors.flatMap(a => a.events), ...own]
  const ofType = (...types: string[]): EventView[] => all.filter(e => types.includes(e.type)).sort((a, b) => a.at.localeCompare(b.at))
  const qty = (q: unknown): string => { const x = q as { value?: number, unit?: string } | null | undefined; return x?.value === undefined ? '' : `${n(x.value)} ${esc(x.unit)}` }
  const who = (e: EventView): string => `${esc(e.actor.name)} · ${name(e.organisation)}`
  const section = (title: string, body: string, id: string): string => `<section id="${id}"><h2>${title}</h2>${body}</section>`

  const inputs = ofType('input').map(e => {
    const d = e.data as Record<string, unknown>
    return `<li><b>${esc(d.product)}</b> <span class="tag">${esc(d.category)}</span><br>${t('reg')}: ${esc(d.registrationNumber ?? '–')} · ${t('dose')}: ${qty(d.dose)}<br>${t('operator')}: ${esc(d.operator)} · ${formatCst(e.at)}</li>`
  }).join('')

  const summaries = ofType('sensor-summary')
  const env = summaries.length === 0 ? `<p>${t('none')}</p>` : summaries.slice(-1).map(e => {
    const d = e.data as { window: { from: number, to: number }, digest: string, summary: { places: Array<{ place: string, metrics: Record<string, Record<string, number | null>>, waterClass: { shares: Record<string, number> } | null, aqi: { shares: Record<string, number> } | null, alerts: { count: number } }> } }
    const places = d.summary.places.map(p => {
      const rows = Object.entries(p.metrics).map(([m, s]) => `<tr><td>${esc(m)}</td><td>${n(s.min)}–${n(s.max)}</td><td>${n(s.mean)}</td><td>${pct(s.coverage)}</td><td>${pct(s.flaggedShare)}</td></tr>`).join('')
      const dist = (x: { shares: Record<string, number> } | null): string => x === null ? '–' : Object.entries(x.shares).map(([k, v]) => `${esc(k)} ${pct(v)}`).join(', ')
      return `<h3>${esc(p.place)}</h3><div class="scroll"><table><tr><th>${t('metric')}</th><th>${t('range')}</th><th>${t('mean')}</th><th>${t('coverage')}</th><th>${t('flagged')}</th></tr>${rows}</table></div>
        <p>${t('waterClass')}: ${dist(p.waterClass)}<br>${t('aqi')}: ${dist(p.aqi)}<br>${t('alerts')}: ${p.alerts.count}</p>`
    }).join('')
    return `<p>${t('window')}: ${formatCst(d.window.from)} – ${formatCst(d.window.to)}</p>${places}<p class="hash">sha256 ${esc(d.digest)}</p>`
  }).join('')

  const inspections = ofType('inspection').map(e => {
    const d = e.data as { lab: string, reportNumber?: string, pass: boolean, results: Array<{ item: string, value: number, unit: string, limit: number, limitType: string, pass: boolean }> }
    const rows = d.results.map(r => `<tr><td>${esc(r.item)}</td><td>${n(r.value, 4)} ${esc(r.unit)}</td><td>${r.limitType === 'min' ? '≥' : '≤'} ${n(r.limit, 4)}</td><td class="${r.pass ? 'ok' : 'bad'}">${r.pass ? t('pass') : t('fail')}</td></tr>`).join('')
    return `<p><b class="${d.pass ? 'ok' : 'bad'}">${d.pass ? t('pass') : t('fail')}</b> · ${esc(d.lab)} ${esc(d.reportNumber ?? '')} · ${formatCst(e.at)}</p><div class="scroll"><table><tr><th>${t('item')}</th><th>${t('value')}</th><th>${t('limit')}</th><th></th></tr>${rows}</table></div>`
  }).join('')

  const path = ofType('harvest', 'catch', 'processing', 'storage', 'transport', 'sale').map(e => {
    const d = e.data as Record<string, unknown>
    let detail = ''
    if (e.type === 'transport') {
      const cold = d.coldChain as { range: { min: number, max: number }, profile: { metrics: Record<string, { min: number, max: number }>, excursions: { count: number } } } | undefined
      detail = `${esc(d.from)} → ${esc(d.to)} ${esc(d.vehicle ?? '')}`
      if (cold !== undefined) {
        const temp = cold.profile.metrics['cold_chain.temperature_c']
        detail += `<br>${n(temp?.min, 1)}–${n(temp?.max, 1)} °C (${n(cold.range.min, 1)}–${n(cold.range.max, 1)} °C) · ${t('excursions')}: ${cold.profile.excursions.count}`
      }
    } else if (e.type === 'sale') {
      detail = `→ ${esc(d.shop ?? d.to)} ${qty(d.quantity)}`
    } else if (e.type === 'catch') {
      const p = d.position as { lat: number, lon: number } | null
      detail = `${qty(d.quantity)}${p === null ? '' : ` · ${t('position')}: ${n(p.lat, 4)}, ${n(p.lon, 4)}`}`
    } else {
      detail = `${qty(d.quantity ?? d.output)} ${esc(d.process ?? '')}`
    }
    return `<li><b>${typeName(e.type)}</b> · ${formatCst(e.at)}<br>${detail}<br><small>${who(e)}${e.place === null ? '' : ` · ${name(e.place)}`}</small></li>`
  }).join('')

  const eventItem = (e: EventView): string => `<li class="ev"><b>#${e.seq} ${typeName(e.type)}</b> · ${formatCst(e.at)}${e.signed ? ` <span class="tag">${t('signed')}</span>` : ''}<br><small>${who(e)}${e.place === null ? '' : ` · ${name(e.place)}`}</small><br><code class="hash">${esc(e.hash.slice(0, 16))}…</code></li>`
  const lineage = view.ancestors.map(a => `<h3>${t('from')} ${esc(a.code)} · ${esc(i === 0 && a.productZh !== null ? a.productZh : a.product)}</h3><ol class="chain">${a.events.map(eventItem).join('')}</ol>`).join('')

  const v = view.verification
  const firstBreak = v.chains.find(c => !c.ok)?.break
  const verdict = v.ok
    ? `<p class="verdict ok" id="verification" data-ok="true">✔ ${t('verified')}</p>`
    : `<p class="verdict bad" id="verification" data-ok="false">✘ ${t('broken')}<br><small>${esc(firstBreak?.batch)} #${esc(firstBreak?.seq)}: ${esc(REASONS[firstBreak?.reason ?? '']?.[i] ?? firstBreak?.reason)} — ${esc(firstBreak?.message)}</small></p>`
  const counts = v.chains.map(c => `${esc(c.batch)}: ${c.events} (${c.signed} ${t('signed')})`).join(' · ')

  return `<!doctype html>
<html lang="${i === 0 ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>${esc(i === 0 && view.productZh !== null ? view.productZh : view.product)} ${esc(view.code)} · ${t('title')}</title>
<style>
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1d2a1f;background:#f4f7f2}
header{background:#2f6b3a;color:#fff;padding:16px}header h1{margin:0;font-size:1.4rem}header p{margin:4px 0 0}nav a{color:#fff;margin-right:12px}
main{max-width:720px;margin:0 auto;padding:8px 12px 32px}section{background:#fff;border-radius:10px;padding:12px 14px;margin:12px 0;box-shadow:0 1px 2px #0001}
h2{font-size:1.1rem;margin:0 0 8px}h3{font-size:1rem;margin:12px 0 4px}ul,ol{padding-left:20px;margin:0}li{margin:6px 0}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #e3e8e0;padding:4px 6px;text-align:left;white-space:nowrap}
.ok{color:#1f7a35}.bad{color:#b3261e}.verdict{font-weight:600;margin:0}.tag{display:inline-block;background:#e7efe4;border-radius:4px;padding:0 6px;font-size:.8rem}
.hash,code{font-family:ui-monospace,monospace;font-size:.75rem;color:#5a6b5d;word-break:break-all}.qr svg{width:160px;height:160px}small{color:#5a6b5d}
</style></head><body>
<header><h1>${esc(i === 0 && view.productZh !== null ? view.productZh : view.product)}</h1><p>${t('lot')} <b>${esc(view.code)}</b></p>
<nav><a href="?lang=zh" lang="zh">中文</a><a href="?lang=en" lang="en">English</a></nav></header>
<main>
${section(t('verifyOf'), `${verdict}<p><small>${counts}</small></p>`, 'verify')}
${section(t('origin'), `<p>${name(view.origin)} (${esc(view.origin?.kind)})<br>${t('producer')}: ${name(view.organisation)}<br>${t('variety')}: ${esc(view.variety ?? '–')}${view.quantity === null ? '' : `<br>${t('quantity')}: ${qty(view.quantity)}`}<br>${t('holder')}: ${name(view.custodian)}</p>`, 'origin')}
${section(t('inputs'), inputs === '' ? `<p>${t('none')}</p>` : `<ul>${inputs}</ul>`, 'inputs')}
${section(t('environment'), env, 'environment')}
${section(t('inspections'), inspections === '' ? `<p>${t('none')}</p>` : inspections, 'inspections')}
${section(t('path'), path === '' ? `<p>${t('none')}</p>` : `<ol>${path}</ol>`, 'path')}
${view.ancestors.length === 0 ? '' : section(t('lineage'), lineage, 'lineage')}
${section(t('chain'), `<ol class="chain">${own.map(eventItem).join('')}</ol>`, 'chain')}
${section(t('qr'), `<div class="qr">${options.qrSvg}</div>`, 'qr')}
</main></body></html>`
}
