// The running stage of `shennong edge`: main.ts checks edge.yaml, then replaces the process image
// (same pid) with `node <heap flags> run.ts <checked-config.json>`. This stage never imports
// TypeBox, the YAML parser or the TypeScript stripper (its modules come from the compile cache
// main.ts filled), so the gateway keeps only what polling and forwarding need in memory.
import { readFileSync, rmSync } from 'node:fs'
import { createLogger } from '@shennong/core/logger.ts'
import { createAgent, type Agent } from './agent.ts'
import type { EdgeConfig } from './config.ts'
import { loadSources } from './sources/index.ts'
import { deepFreeze } from './deep-freeze.ts'

/** Builds the agent (every source created once, every problem reported together) without starting it. */
export async function buildEdgeAgent (config: EdgeConfig): Promise<Agent> {
  const logger = createLogger('edge', config.logLevel)
  return createAgent(config, { logger, sources: await loadSources(config.sources) })
}

/** Runs the agent until SIGINT or SIGTERM; resolves with the exit code. */
export async function runEdgeAgent (config: EdgeConfig): Promise<number> {
  const logger = createLogger('edge', config.logLevel)
  const agent = await buildEdgeAgent(config)
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
  // The checked config holds the uplink password: read it once, then remove the file.
  const file = process.argv[2]
  const run = async (): Promise<number> => {
    const config = deepFreeze(JSON.parse(readFileSync(file, 'utf8')) as EdgeConfig)
    rmSync(file, { force: true })
    return await runEdgeAgent(config)
  }
  run().then(code => { process.exitCode = code }, (err: Error & { code?: string }) => {
    process.stderr.write(`shennong edge: ${err.code !== undefined ? `${err.code}: ` : ''}${err.message}\n`)
    process.exitCode = 1
  })
}
