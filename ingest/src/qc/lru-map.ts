// A Map bounded to `capacity` entries: reading or writing a key makes it the most recent; the
// least recently used key goes first when the map is full. Keeps quality-control state bounded.
export class LruMap<K, V> {
  readonly capacity: number
  #map = new Map<K, V>()
  evicted = 0

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LRU capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
  }

  get size (): number { return this.#map.size }

  get (key: K): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  set (key: K, value: V): void {
    if (this.#map.has(key)) this.#map.delete(key)
    else if (this.#map.size >= this.capacity) {
      const oldest = this.#map.keys().next().value as K
      this.#map.delete(oldest)
      this.evicted++
    }
    this.#map.set(key, value)
  }
}
