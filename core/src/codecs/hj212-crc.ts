// The HJ 212 CRC (spec/hj212.md §3, HJ 212-2017 Appendix A). Not CRC-16/MODBUS: per byte the
// register is first shifted right by 8 and only then XORed with the byte, so the low byte of the
// previous register is dropped. Written as 4 hex digits, high byte first.

const TABLE = buildTable()
const utf8 = new TextEncoder()

function buildTable (): Uint16Array {
  const table = new Uint16Array(256)
  for (let n = 0; n < 256; n++) {
    let r = n
    // HJ 212-2017 Appendix A: 8 times, shift right and XOR 0xA001 when the shifted-out bit is 1
    for (let bit = 0; bit < 8; bit++) r = (r & 1) !== 0 ? (r >>> 1) ^ 0xa001 : r >>> 1
    table[n] = r
  }
  return table
}

/**
 * HJ 212 CRC of a data segment (from the `Q` of `QN=` to the last `&`), 0…0xFFFF.
 * A string is taken as its UTF-8 bytes. Appendix A example → 0x1C80.
 */
export function hj212Crc (segment: Uint8Array | string): number {
  const bytes = typeof segment === 'string' ? utf8.encode(segment) : segment
  let r = 0xffff
  // HJ 212-2017 Appendix A: r = (r >> 8) XOR byte, then the 8 shift/XOR steps
  for (let i = 0; i < bytes.length; i++) r = TABLE[(r >>> 8) ^ bytes[i]]
  return r
}

/** The CRC as it goes on the wire: 4 upper-case hex digits, zero-padded (`0x1C80` → `1C80`). */
export function formatHj212Crc (crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0')
}
