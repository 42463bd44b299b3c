import t from 'tap'
import { DatabaseSync } from 'node:sqlite'
import { generateKeyPairSync } from 'node:crypto'
import { startInfluxd } from '../../../test/harness/influxd.ts'
import { canonicalJson } from './canonical-json.ts'
import { rawPublicKey, signHash } from './trace-chain.ts'
import { tracePath } from './trace-store.ts'
import { seedOrganisations, startTraceFixture, type TraceFixture } from './trace-fixture.ts'

const influxd = await startInfluxd({ t })
const T0 = Date.UTC(2025, 3, 1)
const H = 3_600_000

async function riceBatch (f: TraceFixture, code: string): Promise<void> {
  const created = await f.call('POST', '/v1/trace/batches', 'farmer-a', { code, product: 'Rice', productZh: '大米', variety: 'Nanjing 46', originPlace: 'plot-a1', organisation: 'coop-a', actor: 'li-wei', at: T0 })
  t.equal(created.status, 201, created.text)
  const ev = async (body: unknown): Promise<void> => {
    const r = await f.call('POST', `/v1/trace/batches/${code}/events`, 'farmer-a', body)
    t.equal(r.status, 201, r.text)
  }
  await ev({ type: 'planting', at: T0 + H, place: 'plot-a1', organisation: 'coop-a', actor: 'li-wei', data: { variety: 'Nanjing 46', seedLot: 'S-1' } })
  await ev({ type: 'input', at: T0 + 2 * H, place: 'plot-a1', organisation: 'coop-a', actor: 'li-wei', data: { category: 'pesticide', product: 'Chlorantraniliprole 200 g/L SC', registrationNumber: 'PD20110596', dose: { value: 10, unit: 'mL/mu' }, operator: 'li-wei' } })
  await ev({ type: 'irrigation', at: T0 + 3 * H, place: 'plot-a1', organisation: 'coop-a', actor: 'li-wei', data: { volume: { value: 40, unit: 'm3' } } })
}

t.test('canonical JSON sorts keys, writes numbers in ECMAScript form and refuses what JSON cannot carry', async t => {
  t.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: -0, x: 0.1 } }), '{"a":[true,null,"x"],"b":1,"c":{"x":0.1,"y":0,"z":1e+21}}')
  t.equal(canonicalJson({ '\u00e9': 1, e: 2, E: 3 }), '{"E":3,"e":2,"é":1}', 'keys by UTF-16 code units')
  t.equal(canonicalJson('a"\n\u0001'), '"a\\"\\n\\u0001"')
  t.throws(() => canonicalJson({ x: Number.NaN }), /finite/)
  t.throws(() => canonicalJson([undefined]), /undefined/)
  t.throws(() => canonicalJson({ d: new Date(0) }), /plain object/)
})

