// Builds the ShennongError that every HJ 212 rejection throws. `details.reason` carries the
// receiver-contract reason of spec/hj212.md §9 (BAD_HEADER, TRUNCATED, CRC_MISMATCH, …) so a
// server can count rejects by the spec's names; `code` is the coarser ERR_HJ212_* of core/src/errors.ts.

import { ShennongError } from '../errors.ts'

export type Hj212ErrorCode =
  | 'ERR_HJ212_FRAME'
  | 'ERR_HJ212_TRUNCATED'
  | 'ERR_HJ212_LENGTH'
  | 'ERR_HJ212_CRC'
  | 'ERR_HJ212_FIELD'
  | 'ERR_HJ212_CP'
  | 'ERR_HJ212_CN'

export function hj212Error (
  code: Hj212ErrorCode,
  reason: string,
  message: string,
  details?: Record<string, unknown>
): ShennongError {
  return new ShennongError(code, message, { details: { reason, ...details } })
}
