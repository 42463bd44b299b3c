// The per-batch hash chain (issue 6, tamper evidence): an event's hash is SHA-256 over the
// canonical JSON (canonical-json.ts) of its content, and the content names the previous event's
// hash, so changing, removing or reordering any event breaks every later link. An organisation can
// sign an event: Ed25519 (RFC 8032) over the 32 bytes of the hash, with a key registered for it.
import { createHash, createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto'
import { canonicalJson } from './canonical-json.ts'
import { GENESIS_PREV, type Batch, type ChainBreak, type EventContent, type OrganisationKey, type TraceEvent, type VerifyResult } from './trace-model.ts'

/** Format version: part of the hashed text, so a future change of what is covered cannot be confused with this one. */
export const CHAIN_VERSION = 1

export function canonicalEvent (content: EventContent): string {
  const { batch, seq, type, at, organisation, actor, place, location, data, prev } = content
  return canonicalJson({ v: CHAIN_VERSION, batch, seq, type, at, organisation, actor, place, location, data, prev })
}

export function hashEvent (content: EventContent): string {
  return createHash('sha256').update(canonicalEvent(content), 'utf8').digest('hex')
}

/** SHA-256 hex of a value's canonical JSON (digests of sensor summaries). */
export function digestOf (value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex')
}

// RFC 8410: an Ed25519 SubjectPublicKeyInfo is this 12-byte prefix and the 32-byte key.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** A raw 32-byte Ed25519 public key (base64) or a PEM SPKI → KeyObject; throws TypeError when it is neither. */
export function parsePublicKey (text: string): KeyObject {
  const trimmed = text.trim()
  if (trimmed.startsWith('-----BEGIN')) {
    const key = createPublicKey(trimmed)
    if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`the key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`)
    return key
  }
  const raw = Buffer.from(trimmed, 'base64')
  if (raw.length !== 32) throw new TypeError(`a raw Ed25519 public key is 32 bytes (base64); this one is ${raw.length}`)
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}

/** The raw 32 bytes of an Ed25519 public key, base64. */
export function rawPublicKey (key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length).toString('base64')
}

export function keyIdOf (rawBase64: string): string {
  return createHash('sha256').update(Buffer.from(rawBase64, 'base64')).digest('hex').slice(0, 16)
}

/** Signs an event hash (hex) with an Ed25519 private key: base64 signature over the 32 hash bytes. */
export function signHash (hash: string, privateKey: KeyObject | string): string {
  return edSign(null, Buffer.from(hash, 'hex'), privateKey).toString('base64')
}

export function verifyHashSignature (hash: string, signature: string, publicKeyRaw: string): boolean {
  try {
    return edVerify(null, Buffer.from(hash, 'hex'), parsePublicKey(publicKeyRaw), Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

/**
 * Recomputes one batch's chain and reports the first broken link: an event whose content no longer
 * hashes to its stored hash (content-changed), an event whose `prev` is not the hash of the event
 * before it, or a gap or a missing tail (link-broken), a signature that does not verify with the
 * organisation's key (bad-signature). The batch record is checked against its creation event.
 */
export function verifyChain (batch: Batch, events: readonly TraceEvent[], keyOf: (id: string) => OrganisationKey | undefined): VerifyResult {
  const result = (brk: ChainBreak | null): VerifyResult => ({
    ok: brk === null, batch: batch.code, events: events.length, signed: events.filter(e => e.signature !== null).length, head: events.at(-1)?.hash ?? null, break: brk
  })
  const broken = (e: TraceEvent | undefined, seq: number, reason: ChainBreak['reason'], message: string): VerifyResult =>
    result({ batch: batch.code, seq, eventId: e?.id ?? null, reason, message })
  let prevHash = GENESIS_PREV
  let expectedSeq = 1
  for (const e of events) {
    const recomputed = hashEvent(e)
    if (e.seq !== expectedSeq || e.prev !== prevHash) {
      const gap = e.seq > expectedSeq ? ` (event ${expectedSeq}${e.seq - 1 > expectedSeq ? `…${e.seq - 1}` : ''} is missing)` : ''
      return broken(e, e.seq, 'link-broken', `event ${e.seq} (${e.type}) links to ${e.prev.slice(0, 12)}… but the event before it hashes to ${prevHash.slice(0, 12)}…${gap}`)
    }
    if (recomputed !== e.hash) {
      return broken(e, e.seq, 'content-changed', `event ${e.seq} (${e.type}) was changed after it was recorded: its content hashes to ${recomputed.slice(0, 12)}…, not the recorded ${e.hash.slice(0, 12)}…`)
    }
    if (e.signature !== null || e.keyId !== null) {
      const key = e.keyId === null ? undefined : keyOf(e.keyId)
      if (key === undefined || key.organisation !== e.organisation) {
        return broken(e, e.seq, 'bad-signature', `event ${e.seq} (${e.type}) names key ${e.keyId ?? '(none)'}, which is not registered for organisation ${e.organisation}`)
      }
      if (e.signature === null || !verifyHashSignature(e.hash, e.signature, key.publicKey)) {
        return broken(e, e.seq, 'bad-signature', `event ${e.seq} (${e.type}): the signature does not verify with key ${key.id} of ${e.organisation}`)
      }
    }
    // Recomputed, not stored: a later stored hash edited to match its own changed content still breaks the next link.
    prevHash = recomputed
    expectedSeq++
  }
  if (events.length !== batch.length || prevHash !== (batch.length === 0 ? GENESIS_PREV : batch.head)) {
    return broken(undefined, events.length + 1, 'link-broken', `the chain ends at event ${events.length} (${prevHash.slice(0, 12)}…) but the batch's head is event ${batch.length} (${batch.head.slice(0, 12)}…): events were removed from the end`)
  }
  const first = events[0]
  if (first !== undefined) {
    const d = first.data
    const record = { code: batch.code, product: batch.product, productZh: batch.productZh, variety: batch.variety, originPlace: batch.originPlace, organisation: batch.organisation }
    const created = { code: d.code, product: d.product, productZh: d.productZh ?? null, variety: d.variety ?? null, originPlace: d.originPlace, organisation: first.organisation }
    if (first.type !== 'created' || canonicalJson(record) !== canonicalJson(created)) {
      return broken(first, 1, 'content-changed', 'the batch record (code, product, variety, origin, organisation) differs from its creation event')
    }
  }
  return result(null)
}
