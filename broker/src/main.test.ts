// The composition root as a process: `shennong broker -c file` prints its ports, serves, and closes
// gracefully on SIGTERM with exit code 0.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import mqtt from 'mqtt'
import { openPrincipalStore, principalsPath } from '@shennong/core/principals.ts'
import { openIngestLog } from '@shennong/core/ingest-log.ts'
import { buildTopic } from '@shennong/core/topics.ts'
import { startBroker } from './main.ts'

const cli = join(import.meta.dirname, '..', '..', 'bin', 'shennong.ts')

t.test('shennong broker -c prints the listening ports as one JSON line, serves, and exits 0 on SIGTERM', async t => {
  const dir = t.testdir()
  const dataDir = join(dir, 'data')
  const config = join(dir, 'broker.yaml')
  writeFileSync(config, `dataDir: ${dataDir}\nmqtt:\n  port: 0\nhttp:\n  port: 0\nws:\n  port: 0\n`)
  const proc = spawn(process.execPath, [cli, 'broker', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  t.teardown(() => { if (proc.exitCode === null) proc.kill('SIGKILL') })
  const lines = createInterface({ input: proc.stderr })
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.on('line', line => {
      const entry = JSON.parse(line) as Record<string, unknown>
      if (entry.msg === 'listening') resolve(entry)
    })
    proc.once('exit', code => reject(new Error(`broker exited with ${code}`)))
  })
  t.type(listening.mqttPort, 'number')
  t.type(listening.wsPort, 'number')
  t.type(listening.httpPort, 'number')
  t.equal((await fetch(`http://127.0.0.1:${String(listening.httpPort)}/healthz`)).status, 200)

  const store = openPrincipalStore(principalsPath(dataDir))
  const { secret } = await store.add({ id: 'gw-1', kind: 'gateway', sites: ['farm-a'] })
  store.close()
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(listening.mqttPort)}`, { protocolVersion: 4, reconnectPeriod: 0, username: 'gw-1', password: secret })
  await client.publishAsync(buildTopic({ site: 'farm-a', id: 'gw-1', channel: 'telemetry' }), '{"seq":1}', { qos: 1 })
  client.end(true)

  proc.kill('SIGTERM')
  const code = await new Promise<number | null>(resolve => proc.once('exit', resolve))
  t.equal(code, 0, 'graceful exit')
  const log = openIngestLog({ dataDir, consumers: ['ingest'] })
  t.equal((await log.read('ingest', 10)).length, 1, 'the acknowledged message is in the log')
  await log.close()
})

t.test('shennong broker --help exits 0; a bad config stops startup listing every problem', async t => {
  const help = spawnSync(process.execPath, [cli, 'broker', '--help'], { encoding: 'utf8' })
  t.equal(help.status, 0)
  t.match(help.stdout, /-c, --config/)
  const file = join(t.testdir(), 'bad.yaml')
  writeFileSync(file, 'auth: open\nmqtt:\n  port: -1\n  colour: red\n')
  const bad = spawnSync(process.execPath, [cli, 'broker', '-c', file], { encoding: 'utf8' })
  t.not(bad.status, 0)
  t.match(bad.stderr, /ERR_CONFIG_INVALID/)
  t.match(bad.stderr, /auth: must be one of "required", "demo-anonymous"/)
  t.match(bad.stderr, /mqtt\.port/)
  t.match(bad.stderr, /mqtt\.colour: unknown option/)
})

t.test('startBroker runs a whole broker in process from a partial config, for other packages\' tests', async t => {
  const dataDir = t.testdir()
  const running = await startBroker({ dataDir, mqtt: { port: 0 }, http: { port: 0 }, logLevel: 'silent' })
  t.teardown(() => running.close())
  const { secret } = await running.principals.add({ id: 'ops', kind: 'service' })
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${running.ports.mqttPort}`, { protocolVersion: 4, reconnectPeriod: 0, username: 'ops', password: secret })
  t.ok(client.connected)
  client.end(true)
  await running.close()
  await running.close()
  t.pass('close is idempotent')
})
