// The command line: `shennong --help` lists every subcommand, each subcommand answers --help, and
// an unknown command is refused with the list.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { commands } from '../bin/shennong.ts'

const exec = promisify(execFile)
const cli = join(import.meta.dirname, '..', 'bin', 'shennong.ts')

t.test('shennong --help lists every subcommand', async t => {
  const { stdout } = await exec(process.execPath, [cli, '--help'])
  for (const name of Object.keys(commands)) t.match(stdout, new RegExp(`^  ${name} `, 'm'), name)
})

for (const name of Object.keys(commands)) {
  t.test(`shennong ${name} --help answers with its usage`, async t => {
    const { stdout } = await exec(process.execPath, [cli, name, '--help'])
    t.match(stdout, /Usage: shennong/)
  })
}

t.test('an unknown command is refused with the list of commands', async t => {
  const err = await exec(process.execPath, [cli, 'frobnicate']).catch((e: { code: number, stderr: string }) => e) as { code: number, stderr: string }
  t.equal(err.code, 2)
  t.match(err.stderr, /unknown command "frobnicate"/)
  t.match(err.stderr, /Commands:/)
})

for (const name of ['broker', 'ingest', 'flows']) {
  t.test(`shennong ${name} refuses an unknown option with exit 2 and its usage`, async t => {
    const err = await exec(process.execPath, [cli, name, '--bogus']).catch((e: { code: number, stderr: string }) => e) as { code: number, stderr: string }
    t.equal(err.code, 2)
    t.match(err.stderr, new RegExp(`shennong ${name}: Unknown option '--bogus'`))
    t.match(err.stderr, /Usage: shennong/)
  })
}
