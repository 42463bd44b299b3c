// Counts the top-level tests of every test file's TAP output and prints "N passed, N failed".
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

function walk (dir: string): string[] {
  let out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out = out.concat(walk(p))
    else if (p.endsWith('.tap')) out.push(p)
  }
  return out
}

let passed = 0
let failed = 0
let skipped = 0
const dir = process.argv[2] ?? '.tap/test-results'
let files: string[] = []
try { files = walk(dir) } catch { files = [] }
for (const file of files) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(not )?ok \d+/.exec(line)
    if (m === null) continue
    if (/# (SKIP|TODO)/.test(line)) skipped++
    else if (m[1] !== undefined) failed++
    else passed++
  }
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