t.test('roles: a farmer cannot read or write another organisation\'s batch; the public cannot list', async t => {
  const f = await startTraceFixture(t, { influxd })
  await seedOrganisations(f)
  await riceBatch(f, 'RICE-A-1')
  const b = await f.call('POST', '/v1/trace/batches', 'farmer-b', { code: 'TEA-B-1', product: 'Tea', originPlace: 'plot-b1', organisation: 'coop-b', actor: 'zhao-min', at: T0 })
  t.equal(b.status, 201)

  t.equal((await f.call('GET', '/v1/trace/batches/RICE-A-1', 'farmer-b')).status, 403, 'farmer-b cannot read coop-a\'s batch')
  const w = await f.call('POST', '/v1/trace/batches/RICE-A-1/events', 'farmer-b', { type: 'irrigation', organisation: 'coop-b', actor: 'zhao-min', data: {} })
  t.equal(w.status, 403, 'nor write to it for its own organisation')
  const w2 = await f.call('POST', '/v1/trace/batches/RICE-A-1/events', 'farmer-b', { type: 'irrigation', organisation: 'coop-a', actor: 'li-wei', data: {} })
  t.equal(w2.json.code, 'ERR_TRACE_FORBIDDEN', 'nor in the name of the other organisation')
  t.equal((await f.call('POST', '/v1/trace/batches', 'farmer-b', { code: 'X-1', product: 'Rice', originPlace: 'plot-a1', organisation: 'coop-a', actor: 'li-wei' })).status, 403, 'nor create batches for it')
  t.equal((await f.call('POST', '/v1/trace/places', 'farmer-a', { id: 'p-x', organisation: 'coop-a', kind: 'plot', name: 'x', site: 'farm-b' })).status, 403, 'a place only at the farmer\'s own sites')
  t.equal((await f.call('POST', '/v1/trace/batches/RICE-A-1/split', 'farmer-b', { children: [{ code: 'X-2' }], organisation: 'coop-b', actor: 'zhao-min' })).status, 403)

  const listB = await f.call('GET', '/v1/trace/batches', 'farmer-b')
  t.same(listB.json.batches.map((x: { code: string }) => x.code), ['TEA-B-1'], 'a farmer lists its own batches only')
  const listI = await f.call('GET', '/v1/trace/batches', 'inspector')
  t.same(listI.json.batches.map((x: { code: string }) => x.code).sort(), ['RICE-A-1', 'TEA-B-1'], 'an inspector lists everything')
  t.equal((await f.call('GET', '/v1/trace/batches/RICE-A-1', 'inspector')).status, 200)
  t.equal((await f.call('POST', '/v1/trace/batches/RICE-A-1/events', 'inspector', { type: 'irrigation', organisation: 'lab', actor: 'chen-lab', data: {} })).status, 403, 'an inspector records inspections only')
  const insp = await f.call('POST', '/v1/trace/batches/RICE-A-1/events', 'inspector', {
    type: 'inspection', at: T0 + 4 * H, organisation: 'lab', actor: 'chen-lab',
    data: { lab: 'County Inspection Centre', reportNumber: 'R-1', results: [{ item: 'chlorantraniliprole', value: 0.01, unit: 'mg/kg', limit: 0.5, standard: 'GB 2763-2021' }, { item: 'cadmium', value: 0.3, unit: 'mg/kg', limit: 0.2 }] }
  })
  t.equal(insp.status, 201, insp.text)
  t.same(insp.json.events[0].data.results.map((r: { pass: boolean }) => r.pass), [true, false], 'pass/fail per result is computed against its limit')
  t.equal(insp.json.events[0].data.pass, false)

  t.equal((await f.call('GET', '/v1/trace/batches')).status, 401, 'the public cannot list batches')
  t.equal((await f.call('GET', '/v1/trace/export?from=0&to=9999999999999')).status, 401, 'nor export')
  t.equal((await f.call('GET', '/v1/trace/export?from=0&to=9999999999999', 'farmer-a')).status, 403, 'a farmer cannot export')
  t.equal((await f.call('GET', '/v1/trace/batches', 'gw-a')).status, 403, 'a gateway has no business here')
  const pub = await f.call('GET', '/v1/trace/RICE-A-1')
  t.equal(pub.status, 200, 'the public reads one batch by its code')
  t.equal(pub.json.events.length, 5)
  t.equal(pub.json.verification.ok, true)
  t.equal((await f.call('GET', '/v1/trace/NOPE-1')).status, 404)

  const demo = await startTraceFixture(t, { influxd, mode: 'demo-anonymous' })
  t.equal((await demo.call('GET', '/v1/trace/batches')).status, 403, 'in demo mode too, listing needs a token')

  const json = await f.call('GET', `/v1/trace/export?from=${new Date(T0).toISOString()}&to=${T0 + 10 * H}`, 'inspector')
  t.same(json.json.events.map((e: { type: string }) => e.type), ['created', 'created', 'planting', 'input', 'irrigation', 'inspection'], 'export by time range covers every organisation')
  const csv = await f.call('GET', `/v1/trace/export?from=${T0}&to=${T0 + 2 * H}&format=csv`, 'inspector')
  t.match(csv.headers['content-type'], /text\/csv/)
  const lines = csv.text.trimEnd().split('\r\n')
  t.equal(lines[0], 'batch,seq,type,at,organisation,actor,place,lat,lon,data,prev,hash,signature,key_id,recorded_at')
  t.equal(lines.length, 1 + 4, 'created ×2, planting, input: the events within the range')
  t.match(csv.text, /"\{""category"":""pesticide""/, 'data is a quoted JSON field')
})

t.test('tampering: an edited row, a removed event and a wrong signature are each named by verify', async t => {
  const f = await startTraceFixture(t, { influxd })
  await seedOrganisations(f)
  await riceBatch(f, 'RICE-T-1')
  await riceBatch(f, 'RICE-T-2')
  await riceBatch(f, 'RICE-T-3')
  t.equal((await f.call('GET', '/v1/trace/batches/RICE-T-1/verify', 'farmer-a')).json.ok, true)

  const db = new DatabaseSync(tracePath(f.dataDir))
  t.teardown(() => db.close())
  db.prepare("UPDATE events SET data = replace(data, '\"value\":10', '\"value\":1') WHERE batch = 'RICE-T-1' AND seq = 3").run()
  const v1 = await f.call('GET', '/v1/trace/batches/RICE-T-1/verify', 'farmer-a')
  t.equal(v1.json.ok, false)
  t.match(v1.json.chains[0].break, { batch: 'RICE-T-1', seq: 3, reason: 'content-changed' }, 'the edited input event is named')
  const page = await f.call('GET', '/trace/RICE-T-1?lang=en')
  t.match(page.text, /data-ok="false"/)
  t.match(page.text, /RICE-T-1 #3: content changed/)

  db.prepare("DELETE FROM events WHERE batch = 'RICE-T-2' AND seq = 2").run()
  const v2 = await f.call('GET', '/v1/trace/batches/RICE-T-2/verify', 'inspector')
  t.match(v2.json.chains[0].break, { seq: 3, reason: 'link-broken', message: /event 2 is missing/ }, 'the link after the removed event is named')
  db.prepare("DELETE FROM events WHERE batch = 'RICE-T-3' AND seq = 4").run()
  t.match((await f.call('GET', '/v1/trace/batches/RICE-T-3/verify', 'inspector')).json.chains[0].break, { seq: 4, reason: 'link-broken', message: /removed from the end/ }, 'a cut tail too')

  // Signed events: prepare, sign the hash, post; a wrong signature is refused, and a forged one found by verify.
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const other = generateKeyPairSync('ed25519')
  const key = await f.call('POST', '/v1/trace/organisations/coop-a/keys', 'farmer-a', { publicKey: rawPublicKey(publicKey) })
  t.equal(key.status, 201, key.text)
  t.equal((await f.call('POST', '/v1/trace/organisations/coop-a/keys', 'farmer-b', { publicKey: rawPublicKey(other.publicKey) })).status, 403)
  const input = { type: 'harvest', at: T0 + 5 * H, place: 'plot-a1', organisation: 'coop-a', actor: 'li-wei', data: { quantity: { value: 1200, unit: 'kg' } } }
  const prep = await f.call('POST', '/v1/trace/batches/RICE-T-1/events/prepare', 'farmer-a', input)
  t.equal(prep.status, 200, prep.text)
  const bad = await f.call('POST', '/v1/trace/batches/RICE-T-1/events/signed', 'farmer-a', { content: prep.json.content, signature: signHash(prep.json.hash, other.privateKey), keyId: key.json.id })
  t.equal(bad.json.code, 'ERR_TRACE_SIGNATURE', 'a signature by another key is refused at the door')
  const good = await f.call('POST', '/v1/trace/batches/RICE-T-1/events/signed', 'farmer-a', { content: prep.json.content, signature: signHash(prep.json.hash, privateKey), keyId: key.json.id })
  t.equal(good.status, 201, good.text)
  t.equal(good.json.events[0].hash, prep.json.hash)
  t.equal((await f.call('POST', '/v1/trace/batches/RICE-T-1/events/signed', 'farmer-a', { content: prep.json.content, signature: signHash(prep.json.hash, privateKey), keyId: key.json.id })).json.code, 'ERR_TRACE_CONFLICT', 'a prepared event goes in once')

  const prep2 = await f.call('POST', '/v1/trace/batches/RICE-T-2/events/prepare', 'farmer-a', input)
  t.equal((await f.call('POST', '/v1/trace/batches/RICE-T-2/events/signed', 'farmer-a', { content: prep2.json.content, signature: signHash(prep2.json.hash, privateKey), keyId: key.json.id })).status, 201)
  const seq = prep2.json.content.seq
  db.prepare('UPDATE events SET signature = ? WHERE batch = ? AND seq = ?').run(signHash(prep2.json.hash, other.privateKey), 'RICE-T-2', seq)
  db.prepare("INSERT INTO events (batch, seq, type, at, organisation, actor, place, location, data, prev, hash, signature, key_id, recorded_at) SELECT 'RICE-T-2', 2, 'planting', at, organisation, actor, place, location, data, prev, hash, signature, key_id, recorded_at FROM events WHERE batch = 'RICE-T-1' AND seq = 2").run()
  // RICE-T-2 was restored to a full chain? No: the copied row's prev/hash belong to RICE-T-1, so it stays broken at seq 2.
  const v3 = await f.call('GET', '/v1/trace/batches/RICE-T-2/verify', 'inspector')
  t.match(v3.json.chains[0].break, { seq: 2 }, 'a row copied from another chain does not fit')
  db.prepare("DELETE FROM events WHERE batch = 'RICE-T-2' AND seq = 2").run()

  // A clean chain with a forged signature on its last event.
  await riceBatch(f, 'RICE-S-1')
  const prep3 = await f.call('POST', '/v1/trace/batches/RICE-S-1/events/prepare', 'farmer-a', input)
  await f.call('POST', '/v1/trace/batches/RICE-S-1/events/signed', 'farmer-a', { content: prep3.json.content, signature: signHash(prep3.json.hash, privateKey), keyId: key.json.id })
  t.equal((await f.call('GET', '/v1/trace/batches/RICE-S-1/verify', 'inspector')).json.ok, true, 'a signed chain verifies')
  db.prepare('UPDATE events SET signature = ? WHERE batch = ? AND seq = ?').run(signHash(prep3.json.hash, other.privateKey), 'RICE-S-1', prep3.json.content.seq)
  const v4 = await f.call('GET', '/v1/trace/batches/RICE-S-1/verify', 'inspector')
  t.match(v4.json.chains[0].break, { seq: prep3.json.content.seq, reason: 'bad-signature' }, 'the wrong signature is reported')
})

t.test('lineage: split and merge keep it; each child shows its ancestors\' events and verifies them', async t => {
  const f = await startTraceFixture(t, { influxd })
  await seedOrganisations(f)
  await riceBatch(f, 'RICE-L-1')
  await riceBatch(f, 'RICE-L-2')
  const split = await f.call('POST', '/v1/trace/batches/RICE-L-1/split', 'farmer-a', { children: [{ code: 'RICE-L-1a', quantity: { value: 500, unit: 'kg' } }, { code: 'RICE-L-1b', quantity: { value: 700, unit: 'kg' } }], organisation: 'coop-a', actor: 'li-wei', at: T0 + 6 * H })
  t.equal(split.status, 201, split.text)
  const merge = await f.call('POST', '/v1/trace/merges', 'farmer-a', { code: 'RICE-L-M', parents: ['RICE-L-1b', 'RICE-L-2'], organisation: 'coop-a', actor: 'li-wei', at: T0 + 7 * H })
  t.equal(merge.status, 201, merge.text)
  t.same(merge.json.batch.parents, ['RICE-L-1b', 'RICE-L-2'])

  const a = await f.call('GET', '/v1/trace/RICE-L-1a')
  t.same(a.json.parents, ['RICE-L-1'])
  t.same(a.json.ancestors.map((x: { code: string }) => x.code), ['RICE-L-1'])
  t.same(a.json.ancestors[0].events.map((e: { type: string }) => e.type), ['created', 'planting', 'input', 'irrigation', 'split'])
  t.match(a.json.events[0].data.parents, [{ code: 'RICE-L-1', hash: a.json.ancestors[0].events[4].hash }], 'the child\'s first event names the parent\'s split event')

  const m = await f.call('GET', '/v1/trace/RICE-L-M')
  t.same(m.json.ancestors.map((x: { code: string }) => x.code), ['RICE-L-1b', 'RICE-L-2', 'RICE-L-1'], 'nearest first, back to the original batch')
  t.equal(m.json.verification.ok, true)
  t.equal(m.json.verification.chains.length, 4)
  const page = await f.call('GET', '/trace/RICE-L-M?lang=en')
  t.match(page.text, /From RICE-L-1 · Rice/)
  t.match(page.text, /Chlorantraniliprole 200 g\/L SC/, 'the grandparent\'s input shows on the merged batch\'s page')
  t.match(page.text, /PD20110596/)
  const zh = await f.call('GET', '/trace/RICE-L-1a?lang=zh')
  t.match(zh.text, /来源批次/)
  t.match(zh.text, /投入品使用/)

  const db = new DatabaseSync(tracePath(f.dataDir))
  t.teardown(() => db.close())
  db.prepare("UPDATE events SET at = at + 1 WHERE batch = 'RICE-L-1' AND seq = 2").run()
  const broken = await f.call('GET', '/v1/trace/RICE-L-M')
  t.equal(broken.json.verification.ok, false, 'tampering with a grandparent shows on the grandchild')
  t.match(broken.json.verification.chains.find((c: { ok: boolean }) => !c.ok).break, { batch: 'RICE-L-1', seq: 2, reason: 'content-changed' })

  const qr = await f.call('GET', '/trace/RICE-L-M/qr.svg')
  t.match(qr.headers['content-type'], /image\/svg\+xml/)
  t.match(qr.text, /^<svg[^>]*viewBox/)
})
