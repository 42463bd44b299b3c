// The v1 write path: POST {url}/write?db=&rp=&precision=ms with line protocol (InfluxDB 1.x
// "/write HTTP endpoint"; 2.x and 3.x answer it too through their v1-compatible API).
// Basic auth when a username is set; otherwise `Authorization: Token` when a token is set (v1-compat).
import { parseDuration } from '@shennong/core/duration.ts'
import type { Logger } from '@shennong/core/logger.ts'
import { createBatchWriter } from './batch-writer.ts'
import type { InfluxConfig } from './config.ts'
import { errorMessage, outcomeForFailure, outcomeForStatus, parseRetryAfter } from './send-outcome.ts'
import type { SendOutcome } from './send-outcome.ts'
import type { InfluxWriter } from './writer.ts'

/** Headers for InfluxDB's HTTP API: basic auth (1.x) or a token (2.x/3.x v1-compat). */
export function influxAuthHeaders (config: InfluxConfig): Record<string, string> {
  if (config.username !== '') {
    return { authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}` }
  }
  if (config.token !== '') return { authorization: `Token ${config.token}` }
  return {}
}

export function createV1Writer (config: InfluxConfig, deps: { logger?: Logger } = {}): InfluxWriter {
  const base = config.url.replace(/\/+$/, '')
  const params = new URLSearchParams({ db: config.database, precision: 'ms' })
  if (config.retentionPolicy !== '') params.set('rp', config.retentionPolicy)
  const url = `${base}/write?${params.toString()}`
  const headers = { 'content-type': 'text/plain; charset=utf-8', ...influxAuthHeaders(config) }
  const timeoutMs = parseDuration(config.timeout)

  async function send (body: string, signal: AbortSignal): Promise<SendOutcome> {
    try {
      const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) })
      const text = await res.text()
      return outcomeForStatus(res.status, errorMessage(text, res.status), parseRetryAfter(res.headers.get('retry-after')))
    } catch (err) {
      return outcomeForFailure(err, base, timeoutMs)
    }
  }

  return createBatchWriter({ config, send, logger: deps.logger })
}
