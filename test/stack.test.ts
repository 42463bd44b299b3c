// `shennong start` as a user runs it: a managed influxd, the broker, ingest and Node-RED come up,
// answer, and Ctrl-C (SIGINT) stops every one of them.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'

const cli = join(import.meta.dirname, '..', 'bin', 'shennong.ts')

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

function childPids (pid: number): number[] {
  // Every descendant, from /proc: the stack's processes are children of the command.
  const out: number[] = []
  const { readdirSync, readFileSync } = process.getBuiltinModule('node:fs')
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch { /* gone */ }
  }
  const walk = (p: number): void => { for (const [c, pp] of parents) if (pp === p) { out.push(c); walk(c) } }
  walk(pid)
  return out
}

t.test('shennong start brings up influxd, broker, ingest and flows, and SIGINT stops them all', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'shennong-start-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = join(dir, 'shennong.yaml')
  writeFileSync(config, `dataDir: ${join(dir, 'data')}\nlogLevel: warn\nports: { mqtt: 0, mqttWs: 0, brokerHttp: 0, http: 0, flows: 0, influx: 0, influxRpc: 0 }\n`)
  const proc = spawn(process.execPath, [cli, 'start', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
  proc.stderr.on('data', () => {})
  const deadline = Date.now() + 120_000
  while (!out.includes('Ctrl-C stops every process') && Date.now() < deadline && proc.exitCode === null) await new Promise(r => setTimeout(r, 200))
  t.match(out, /Shennong is running/)
  const api = /HTTP API\s+(\S+)\/v1/.exec(out)?.[1]
  const flows = /Node-RED\s+(\S+)\/flows/.exec(out)?.[1]
  const influx = /InfluxDB\s+(\S+)/.exec(out)?.[1]
  t.equal((await fetch(`${api}/healthz`)).status, 200, 'ingest answers')
  t.equal((await fetch(`${flows}/healthz`)).status, 200, 'Node-RED flows run and reach the broker')
  t.equal((await fetch(`${influx}/ping`)).status, 204, 'the managed influxd answers')
  const children = childPids(proc.pid as number)
  t.ok(children.length >= 4, `${children.length} processes under the command`)
  proc.kill('SIGINT')
  const [code] = await once(proc, 'exit') as [number | null]
  t.equal(code, 0, 'exits 0')
  await new Promise(r => setTimeout(r, 500))
  t.same(children.filter(alive), [], 'no process is left behind')
})
