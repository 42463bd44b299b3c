// Test fixture for the crash test: appends and releases in a loop until it is killed.
// Prints "A id…" once an append is committed, "r id…" before a release and "R id…" after it.
import { createSqliteQueue } from './sqlite-queue.ts'

const path = process.argv[2]
const q = createSqliteQueue({ path, consumers: ['c'], sync: 'normal' })
let n = 0
for (;;) {
  const batch = Array.from({ length: 1 + (n % 7) }, () => ({ meta: 'x', payload: Buffer.from(String(n++)) }))
  const appends = [q.append(batch), q.append(batch.slice(0, 1))]
  for (const ids of await Promise.all(appends)) process.stdout.write(`A ${ids.join(' ')}\n`)
  const got = await q.read('c', 1 + (n % 5))
  // Release in a shuffled order so out-of-order releases are crashed too.
  const ids = got.map(e => e.id).filter((_, i) => i % 3 !== 1)
  if (ids.length > 0) {
    process.stdout.write(`r ${ids.join(' ')}\n`)
    await q.release('c', ids.reverse())
    process.stdout.write(`R ${ids.join(' ')}\n`)
  }
}
