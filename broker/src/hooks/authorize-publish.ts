// Aedes authorizePublish: the ACL, the payload size limit, the per-principal rate limit, and the
// durability hand-off of ARCHITECTURE §6.2: a telemetry PUBLISH is appended to the ingest log and
// authorized only once the append is committed, so Aedes writes the PUBACK after the commit.
//
// Order. Aedes 1.x parses a socket chunk and dispatches every PUBLISH in it at once
// (lib/client.js `enqueue`): authorizePublish runs for each in arrival order, and for QoS 1 the
// PUBACK is written as soon as its callback fires (lib/handlers/publish.js `enqueuePublish`).
// Callbacks that fire out of order would send PUBACKs out of order (e.g. a status PUBLISH, decided
// at once, overtaking a telemetry PUBLISH still waiting for its commit). So each connection keeps
// its undecided publishes in a FIFO and answers Aedes strictly from its head: PUBACKs leave in
// PUBLISH order (MQTT 3.1.1 §4.6).
//
// Refusal. MQTT 3.1.1 §3.3.5 [MQTT-3.3.5-2] leaves two choices: acknowledge and drop, or close the
// connection. Acknowledging would tell a sender its reading is stored when it is not, so the broker
// closes the connection (Aedes does so when the callback gets an error); the sender keeps the
// message and the refusal is counted in shennong_broker_refused_total{reason}.
import type { Client, PublishPacket } from 'aedes'
import { ShennongError } from '@shennong/core/errors.ts'
import { encodeLogMeta } from '@shennong/core/ingest-log.ts'
import { parseTopic } from '@shennong/core/topics.ts'
import { checkPublish, checkWill, senderOf } from '../acl.ts'
import type { HookContext, Session } from '../hook-context.ts'

type Callback = (error?: Error | null) => void

function payloadOf (packet: PublishPacket): Buffer {
  return typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
}

/** Answers Aedes for every settled publish at the head of the connection's FIFO. */
function drain (client: Client, session: Session): void {
  if (session.draining) return // the outer loop picks up what a re-entrant call settled
  session.draining = true
  try {
    while (session.pending.length > 0 && session.pending[0].settled) {
      const entry = session.pending.shift()
      // Once the connection is gone there is nothing to acknowledge; the sender resends.
      if (entry === undefined || client.closed || session.refused) continue
      if (entry.error === null) {
        entry.callback(null)
        continue
      }
      // A refusal closes the connection. Aedes writes PUBACKs corked until the next tick
      // (mqtt-packet writeToStream), so the close waits a turn: the PUBACKs for the publishes
      // before it still leave. Nothing after it is acknowledged.
      session.refused = true
      const refused = entry
      setImmediate(() => { if (!client.closed) refused.callback(refused.error) })
    }
  } finally {
    session.draining = false
  }
}

export function createAuthorizePublish (ctx: HookContext) {
  const refusal = (code: 'ERR_BROKER_NOT_AUTHORIZED' | 'ERR_BROKER_PAYLOAD_TOO_LARGE' | 'ERR_BROKER_RATE_LIMITED' | 'ERR_BROKER_LOG_APPEND', message: string, cause?: unknown): ShennongError =>
    new ShennongError(code, message, cause === undefined ? undefined : { cause })

  return function authorizePublish (client: Client | null, packet: PublishPacket, callback: Callback): void {
    const topic = packet.topic
    if (client === null) {
      // A will left behind by a client of another broker instance: wills are checked at CONNECT,
      // and only status wills are accepted there.
      if (parseTopic(topic)?.channel === 'status') {
        packet.retain = true
        return callback(null)
      }
      ctx.refuse('acl-publish', { topic, detail: 'orphaned will outside a status topic' })
      return callback(refusal('ERR_BROKER_NOT_AUTHORIZED', `will on ${topic} refused`))
    }
    const session = ctx.sessions.get(client)
    if (session === undefined) return callback(refusal('ERR_BROKER_NOT_AUTHORIZED', 'publish before authentication'))
    const sender = senderOf(session.identity)

    if (ctx.wills.get(client) === packet) {
      // The last will, published by Aedes after an unclean disconnect (checked at CONNECT too).
      const why = checkWill(session.identity, topic)
      if (why !== null) {
        ctx.refuse('will', { sender, clientId: client.id, topic, detail: why })
        return callback(refusal('ERR_BROKER_NOT_AUTHORIZED', `will on ${topic} refused: ${why}`))
      }
      packet.retain = true
      ctx.metrics.publishes.inc({ channel: 'status' })
      return callback(null)
    }

    const entry: Session['pending'][number] = { settled: false, error: null, callback }
    session.pending.push(entry)
    const settle = (error: Error | null): void => {
      entry.settled = true
      entry.error = error
      drain(client, session)
    }

    const why = checkPublish(session.identity, topic)
    if (why !== null) {
      ctx.refuse('acl-publish', { sender, clientId: client.id, topic, detail: why })
      return settle(refusal('ERR_BROKER_NOT_AUTHORIZED', `publish to ${topic} refused: ${why}`))
    }
    const payload = payloadOf(packet)
    const max = ctx.config.limits.maxPayloadBytes
    if (payload.length > max) {
      ctx.refuse('payload-too-large', { sender, clientId: client.id, topic, bytes: payload.length, max })
      return settle(refusal('ERR_BROKER_PAYLOAD_TOO_LARGE', `payload of ${payload.length} bytes exceeds limits.maxPayloadBytes ${max}`))
    }
    if (!ctx.limiter.take(sender)) {
      ctx.refuse('rate-limit', { sender, clientId: client.id, topic, perSecond: ctx.config.limits.publishRate.perSecond })
      return settle(refusal('ERR_BROKER_RATE_LIMITED', `${sender} exceeds ${ctx.config.limits.publishRate.perSecond} publishes/s`))
    }

    const channel = parseTopic(topic)?.channel
    if (channel === 'status') packet.retain = true // ARCHITECTURE §2: status is retained
    if (channel !== 'telemetry') {
      if (channel !== undefined) ctx.metrics.publishes.inc({ channel })
      return settle(null)
    }

    // ARCHITECTURE §6.2: PUBACK only after the message is in the ingest log (group commit).
    // The broker does not parse the payload: ingest validates and quarantines.
    const started = performance.now()
    const meta = encodeLogMeta({ topic, sender, transport: 'mqtt', receivedAt: ctx.now() })
    const done = ctx.log.append([{ meta, payload }]).then(() => {
      ctx.metrics.appendSeconds.observe((performance.now() - started) / 1000)
      ctx.metrics.publishes.inc({ channel: 'telemetry' })
      settle(null)
    }, (err: Error & { code?: string }) => {
      const reason = err.code === 'ERR_QUEUE_FULL' ? 'log-full' : 'log-error'
      ctx.refuse(reason, { sender, clientId: client.id, topic, err })
      settle(refusal('ERR_BROKER_LOG_APPEND', `ingest log append failed (${err.code ?? err.message}); not acknowledged`, err))
    })
    ctx.appends.add(done)
    ctx.metrics.appendsPending.set(ctx.appends.size)
    void done.finally(() => {
      ctx.appends.delete(done)
      ctx.metrics.appendsPending.set(ctx.appends.size)
    })
  }
}
