// `shennong start [-c shennong.yaml]`: the stack without the simulator. Every option is documented
// in docs/configuration.md; an empty or missing file means all defaults.
import { parseArgs } from 'node:util'
import { existsSync } from 'node:fs'
import { loadConfig } from '../../core/src/config.ts'
import { runStack, StackConfigSchema, type RunningStack } from '../stack/stack.ts'

const HELP = `Usage: shennong start [-c shennong.yaml]

Runs a managed influxd (unless influx.managed is false), the MQTT broker and the ingest service,
restarting any that dies, until Ctrl-C. Options are documented in docs/configuration.md.

  -c, --config FILE   stack config (default: shennong.yaml when it exists)
  -h, --help          this text
`

export function printStack (stack: RunningStack, print: (line: string) => void = line => process.stdout.write(line + '\n')): void {
  print('')
  print('Shennong is running:')
  print(`  HTTP API      ${stack.apiUrl}/v1   (OpenAPI ${stack.apiUrl}/openapi.json, docs ${stack.apiUrl}/docs)`)
  print(`  metrics       ${stack.apiUrl}/metrics and http://127.0.0.1:${stack.ports.brokerHttp}/metrics (broker)`)
  if (stack.ports.flows !== null) print(`  Node-RED      http://127.0.0.1:${stack.ports.flows}/flows   (sign in as an admin principal)`)
  print(`  MQTT          ${stack.mqttUrl}   (WebSocket ws://127.0.0.1:${stack.ports.mqttWs}/mqtt)`)
  print(`  InfluxDB      ${stack.influxUrl}   (database shennong)`)
  print(`  data          ${stack.dataDir}`)
}

export function waitForSignal (): Promise<NodeJS.Signals> {
  return new Promise(resolve => {
    const done = (signal: NodeJS.Signals): void => { process.off('SIGINT', done); process.off('SIGTERM', done); resolve(signal) }
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
}

export async function main (argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) { process.stdout.write(HELP); return 0 }
  const file = values.config ?? (existsSync('shennong.yaml') ? 'shennong.yaml' : undefined)
  const config = loadConfig({ schema: StackConfigSchema, file })
  const stack = await runStack(config)
  printStack(stack)
  process.stdout.write('\nCtrl-C stops every process.\n')
  await waitForSignal()
  process.stdout.write('stopping…\n')
  await stack.stop()
  return 0
}
