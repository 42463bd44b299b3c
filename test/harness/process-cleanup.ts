// Servers that tests start must not outlive the test process. Each harness registers a synchronous
// cleanup (SIGKILL its child, remove its temporary directory) that runs on teardown, or at the
// latest when the process exits or is interrupted. The registry is per process by nature: 'exit'
// and signals are process-wide.
const cleanups = new Set<() => void>()
let installed = false

function runAll (): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn)
    try { fn() } catch { /* best effort at exit */ }
  }
}

function onSignal (signal: NodeJS.Signals): void {
  runAll()
  // Keep the default behaviour (terminate) when nobody else handles this signal.
  if (process.listenerCount(signal) === 1) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  }
}

function install (): void {
  if (installed) return
  installed = true
  process.on('exit', runAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal)
}

/** Registers `fn` to run at process exit. The returned function unregisters it (running it first when `runNow`). */
export function exitCleanup (fn: () => void): (runNow?: boolean) => void {
  install()
  cleanups.add(fn)
  return (runNow = false) => {
    if (!cleanups.delete(fn)) return
    if (runNow) fn()
  }
}
