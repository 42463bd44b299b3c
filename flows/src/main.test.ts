import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { main } from './main.ts'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))

function run (args: string[]): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(MAIN)}); process.exitCode = await m.main(${JSON.stringify(args)})`], { encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test('--help prints the usage and exits 0; a wrong option exits 2 with the usage', async t => {
  const help = run(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /Usage: shennong flows \[-c flows.yaml\]/)
  t.match(help.stdout, /SHENNONG_FLOWS_SECRET/)
  const wrong = run(['--bogus'])
  t.equal(wrong.status, 2)
  t.match(wrong.stderr, /Unknown option[\s\S]*Usage: shennong flows/)
})

t.test('a config with problems stops startup with ERR_CONFIG_INVALID, listing each', async t => {
  const dir = t.testdir({ 'flows.yaml': 'http:\n  port: -1\nwebhooks: nope\n' })
  await t.rejects(main(['-c', `${dir}/flows.yaml`]), { code: 'ERR_CONFIG_INVALID', message: /http\.port[\s\S]*webhooks/ })
})

t.test('runs as a process: logs "listening" with the editor URL, serves it, and exits 0 on SIGTERM', async t => {
  const { spawn } = await import('node:child_process')
  const dir = t.testdir({ 'flows.yaml': `dataDir: ${JSON.stringify(t.testdirName)}\nhttp: { port: 0 }\nmqtt: { url: 'mqtt://127.0.0.1:9', reconnect: 5s }\nlogLevel: info\n` })
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(MAIN)}); process.exitCode = await m.main(['-c', ${JSON.stringify(`${dir}/flows.yaml`)}])`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SHENNONG_FLOWS_SECRET: 'not-used' } })
  let stderr = ''
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line: ${stderr}`)), 30_000)
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue
        const entry = JSON.parse(line) as Record<string, unknown>
        if (entry.msg === 'listening') { clearTimeout(timer); resolve(entry) }
      }
    })
  })
  t.match(listening, { name: 'flows', port: Number, editor: /^http:\/\/127\.0\.0\.1:\d+\/flows$/ })
  const editor = await fetch(listening.editor as string)
  t.equal(editor.status, 200)
  const health = await fetch(`http://127.0.0.1:${String(listening.port)}/healthz`)
  t.equal(health.status, 503, 'not healthy while the broker is unreachable')
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'exits 0, nothing left running')
  t.match(stderr, /"msg":"closed"/)
})
