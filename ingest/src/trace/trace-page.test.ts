import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { seedOrganisations, startTraceFixture } from './trace-fixture.ts'

const T0 = Date.UTC(2025, 8, 1)
const H = 3_600_000
const ARTIFACTS = resolve(import.meta.dirname, '../../../artifacts')

t.test('the public page renders the chain and the verification result in Chromium at 375 px, without console errors', async t => {
  const f = await startTraceFixture(t)
  await seedOrganisations(f)
  const lines: string[] = []
  for (let m = 0; m <= 48 * 60; m += 30) lines.push(`soil,device=soil-0001,site=farm-a moisture_vwc_pct=${22 + (m % 300) / 60},temperature_c=19,seq=${m}i ${T0 + m * 60_000}`)
  await f.writeLines(lines)
  const post = async (url: string, who: string, body: unknown): Promise<void> => {
    const r = await f.call('POST', url, who, body)
    if (r.status !== 201) t.fail(`${url}: ${r.status} ${r.text}`)
  }
  const who = { organisation: 'coop-a', actor: 'li-wei' }
  await post('/v1/trace/batches', 'farmer-a', { code: 'RICE-P-1', product: 'Rice', productZh: '大米', variety: 'Nanjing 46', originPlace: 'plot-a1', at: T0, ...who })
  await post('/v1/trace/batches/RICE-P-1/events', 'farmer-a', { type: 'planting', at: T0 + H, place: 'plot-a1', data: { variety: 'Nanjing 46' }, ...who })
  await post('/v1/trace/batches/RICE-P-1/events', 'farmer-a', { type: 'input', at: T0 + 2 * H, place: 'plot-a1', data: { category: 'fertiliser', product: 'Compound fertiliser 15-15-15', registrationNumber: '农肥(2021)准字1234号', dose: { value: 25, unit: 'kg/mu' }, operator: 'li-wei' }, ...who })
  await post('/v1/trace/batches/RICE-P-1/events', 'inspector', { type: 'inspection', at: T0 + 40 * H, organisation: 'lab', actor: 'chen-lab', data: { lab: 'County Inspection Centre', results: [{ item: 'cadmium', value: 0.05, unit: 'mg/kg', limit: 0.2, standard: 'GB 2762-2022' }] } })
  await post('/v1/trace/batches/RICE-P-1/events', 'farmer-a', { type: 'harvest', at: T0 + 47 * H, place: 'plot-a1', data: { quantity: { value: 1200, unit: 'kg' } }, ...who })
  await post('/v1/trace/batches/RICE-P-1/split', 'farmer-a', { children: [{ code: 'RICE-P-1a', quantity: { value: 600, unit: 'kg' } }], at: T0 + 48 * H, ...who })
  await post('/v1/trace/batches/RICE-P-1a/events', 'farmer-a', { type: 'sale', at: T0 + 50 * H, data: { to: 'shop', shop: 'Fresh Market Xihu', quantity: { value: 600, unit: 'kg' } }, ...who })

  const url = await f.app.listen({ host: '127.0.0.1', port: 0 })
  const profile = mkdtempSync(join(tmpdir(), 'shennong-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  // A fresh profile directory (playwright's way of passing --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true
  })
  t.teardown(async () => { await context.close() })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`) })
  page.on('pageerror', e => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', r => problems.push(`requestfailed: ${r.url()}`))

  const res = await page.goto(`${url}/trace/RICE-P-1a?lang=zh`)
  t.equal(res?.status(), 200)
  t.equal(await page.locator('#verification').getAttribute('data-ok'), 'true')
  t.match(await page.locator('#verification').innerText(), /哈希链校验通过/)
  t.equal(await page.locator('#chain li.ev').count(), 2, 'the child\'s own chain: created, sale')
  t.equal(await page.locator('#lineage li.ev').count(), 7, 'the parent\'s events: created, planting, input, inspection, harvest, sensor summary, split')
  t.match(await page.locator('#inputs').innerText(), /农肥\(2021\)准字1234号/)
  t.match(await page.locator('#inspections').innerText(), /合格/)
  t.match(await page.locator('#environment').innerText(), /soil\.moisture_vwc_pct/)
  t.match(await page.locator('#path').innerText(), /Fresh Market Xihu/)
  t.equal(await page.locator('.qr svg').count(), 1, 'the QR code is on the page')
  const width = await page.evaluate('document.documentElement.scrollWidth') as number
  t.ok(width <= 375, `no horizontal scrolling at 375 px (scrollWidth ${width})`)
  mkdirSync(ARTIFACTS, { recursive: true })
  const shot = join(ARTIFACTS, 'trace-page-375.png')
  await page.screenshot({ path: shot, fullPage: true })
  t.ok(statSync(shot).size > 10_000, `screenshot kept at ${shot}`)

  await page.goto(`${url}/trace/RICE-P-1a?lang=en`)
  t.match(await page.locator('#verification').innerText(), /Record intact/)
  t.equal(await page.locator('html').getAttribute('lang'), 'en')

  // Tampering shows on the page.
  const { DatabaseSync } = await import('node:sqlite')
  const db = new DatabaseSync(join(f.dataDir, 'trace.db'))
  db.prepare("UPDATE events SET data = replace(data, '0.05', '0.5') WHERE batch = 'RICE-P-1' AND type = 'inspection'").run()
  db.close()
  await page.goto(`${url}/trace/RICE-P-1a?lang=en`)
  t.equal(await page.locator('#verification').getAttribute('data-ok'), 'false')
  t.match(await page.locator('#verification').innerText(), /RICE-P-1 #4: content changed/)
  await page.screenshot({ path: join(ARTIFACTS, 'trace-page-375-tampered.png'), fullPage: true })
  t.same(problems, [], 'no console errors, warnings or failed requests')
})
