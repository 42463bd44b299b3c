// `shennong principal` (bin/commands/principal.ts) end to end: the real CLI process writes the
// principal store that a real broker then authenticates against. (Here because .taprc runs
// package tests, and what the command promises is MQTT access.)
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { startTestBroker } from './test-fixture.ts'

const cli = join(import.meta.dirname, '..', '..', 'bin', 'shennong.ts')

function shennong (args: string[], env: Record<string, string> = {}): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'principal', ...args], { encoding: 'utf8', env: { ...process.env, SHENNONG_DATA_DIR: '', ...env } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const refused = async (p: Promise<unknown>): Promise<boolean> => p.then(() => false, () => true)

t.test('add prints a secret once that then authenticates over MQTT, and the bearer token <id>.<secret>', async t => {
  const dir = t.testdir()
  const b = await startTestBroker(t, { dataDir: dir })
  const add = shennong(['add', 'gw-1', '--kind', 'gateway', '--site', 'farm-a', '--description', 'north field', '--data-dir', dir])
  t.equal(add.status, 0, add.stderr)
  const secret = /Secret[^\n]*\n {2}(\S+)/.exec(add.stdout)?.[1] ?? ''
  t.match(secret, /^[A-Za-z0-9_-]{32}$/)
  t.match(add.stdout, `gw-1.${secret}`, 'prints the HTTP bearer token')
  t.ok((await b.connect({ username: 'gw-1', password: secret })).connected, 'the printed secret authenticates')
  const token = await b.principals.verifyToken(`gw-1.${secret}`)
  t.equal(token?.id, 'gw-1')

  const json = shennong(['add', 'ops', '--kind', 'service', '--json', '--data-dir', dir])
  t.equal(json.status, 0)
  const parsed = JSON.parse(json.stdout) as { principal: { id: string, role: string }, secret: string, token: string }
  t.equal(parsed.principal.role, 'service', 'default role from the kind')
  t.equal(parsed.token, `ops.${parsed.secret}`)
})

t.test('list shows principals without their secrets', async t => {
  const dir = t.testdir()
  const add = shennong(['add', 'soil-7', '--kind', 'device', '--site', 'farm-b', '--json', '--data-dir', dir])
  const { secret } = JSON.parse(add.stdout) as { secret: string }
  const list = shennong(['list', '--data-dir', dir])
  t.equal(list.status, 0)
  t.match(list.stdout, /soil-7\s+device\s+gateway\s+farm-b/)
  t.notMatch(list.stdout, secret)
  const listJson = shennong(['list', '--json', '--data-dir', dir])
  const all = JSON.parse(listJson.stdout) as Array<Record<string, unknown>>
  t.same(all.map(p => p.id), ['soil-7'])
  t.notMatch(listJson.stdout, secret)
  t.notOk('hash' in all[0] || 'salt' in all[0] || 'secret' in all[0])
})

t.test('rotate invalidates the old secret at a running broker; remove refuses the principal', async t => {
  const dir = t.testdir()
  const b = await startTestBroker(t, { dataDir: dir })
  const { secret: old } = JSON.parse(shennong(['add', 'gw-1', '--kind', 'gateway', '--site', 'farm-a', '--json', '--data-dir', dir]).stdout) as { secret: string }
  t.ok((await b.connect({ username: 'gw-1', password: old })).connected, 'old secret works before rotation')
  const rotate = shennong(['rotate', 'gw-1', '--json', '--data-dir', dir])
  t.equal(rotate.status, 0)
  const { secret: fresh } = JSON.parse(rotate.stdout) as { secret: string }
  t.not(fresh, old)
  t.ok(await refused(b.connect({ username: 'gw-1', password: old })), 'the old secret is refused (even though the broker verified it moments ago)')
  t.ok((await b.connect({ username: 'gw-1', password: fresh })).connected, 'the new secret works')
  const remove = shennong(['remove', 'gw-1', '--data-dir', dir])
  t.equal(remove.status, 0)
  t.ok(await refused(b.connect({ username: 'gw-1', password: fresh })), 'a removed principal is refused')
  const again = shennong(['remove', 'gw-1', '--data-dir', dir])
  t.equal(again.status, 1)
  t.match(again.stderr, /no principal "gw-1"/)
})

t.test('misuse exits non-zero with a clear message; the data dir comes from --data-dir, else SHENNONG_DATA_DIR', async t => {
  const dir = t.testdir()
  const cases: Array<[string[], number, RegExp]> = [
    [['add', 'gw-1', '--site', 'a'], 2, /add needs --kind/],
    [['add', 'gw-1', '--kind', 'robot'], 2, /--kind must be one of/],
    [['add', 'gw-1', '--kind', 'gateway'], 1, /ERR_PRINCIPAL_INVALID: .*exactly one site/],
    [['add', 'GW 1', '--kind', 'service'], 1, /ERR_PRINCIPAL_INVALID/],
    [['rotate', 'nobody'], 1, /ERR_PRINCIPAL_UNKNOWN/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['list', '--colour'], 2, /Unknown option '--colour'/],
    [[], 2, /Usage: shennong principal/]
  ]
  for (const [args, status, message] of cases) {
    const r = shennong([...args, '--data-dir', dir])
    t.equal(r.status, status, args.join(' '))
    t.match(r.stderr, message, args.join(' '))
  }
  t.equal(shennong(['add', 'gw-1', '--kind', 'gateway', '--site', 'farm-a', '--data-dir', dir]).status, 0)
  t.equal(shennong(['add', 'gw-1', '--kind', 'gateway', '--site', 'farm-a', '--data-dir', dir]).status, 1, 'an existing id is refused')
  const help = shennong(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /add <id> --kind/)
  const envDir = join(dir, 'from-env')
  t.equal(shennong(['add', 'svc', '--kind', 'service'], { SHENNONG_DATA_DIR: envDir }).status, 0)
  t.ok(existsSync(join(envDir, 'principals.db')), 'SHENNONG_DATA_DIR is used and created')
})
