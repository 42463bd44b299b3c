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
