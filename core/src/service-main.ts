// What every service's `shennong <service>` entry point shares: `-c FILE` / `--help` on the command
// line (a usage error exits 2, help exits 0), and running until SIGINT or SIGTERM.
import { parseArgs } from 'node:util'

/** The config file named with -c, or the exit code when there is nothing to run (help, a usage error). */
export function parseServiceArgs (service: string, argv: string[], usage: string): { config: string | undefined } | { exit: number } {
  let values: { config?: string, help?: boolean }
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false }))
  } catch (err) {
    process.stderr.write(`shennong ${service}: ${(err as Error).message}\n\n${usage}`)
    return { exit: 2 }
  }
  if (values.help === true) {
    process.stdout.write(usage)
    return { exit: 0 }
  }
  return { config: values.config }
}

/** Resolves with the first SIGINT or SIGTERM; both handlers are removed then. */
export function untilStopSignal (): Promise<NodeJS.Signals> {
  return new Promise(resolve => {
    const done = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      resolve(signal)
    }
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
}
