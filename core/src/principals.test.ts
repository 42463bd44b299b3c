import t from 'tap'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { openPrincipalStore, formatToken } from './principals.ts'

t.test('stores only an scrypt hash and verifies the secret', async t => {
  const path = join(t.testdir(), 'p.db')
  const store = openPrincipalStore(path)
  const { principal, secret } = await store.add({ id: 'gw-1', kind: 'gateway', sites: ['farm'] })
  t.equal(principal.role, 'gateway')
  t.same(principal.sites, ['farm'])
  const raw = new DatabaseSync(path)
  const dump = JSON.stringify(raw.prepare('SELECT * FROM principals').all(), (_, v) => v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)
  raw.close()
  t.notOk(dump.includes(secret), 'the secret is not stored')
  t.ok(await store.verify('gw-1', secret))
  t.equal(await store.verify('gw-1', secret + 'x'), undefined)
  t.equal(await store.verify('nobody', secret), undefined)
  t.ok(await store.verifyToken(formatToken('gw-1', secret)))
  t.equal(await store.verifyToken('garbage'), undefined)
  store.close()
})

t.test('rotate invalidates the old secret; remove forgets the principal', async t => {
  const store = openPrincipalStore(join(t.testdir(), 'p.db'))
  const { secret } = await store.add({ id: 'farmer-li', kind: 'user', role: 'farmer', sites: ['a', 'b'] })
  t.ok(await store.verify('farmer-li', secret))
  const next = await store.rotate('farmer-li')
  t.equal(await store.verify('farmer-li', secret), undefined, 'old secret refused, even though it was cached')
  t.ok(await store.verify('farmer-li', next))
  t.ok(store.remove('farmer-li'))
  t.equal(await store.verify('farmer-li', next), undefined)
  await t.rejects(store.rotate('farmer-li'), { code: 'ERR_PRINCIPAL_UNKNOWN' })
  store.close()
})

t.test('refuses malformed principals with every reason', async t => {
  const store = openPrincipalStore(join(t.testdir(), 'p.db'))
  await t.rejects(store.add({ id: 'Bad Id', kind: 'gateway', sites: [] }), { code: 'ERR_PRINCIPAL_INVALID', message: /id "Bad Id".*exactly one site/ })
  await t.rejects(store.add({ id: 'f', kind: 'user', role: 'farmer' }), { message: /farmer needs at least one site/ })
  await store.add({ id: 'svc', kind: 'service' })
  await t.rejects(store.add({ id: 'svc', kind: 'service' }), { code: 'ERR_PRINCIPAL_EXISTS' })
  t.same(store.list().map(p => p.id), ['svc'])
  store.close()
})
