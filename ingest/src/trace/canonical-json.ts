// Canonical JSON for hashing trace events, after RFC 8785 (JSON Canonicalization Scheme, JCS):
// - objects: members sorted by key, compared as UTF-16 code units (RFC 8785 §3.2.3; JavaScript's
//   default string order), no whitespace; members whose value is `undefined` are left out;
// - numbers: the ECMAScript Number-to-String form (RFC 8785 §3.2.2.3), -0 written 0; NaN and
//   ±Infinity are refused;
// - strings: JSON.stringify's escaping (RFC 8785 §3.2.2.2: \" \\ \b \f \n \r \t, other controls as
//   \u00xx lower-case, everything else as is);
// - arrays keep their order; `undefined`, functions, symbols, bigints and non-plain objects
//   (Date, Map, Buffer, …) are refused, so no value is hashed in a form its reader cannot rebuild.
// Same input → same bytes in every process, so the SHA-256 of the text identifies the content.

export function canonicalJson (value: unknown): string {
  return write(value, '$')
}

function write (value: unknown, path: string): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${String(value)}; only finite numbers have a JSON form`)
      return Object.is(value, -0) ? '0' : String(value)
    case 'string':
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`
      const proto = Object.getPrototypeOf(value) as unknown
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`canonicalJson: ${path} is not a plain object`)
      const record = value as Record<string, unknown>
      const keys = Object.keys(record).filter(k => record[k] !== undefined).sort()
      return `{${keys.map(k => `${JSON.stringify(k)}:${write(record[k], `${path}.${k}`)}`).join(',')}}`
    }
    default:
      throw new TypeError(`canonicalJson: ${path} is ${typeof value}, which JSON cannot carry`)
  }
}
