import t from 'tap'
import { createRateLimiter } from './rate-limiter.ts'

t.test('allows a burst, then refills at perSecond, per key', async t => {
  let now = 0
  const limiter = createRateLimiter({ perSecond: 10, burst: 3, now: () => now })
  t.same([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false], 'burst of 3')
  t.ok(limiter.take('b'), 'another key has its own bucket')
  now += 100
  t.ok(limiter.take('a'), 'one token after 100 ms at 10/s')
  t.notOk(limiter.take('a'))
  now += 10_000
  t.same([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false], 'never more than the burst')
  limiter.prune()
  t.notOk(limiter.take('a'), 'pruning keeps an empty bucket empty')
})

t.test('waitMs says how long until the next token, without taking one', async t => {
  let now = 0
  const limiter = createRateLimiter({ perSecond: 0.5, burst: 2, now: () => now })
  t.equal(limiter.waitMs('a'), 0, 'an unknown key has a full bucket')
  t.equal(limiter.size(), 0, 'asking does not create a bucket')
  t.ok(limiter.take('a'))
  t.equal(limiter.waitMs('a'), 0)
  t.ok(limiter.take('a'))
  t.equal(limiter.waitMs('a'), 2000, 'one token every 2 s')
  now += 1500
  t.equal(limiter.waitMs('a'), 500)
  t.notOk(limiter.take('a'))
  now += 500
  t.ok(limiter.take('a'), 'the token is there when waitMs said')
})

t.test('refund gives a token back, never beyond the burst', async t => {
  const limiter = createRateLimiter({ perSecond: 1, burst: 2, now: () => 0 })
  t.ok(limiter.take('a'))
  t.ok(limiter.take('a'))
  t.notOk(limiter.take('a'))
  limiter.refund('a')
  t.ok(limiter.take('a'), 'the refunded token')
  limiter.refund('a')
  limiter.refund('a')
  limiter.refund('a')
  t.same([1, 2, 3].map(() => limiter.take('a')), [true, true, false], 'capped at the burst')
  limiter.refund('unknown')
  t.equal(limiter.size(), 1, 'refunding an unknown key creates nothing')
})

t.test('prune forgets buckets that have refilled; maxKeys bounds them, forgetting the least recently used', async t => {
  let now = 0
  const limiter = createRateLimiter({ perSecond: 1, burst: 2, maxKeys: 3, now: () => now })
  for (const key of ['a', 'b', 'c']) limiter.take(key)
  t.equal(limiter.size(), 3)
  now += 500
  limiter.take('a')
  limiter.take('a')
  t.notOk(limiter.take('a'), 'a is spent')
  limiter.take('d')
  t.equal(limiter.size(), 3, 'never more than maxKeys')
  t.notOk(limiter.take('a'), 'a was used recently and is kept, still spent')
  t.equal(limiter.waitMs('b'), 0, 'b, the least recently used, was forgotten')
  now += 5000
  limiter.prune()
  t.equal(limiter.size(), 0, 'every bucket refilled: all forgotten')
})

t.test('maxKeys prunes refilled buckets before it forgets a used one', async t => {
  let now = 0
  const limiter = createRateLimiter({ perSecond: 1, burst: 1, maxKeys: 2, now: () => now })
  limiter.take('spent')
  now += 10_000
  limiter.take('spent-again')
  limiter.take('other')
  t.equal(limiter.size(), 2)
  t.notOk(limiter.take('spent-again'), 'the recent, spent bucket survived; the refilled one was pruned')
})

t.test('refuses a rate or burst that cannot limit anything', async t => {
  t.throws(() => createRateLimiter({ perSecond: 0, burst: 1 }), RangeError)
  t.throws(() => createRateLimiter({ perSecond: 1, burst: 0 }), RangeError)
  t.throws(() => createRateLimiter({ perSecond: Infinity, burst: 1 }), RangeError)
})
