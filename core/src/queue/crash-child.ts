// Test fixture for the crash test: appends and releases in a loop until it is killed.
// Journals "A id…" once an append is committed, "r id…" before a release and "R id…" after it.
// The journal is written with writeSync to a file: once the call returns, the line is in the
// kernel and survives SIGKILL (a stdout pipe can lose what the child had buffered).
import { openSync, writeSync } from 'node:fs'
import { createSqliteQueue } from './sqlite-queue.ts'

const [path, journalPath] = process.argv.slice(2)
const journal = openSync(journalPath, 'a')
const note = (line: string): void => { writeSync(journal, line + '\n') }
const q = createSqliteQueue({ path, consumers: ['c'], sync: 'normal' })
let n = 0
for (;;) {
  const batch = Array.from({ length: 1 + (n % 7) }, () => ({ meta: 'x', payload: Buffer.from(String(n++)) }))
  const appends = [q.append(batch), q.append(batch.slice(0, 1))]
  for (const ids of await Promise.all(appends)) note(`A ${ids.join(' ')}`)
  const got = await q.read('c', 1 + (n % 5))
  // Release in a shuffled order so out-of-order releases are crashed too.
  const ids = got.map(e => e.id).filter((_, i) => i % 3 !== 1)
  if (ids.length > 0) {
    note(`r ${ids.join(' ')}`)
    await q.release('c', [...ids].reverse())
    note(`R ${ids.join(' ')}`)
  }
}
