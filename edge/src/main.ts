// Composition root of `shennong edge -c edge.yaml`: the only place that reads argv and env, loads
// the config and decides the exit code. It runs in two stages in one process (same pid):
//  1. check (this file): load and validate edge.yaml (TypeBox, YAML, Modbus profiles) and create
//     every source once, so every problem is reported at once and nothing starts on a bad config;
//  2. run (`run.ts`): `process.execve` replaces the image with a fresh Node started with heap
//     settings chosen from the config (`runtimeFlags`), given the checked config as JSON.
// The second image never loads what only checking needs: TypeBox (≈700 ES modules), the YAML
// parser and Node's TypeScript stripper (a WebAssembly build of SWC, ≈18 MB resident once loaded;
// stage 2 takes the stripped modules from the compile cache stage 1 fills). Issue 3: RSS ≤ 80 MB.
// The cache is enabled before any project module is imported, hence the dynamic imports. Its
// folder: NODE_COMPILE_CACHE, else systemd's CACHE_DIRECTORY (`CacheDirectory=`), else the temp dir.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { enableCompileCache, flushCompileCache } from 'node:module'
import type { EdgeConfig } from './config.ts'

const USAGE = `Usage: shennong edge -c edge.yaml

Runs the field gateway agent: polls the configured sources, spools every reading in SQLite and
forwards them to the broker. See docs/edge.md and the sample.yaml of each source.

Options:
  -c, --config <file>   the edge config (YAML)
  --check               check the config (and the device profiles it names), then exit
  --in-process          run in this process (no second stage; for debugging and profiling)
  -h, --help            this text

Environment: SHENNONG_EDGE_PASSWORD (uplink password), SHENNONG_EDGE_URL, SHENNONG_EDGE_DATA_DIR.
`

const RUN = join(import.meta.dirname, 'run.ts')

/**
 * V8 settings of the running stage, from the config. The agent's live heap is small (≈15 MB: the
 * modules, 50 devices' state, the uplink's buffer) but it allocates fast while draining a backlog.
 *  - `--max-semi-space-size=1` (MB): V8 grows the young generation to 16 MB per semi-space after a
 *    burst (start-up, a drain) and never gives it back: 32 MB resident for nothing at 1 Hz. With
 *    1 MB, a drain scavenges more often; measured drain rate stays far above 20,000 readings/s.
 *  - `--max-old-space-size`: without it V8 sizes the heap from the machine's RAM and lets garbage
 *    pile up (480 MB peak during a drain on a 24 GB host). The bound is the live heap plus what the
 *    uplink may hold: `inflight` batches of `maxBytes` awaiting PUBACK plus the read-ahead buffer
 *    (2 × maxReadings entries), with the payloads counted three times (spool row, batch, packet).
 * Flags the operator already set (NODE_OPTIONS or node's own argv) win.
 */
export function runtimeFlags (config: EdgeConfig, parseSize: (text: string) => number, given: string): string[] {
  const batchBytes = parseSize(config.uplink.batch.maxBytes)
  const uplinkMb = Math.ceil(3 * (config.uplink.inflight + 2) * batchBytes / 1048576)
  const flags = ['--max-semi-space-size=1', `--max-old-space-size=${48 + uplinkMb}`]
  return flags.filter(f => !given.includes(f.slice(0, f.indexOf('='))))
}

export async function main (argv: string[]): Promise<number> {
  let file: string | undefined
  let checkOnly = false
  let inProcess = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0 }
    if (a === '-c' || a === '--config') file = argv[++i]
    else if (a.startsWith('--config=')) file = a.slice('--config='.length)
    else if (a === '--check') checkOnly = true
    else if (a === '--in-process') inProcess = true
    else { process.stderr.write(`shennong edge: unknown option "${a}"\n\n${USAGE}`); return 2 }
  }
  if (file === undefined) { process.stderr.write(`shennong edge: -c edge.yaml is required\n\n${USAGE}`); return 2 }
  // Before any module stage 2 needs is imported, so that each is stripped once, into the cache.
  const cacheDir = process.env.NODE_COMPILE_CACHE ?? process.env.CACHE_DIRECTORY ?? join(tmpdir(), `shennong-edge-compile-cache-${process.getuid?.() ?? 0}`)
  enableCompileCache(cacheDir)
  const { loadEdgeConfig } = await import('./config.ts')
  const config = loadEdgeConfig({ file })
  mkdirSync(config.dataDir, { recursive: true })
  const { buildEdgeAgent, runEdgeAgent } = await import('./run.ts')
  await buildEdgeAgent(config) // creates every source: all problems at once, before anything starts
  if (checkOnly) { process.stdout.write(`${file}: ok\n`); return 0 }
  if (inProcess || typeof process.execve !== 'function') return await runEdgeAgent(config)
  const { parseSize } = await import('./size.ts')
  flushCompileCache()
  const checked = join(config.dataDir, 'edge-run.json')
  writeFileSync(checked, JSON.stringify(config), { mode: 0o600 })
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ')
  const env = { ...process.env, NODE_COMPILE_CACHE: cacheDir, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' }
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...runtimeFlags(config, parseSize, given), RUN, checked], env)
  return 0 // not reached: execve replaces this process
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code }, (err: Error & { code?: string }) => {
    process.stderr.write(`shennong edge: ${err.code !== undefined ? `${err.code}: ` : ''}${err.message}\n`)
    process.exitCode = 1
  })
}
