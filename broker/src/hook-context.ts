// What the Aedes hooks share: the injected stores, the per-connection identity, the rate limiter,
// and one place that counts and logs refusals (each reason logged once a minute per sender, with
// the number suppressed since, so a misbehaving fleet cannot flood the log).
import type { Client, ConnectPacket } from 'aedes'
import type { Logger } from '@shennong/core/logger.ts'
import type { PrincipalStore } from '@shennong/core/principals.ts'
import type { DurableQueue } from '@shennong/core/queue/durable-queue.ts'
import type { RateLimiter } from '@shennong/core/rate-limiter.ts'
import type { BrokerConfig } from './config.ts'
import type { Identity } from './acl.ts'
import type { BrokerMetrics, RefusalReason } from './broker-metrics.ts'

export interface Session {
  identity: Identity
  /** Authorizations not yet answered to Aedes, in PUBLISH order (see authorize-publish.ts). */
  pending: Array<{ settled: boolean, error: Error | null, callback: (error?: Error | null) => void }>
  draining: boolean
  /** A publish was refused: the connection is being closed, nothing after it is acknowledged. */
  refused: boolean
}

export interface HookContext {
  config: BrokerConfig
  principals: PrincipalStore
  log: DurableQueue
  logger: Logger
  metrics: BrokerMetrics
  limiter: RateLimiter
  now: () => number
  sessions: WeakMap<Client, Session>
  /** Each client's last will from its CONNECT: authenticate checks it, authorizePublish knows it. */
  wills: WeakMap<Client, NonNullable<ConnectPacket['will']>>
  /** Telemetry appends in flight; close() waits for them. */
  appends: Set<Promise<unknown>>
  refuse: (reason: RefusalReason, fields: Record<string, unknown>) => void
}

const LOG_EVERY_MS = 60_000

export function createRefuse (logger: Logger, metrics: BrokerMetrics, now: () => number): HookContext['refuse'] {
  const lastLogged = new Map<string, { at: number, suppressed: number }>()
  return (reason, fields) => {
    metrics.refused.inc({ reason })
    const key = `${reason}\u0000${String(fields.sender ?? fields.clientId ?? '')}`
    const t = now()
    const last = lastLogged.get(key)
    if (last !== undefined && t - last.at < LOG_EVERY_MS) {
      last.suppressed++
      return
    }
    if (lastLogged.size > 10_000) lastLogged.clear()
    lastLogged.set(key, { at: t, suppressed: 0 })
    logger.warn('refused', { reason, ...fields, ...(last !== undefined && last.suppressed > 0 ? { suppressedSinceLast: last.suppressed } : {}) })
  }
}
