// The shennong command line. Each subcommand lives in its process package's composition root and
// is loaded only when asked for, so `shennong edge` never loads Fastify or Node-RED.

interface Command {
  summary: string
  load: () => Promise<{ main: (argv: string[]) => Promise<number | undefined | void> }>
}

export const commands: Record<string, Command> = {
  demo: { summary: 'install what is missing and run the whole stack on a simulated fleet', load: async () => await import('./commands/demo.ts') },
  start: { summary: 'run the stack (managed influxd, broker, ingest) from a config file', load: async () => await import('./commands/start.ts') },
  broker: { summary: 'run the MQTT broker alone (-c broker.yaml)', load: async () => await import('../broker/src/main.ts') },
  ingest: { summary: 'run the ingest service alone (-c ingest.yaml)', load: async () => await import('../ingest/src/main.ts') },
  flows: { summary: 'run Node-RED flows: notifications and automation (-c flows.yaml)', load: async () => await import('../flows/src/main.ts') },
  edge: { summary: 'run the field gateway agent (-c edge.yaml)', load: async () => await import('../edge/src/main.ts') },
  sim: { summary: 'run a simulated fleet of devices against a broker or the HTTP API', load: async () => await import('../device-sim/src/main.ts') },
  'sim-hj212': { summary: 'run a simulated HJ 212 air or water station against the HJ 212 server', load: async () => await import('../device-sim/src/hj212/cli.ts') },
  principal: { summary: 'manage principals: add | list | remove | rotate', load: async () => await import('./commands/principal.ts') }
}

export function usage (): string {
  const width = Math.max(...Object.keys(commands).map(k => k.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return `Usage: shennong <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "shennong <command> --help" for a command's options.\n`
}

async function run (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage())
    return name === undefined ? 1 : 0
  }
  const command = commands[name]
  if (command === undefined) {
    process.stderr.write(`shennong: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  const mod = await command.load()
  const code = await mod.main(rest)
  return typeof code === 'number' ? code : 0
}

if (import.meta.main) {
  run(process.argv.slice(2)).then(code => { process.exitCode = code }, (err: Error & { code?: string }) => {
    process.stderr.write(`shennong: ${err.code !== undefined ? `${err.code}: ` : ''}${err.message}\n`)
    process.exitCode = 1
  })
}
