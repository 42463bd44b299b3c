// Conventions the repository keeps by test (STYLE.md "Convention tests"):
// - every error code listed in any package's src/errors.ts is documented in docs/errors.md;
// - no topic string literal outside core/src/topics.ts (tests and docs may spell topics out).
import t from 'tap'
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const PACKAGES = ['core', 'edge', 'broker', 'ingest', 'flows', 'dashboards', 'device-sim']
const SKIP_DIRS = new Set(['node_modules', 'tools', '.git', 'testcases', 'coverage', '.tap'])

function walk (dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else out.push(path)
  }
  return out
}

/** ERR_… keys of the error objects in a package's errors.ts. */
function codesIn (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^\s*'?(ERR_[A-Z0-9_]+)'?\s*:/gm)].map(m => m[1])
}

t.test('every error code in a package\'s errors.ts is documented in docs/errors.md', async t => {
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
  const files = PACKAGES.map(p => join(root, p, 'src', 'errors.ts')).filter(existsSync)
  t.ok(files.length >= 2, 'found the packages\' errors.ts files')
  let total = 0
  for (const file of files) {
    const codes = codesIn(file)
    t.ok(codes.length > 0, `${relative(root, file)} lists codes`)
    for (const code of codes) {
      total++
      t.ok(doc.includes(`\`${code}\``), `${code} (${relative(root, file)}) is documented in docs/errors.md`)
    }
  }
  t.ok(total > 20)
})

t.test('error codes are named ERR_<AREA>_<WHAT>', async t => {
  for (const p of PACKAGES) {
    const file = join(root, p, 'src', 'errors.ts')
    if (!existsSync(file)) continue
    for (const code of codesIn(file)) t.match(code, /^ERR_[A-Z0-9]+_[A-Z0-9_]+$/, code)
  }
})

// A topic string literal: "shennong/v1" in code, other than a documented pattern such as
// shennong/v1/{site}/{id}/{channel} in a message. Comments may describe topics.
function topicLiterals (text: string): number[] {
  const lines: number[] = []
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim()
    if (trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*')) return
    for (const m of line.matchAll(/shennong\/v1/g)) {
      const before = line.slice(0, m.index)
      if (/(^|\s)\/\/\s/.test(before) && !/['"`][^'"`]*$/.test(before)) continue // trailing comment
      if (line.slice((m.index ?? 0) + 'shennong/v1'.length).startsWith('/{')) continue
      lines.push(i + 1)
      return
    }
  })
  return lines
}

t.test('no topic string literal outside core/src/topics.ts', async t => {
  const dirs = [...PACKAGES, 'bin', 'bench', 'scripts'].map(d => join(root, d))
  const sources = dirs.flatMap(d => walk(d)).filter(f => /\.(ts|js|mjs|cjs)$/.test(f))
  const allowed = new Set([join(root, 'core', 'src', 'topics.ts')])
  t.ok(sources.length > 20, `scanned ${sources.length} source files`)
  const offenders: string[] = []
  for (const file of sources) {
    if (allowed.has(file) || /\.test\.ts$/.test(file)) continue
    const hits = topicLiterals(readFileSync(file, 'utf8'))
    for (const line of hits) offenders.push(`${relative(root, file)}:${line}`)
  }
  t.same(offenders, [], 'build topics with buildTopic/topicFilter from core/src/topics.ts')
})

t.test('the topic check finds literals and ignores comments and documented patterns', async t => {
  t.same(topicLiterals("const topic = 'shennong/v1/' + site"), [1])
  t.same(topicLiterals('const f = `shennong/v1/${site}/+/telemetry`'), [1])
  t.same(topicLiterals('// publishes to shennong/v1/site/id/telemetry'), [])
  t.same(topicLiterals("throw new Error('not a shennong/v1/{site}/{id}/{channel} topic')"), [])
  t.same(topicLiterals("x() // goes to shennong/v1/a/b/alert"), [])
})
