// The v2 write path: @influxdata/influxdb-client's write API, POST /api/v2/write?org=&bucket=&precision=ms
// with `Authorization: Token` (InfluxDB 1.8+, 2.x, 3.x; also VictoriaMetrics). The client's own
// batching, flush timer and retries are turned off: one WriteApi per request, flushed at once,
// every failure handed back through writeFailed, so batch-writer.ts owns the semantics.
import { HttpError, InfluxDB } from '@influxdata/influxdb-client'
import type { WriteApi } from '@influxdata/influxdb-client'
import { parseDuration } from '@shennong/core/duration.ts'
import type { Logger } from '@shennong/core/logger.ts'
import { abortedError } from './backoff.ts'
import { createBatchWriter } from './batch-writer.ts'
import type { InfluxConfig } from './config.ts'
import { errorMessage, outcomeForFailure, outcomeForStatus, parseRetryAfter } from './send-outcome.ts'
import type { SendOutcome } from './send-outcome.ts'
import type { InfluxWriter } from './writer.ts'

export function createV2Writer (config: InfluxConfig, deps: { logger?: Logger } = {}): InfluxWriter {
  const base = config.url.replace(/\/+$/, '')
  const timeoutMs = parseDuration(config.timeout)
  const client = new InfluxDB({ url: base, token: config.token === '' ? undefined : config.token, timeout: timeoutMs })
  const writeOptions = {
    maxRetries: 0,
    batchSize: config.maxBatchPoints + 1,
    flushInterval: 0,
    maxBufferLines: config.maxBatchPoints + 1,
    // Returning a promise makes it the result of flush(): no client-side logging or retry.
    writeFailed: (error: Error) => Promise.reject(error)
  }

  async function send (body: string, signal: AbortSignal): Promise<SendOutcome> {
    if (signal.aborted) throw abortedError(signal)
    const api: WriteApi = client.getWriteApi(config.org, config.bucket, 'ms', writeOptions)
    api.writeRecords(body.split('\n'))
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(abortedError(signal))
      signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      await Promise.race([api.flush(), aborted])
      return { kind: 'ok' }
    } catch (err) {
      if (signal.aborted) throw abortedError(signal)
      if (err instanceof HttpError) {
        return outcomeForStatus(err.statusCode, errorMessage(err.body, err.statusCode), parseRetryAfter(err.headers?.['retry-after'] as string | undefined))
      }
      return outcomeForFailure(err, base, timeoutMs)
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
      aborted.catch(() => {})
      // Nothing is buffered any more; close() only marks the per-request API as done.
      api.close().catch(() => {})
    }
  }

  return createBatchWriter({ config, send, logger: deps.logger })
}
