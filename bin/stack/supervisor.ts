// Runs the stack's processes as children: restarts one that dies (with backoff), and on stop sends
// SIGTERM to all and waits (SIGKILL after a grace period). Each child keeps its own composition root.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { Logger } from '../../core/src/logger.ts'

export interface ChildSpec {
  name: string
  command: string
  args: string[]
  env?: Record<string, string>
  /** Restart when it exits on its own (default true). */
  restart?: boolean
  /** Called with each line the child prints (stdout and stderr). */
  onLine?: (line: string) => void
}

export interface Supervisor {
  start: (spec: ChildSpec) => ChildProcess
  /** Resolves with the first line for which `match` is true, or rejects after `timeoutMs`. */
  waitForLine: (name: string, match: (line: string) => boolean, timeoutMs: number) => Promise<string>
  stop: () => Promise<void>
  children: () => Map<string, ChildProcess>
}

export function createSupervisor (logger: Logger, graceMs = 10_000): Supervisor {
  const running = new Map<string, ChildProcess>()
  const listeners = new Map<string, Array<(line: string) => void>>()
  let stopping = false

  function launch (spec: ChildSpec, attempt: number): ChildProcess {
    const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spec.env } })
    running.set(spec.name, child)
    let buffer = ''
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString()
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        spec.onLine?.(line)
        for (const l of listeners.get(spec.name) ?? []) l(line)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    const startedAt = Date.now()
    child.once('exit', (code, signal) => {
      if (running.get(spec.name) === child) running.delete(spec.name)
      if (stopping) return
      logger.warn('process exited', { process: spec.name, code, signal })
      if (spec.restart === false) return
      // A process that ran for a minute starts over from the shortest backoff.
      const next = Date.now() - startedAt > 60_000 ? 0 : attempt + 1
      const delay = Math.min(30_000, 500 * 2 ** next)
      logger.info('restarting', { process: spec.name, inMs: delay })
      setTimeout(() => { if (!stopping) launch(spec, next) }, delay).unref()
    })
    return child
  }

  return {
    start: spec => launch(spec, 0),
    waitForLine (name, match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const list = listeners.get(name) ?? []
        listeners.set(name, list)
        const timer = setTimeout(() => { remove(); reject(new Error(`${name} did not become ready within ${timeoutMs} ms`)) }, timeoutMs)
        const listener = (line: string): void => { if (match(line)) { remove(); resolve(line) } }
        const remove = (): void => { clearTimeout(timer); list.splice(list.indexOf(listener), 1) }
        list.push(listener)
      })
    },
    async stop () {
      stopping = true
      // Last started, first stopped: the simulator settles its in-flight messages while the broker
      // and ingest still run, and ingest drains before the broker goes.
      for (const child of [...running.values()].reverse()) {
        if (child.exitCode !== null || child.signalCode !== null) continue
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        await once(child, 'exit')
        clearTimeout(timer)
      }
    },
    children: () => running
  }
}
