// Composition root of `shennong edge -c edge.yaml`: the only place that reads argv and env, loads
// the config, installs signal handlers and decides the exit code.
import { loadConfig } from '@shennong/core/config.ts'
import { createLogger } from '@shennong/core/logger.ts'
import { EdgeConfigSchema, EDGE_ENV_MAP } from './config.ts'
import { createAgent } from './agent.ts'

const USAGE = `Usage: shennong edge -c edge.yaml

Runs the field gateway agent: polls the configured sources, spools every reading in SQLite and
forwards them to the broker. See docs/edge.md and the sample.yaml of each source.

Options:
  -c, --config <file>   the edge config (YAML)
  -h, --help            this text

Environment: SHENNONG_EDGE_PASSWORD (uplink password), SHENNONG_EDGE_URL, SHENNONG_EDGE_DATA_DIR.
`

export async function main (argv: string[]): Promise<number> {
  let file: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0 }
    if (a === '-c' || a === '--config') file = argv[++i]
    else if (a.startsWith('--config=')) file = a.slice('--config='.length)
    else { process.stderr.write(`shennong edge: unknown option "${a}"\n\n${USAGE}`); return 2 }
  }
  if (file === undefined) { process.stderr.write(`shennong edge: -c edge.yaml is required\n\n${USAGE}`); return 2 }
  const config = loadConfig({ schema: EdgeConfigSchema, file, envMap: EDGE_ENV_MAP })
  const logger = createLogger('edge', config.logLevel)
  const agent = createAgent(config, { logger })
  await agent.start()
  return await new Promise<number>(resolve => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      logger.info('stopping', { signal })
      agent.stop().then(() => resolve(0), (err: Error) => { logger.error('stop failed', { err }); resolve(1) })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code }, (err: Error & { code?: string }) => {
    process.stderr.write(`shennong edge: ${err.code !== undefined ? `${err.code}: ` : ''}${err.message}\n`)
    process.exitCode = 1
  })
}
