// CRC-16/MODBUS (spec/modbus-sensors.md §3): width 16, polynomial 0x8005 reflected (0xA001),
// initial value 0xFFFF, input and output reflected, no final XOR; check value over "123456789" = 0x4B37.
// Not the HJ 212 CRC (that one lives in hj212.ts and is printed high byte first).

const TABLE = buildTable()

function buildTable (): Uint16Array {
  const table = new Uint16Array(256)
  for (let n = 0; n < 256; n++) {
    let crc = n
    // Modbus over Serial Line V1.02 §6.2.2: shift right, XOR 0xA001 when the shifted-out bit is 1
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0xa001 : crc >>> 1
    table[n] = crc
  }
  return table
}

/** CRC-16/MODBUS of `bytes` as a number 0…0xFFFF (e.g. 0x0A84 for `01 03 00 00 00 01`). */
export function modbusCrc (bytes: Uint8Array): number {
  let crc = 0xffff
  for (let i = 0; i < bytes.length; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]) & 0xff]
  return crc
}

/** A new frame: `frame` followed by its CRC, low byte first (modbus-sensors.md §2). */
export function appendModbusCrc (frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + 2)
  out.set(frame, 0)
  const crc = modbusCrc(frame)
  out[frame.length] = crc & 0xff
  out[frame.length + 1] = crc >>> 8
  return out
}

/**
 * True when the last two bytes of `frame` are the CRC (low byte first) of the bytes before them.
 * Uses the receiver property of §3: the CRC over a whole frame including its CRC is 0.
 * Frames shorter than 3 bytes (no payload) are never valid.
 */
export function checkModbusCrc (frame: Uint8Array): boolean {
  if (frame.length < 3) return false
  return modbusCrc(frame) === 0
}
