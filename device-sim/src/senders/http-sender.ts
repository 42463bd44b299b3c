// HTTP transport: POST {url}/v1/readings with `Authorization: Bearer <gatewayId>.<secret>` and a
// body of one reading or an array. 202 means the ingest log holds it (ARCHITECTURE §6.3), the only
// answer counted as acknowledged. 5xx, 429 and network errors are retried with exponential backoff
// (the same body again: readings carry their seq, so a retry can at worst duplicate, never lose);
// other 4xx are final.
import type { GatewayEndpoint, Sender, SendResult } from './sender.ts'

export interface HttpSenderConfig {
  /** Base URL (`http://host:port`) or the full `/v1/readings` URL. */
  url: string
  /** Attempts after the first for a retryable answer. Default 5. */
  retries?: number
  /** First backoff; doubles per attempt up to `maxBackoffMs`. Default 100 ms. */
  backoffMs?: number
  maxBackoffMs?: number
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number
}

export function readingsUrl (url: string): string {
  const trimmed = url.replace(/\/+$/, '')
  return trimmed.endsWith('/v1/readings') ? trimmed : `${trimmed}/v1/readings`
}

export function createHttpSender (config: HttpSenderConfig): Sender {
  const target = readingsUrl(config.url)
  const errors: Record<string, number> = {}
  const count = (kind: string): void => { errors[kind] = (errors[kind] ?? 0) + 1 }
  const retries = config.retries ?? 5
  const closing = new AbortController()

  const pause = async (ms: number): Promise<void> => await new Promise(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void { clearTimeout(timer); closing.signal.removeEventListener('abort', done); resolve() }
    closing.signal.addEventListener('abort', done, { once: true })
  })

  return {
    transport: 'http',
    async open (): Promise<void> {},
    async send (gateway: GatewayEndpoint, payload: string): Promise<SendResult> {
      let reason = 'aborted'
      for (let attempt = 0; attempt <= retries && !closing.signal.aborted; attempt++) {
        if (attempt > 0) {
          count('retries')
          await pause(Math.min(config.maxBackoffMs ?? 5000, (config.backoffMs ?? 100) * 2 ** (attempt - 1)))
          if (closing.signal.aborted) break
        }
        try {
          const res = await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.id}.${gateway.secret}` },
            body: payload,
            signal: AbortSignal.any([closing.signal, AbortSignal.timeout(config.timeoutMs ?? 10_000)])
          })
          await res.arrayBuffer()
          if (res.status === 202) return { ok: true }
          reason = `status_${res.status}`
          count(reason)
          if (res.status < 500 && res.status !== 429) return { ok: false, reason }
        } catch (err) {
          if (closing.signal.aborted) break
          reason = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network'
          count(reason)
        }
      }
      return { ok: false, reason }
    },
    async close (): Promise<void> {
      closing.abort()
    },
    errors: () => ({ ...errors })
  }
}
