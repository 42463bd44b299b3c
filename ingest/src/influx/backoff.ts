// Retry delays for InfluxDB writes: exponential backoff with full jitter (AWS Architecture Blog,
// "Exponential Backoff And Jitter"): delay = random(0, min(maxDelay, initialDelay · 2^(attempt−1))).
// Full jitter keeps a fleet of writers from retrying in lock step after an outage.
import { ShennongError } from '@shennong/core/errors.ts'

export function fullJitterDelay (attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const bound = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 52))
  return Math.round(random() * bound)
}

/** The error a write rejects with when its signal aborts (shutdown, or the caller gave up). */
export function abortedError (signal: AbortSignal): ShennongError {
  const reason: unknown = signal.reason
  const why = reason instanceof Error ? reason.message : String(reason ?? 'aborted')
  return new ShennongError('ERR_INFLUX_ABORTED', `InfluxDB write abandoned (${why}); the points were not confirmed`, { cause: reason })
}

/** Waits `ms`, or rejects with ERR_INFLUX_ABORTED as soon as the signal aborts. */
export function sleepUnlessAborted (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortedError(signal))
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortedError(signal))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
