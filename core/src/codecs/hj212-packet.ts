// The shapes of an HJ 212 packet and of the codec options (spec/hj212.md §4–§5).
// A packet keeps every value as its original text, so parse → encode rebuilds the same bytes.

/** One `key=value` of the CP area, e.g. `{ key: 'a34004-Rtd', value: '35' }`. */
export interface Hj212CpItem {
  /** The key without surrounding spaces: `DataTime`, `a34004-Rtd`, `SB1-RS`, `QnRtn`. */
  readonly key: string
  /** The value exactly as sent, without surrounding spaces (`0.70` stays `0.70`; log text keeps its `//…//`). */
  readonly value: string
  /** The original `key=value` text, present only when it carried spaces around key or value (§5). */
  readonly raw?: string
}

/** Items joined by `,` on the wire: usually all fields of one pollutant. `[]` is an empty group (`;;`). */
export type Hj212CpGroup = readonly Hj212CpItem[]

/** The data segment of one packet. Field order on the wire is always QN;ST;CN;PW;MN;Flag;PNUM;PNO;CP. */
export interface Hj212Packet {
  /** Request id `YYYYMMDDhhmmsszzz` (17 digits); absent on many uploads. */
  readonly qn?: string
  /** System code, 2 chars 0-9A-Z (Table 5). */
  readonly st: string
  /** Command code, 4 digits (Table 9). */
  readonly cn: string
  /** Access password. */
  readonly pw: string
  /** Device id (24 hex chars in 2017; shorter in practice). */
  readonly mn: string
  /** Flag 0…255: version in bits 2–7, D (split) bit 1, A (reply required) bit 0; absent on 2005-style packets. */
  readonly flag?: number
  /** Total number of parts of a split packet (with `pno`). */
  readonly pnum?: number
  /** This part's number, 1-based (with `pnum`). */
  readonly pno?: number
  /** The CP area, groups in wire order (`CP=&&&&` is `[]`). */
  readonly cp: readonly Hj212CpGroup[]
}

export interface Hj212Options {
  /**
   * `lenient` (default) accepts what §4–§5 mark as field practice: MN/PW of 1–24 printable chars,
   * missing QN/Flag, PNUM/PNO without the D bit, 17-digit times, empty CP groups (`;;`), non-numeric values.
   * `strict` wants the 2017 text: MN 24 hex, PW 6 chars, QN and Flag present, 14-digit times,
   * decimal values, CP ≤ 950 bytes.
   */
  readonly mode?: 'lenient' | 'strict'
  /** Largest data segment in bytes (Table 2: 1024). */
  readonly maxLength?: number
  /** Length field counts UTF-16 chars instead of UTF-8 bytes (spec §2, `hj212.lengthCountsChars`; open doubt §12.2). */
  readonly lengthCountsChars?: boolean
  /** Known command codes; default HJ212_COMMANDS (2017 Table 9). Add HJ212_2005_COMMANDS for 2005 loggers. */
  readonly commands?: Readonly<Record<string, unknown>>
  /** What to do with a CN not in `commands` (default `reject`: ERR_HJ212_CN). */
  readonly unknownCn?: 'reject' | 'accept'
}
