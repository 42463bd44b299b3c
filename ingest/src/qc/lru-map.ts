// A Map bounded to `capacity` entries: reading or writing a key makes it the most recent; the
// least recently used key goes first when the map is full. Keeps quality-control state bounded.
// Recency is a doubly linked list through the entries, so a hit only relinks two nodes: the Map
// itself is not touched (deleting and re-inserting a key on every hit churns its hash table).
interface Node<K, V> {
  key: K
  value: V
  /** Towards the least recently used end. */
  older: Node<K, V> | null
  /** Towards the most recently used end. */
  newer: Node<K, V> | null
}

export class LruMap<K, V> {
  readonly capacity: number
  #map = new Map<K, Node<K, V>>()
  #oldest: Node<K, V> | null = null
  #newest: Node<K, V> | null = null
  evicted = 0
  readonly #onEvict: ((key: K, value: V) => void) | undefined

  /** `onEvict` hears of every entry that goes because the map is full or `shift` took it. */
  constructor (capacity: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LRU capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
    this.#onEvict = onEvict
  }

  get size (): number { return this.#map.size }

  get (key: K): V | undefined {
    const node = this.#map.get(key)
    if (node === undefined) return undefined
    this.#touch(node)
    return node.value
  }

  set (key: K, value: V): void {
    const node = this.#map.get(key)
    if (node !== undefined) {
      node.value = value
      this.#touch(node)
      return
    }
    if (this.#map.size >= this.capacity) this.shift()
    const fresh: Node<K, V> = { key, value, older: null, newer: null }
    this.#map.set(key, fresh)
    this.#append(fresh)
  }

  /** Evicts the least recently used entry; false when the map is empty. */
  shift (): boolean {
    const oldest = this.#oldest
    if (oldest === null) return false
    this.#unlink(oldest)
    this.#map.delete(oldest.key)
    this.evicted++
    this.#onEvict?.(oldest.key, oldest.value)
    return true
  }

  #touch (node: Node<K, V>): void {
    if (node === this.#newest) return
    this.#unlink(node)
    this.#append(node)
  }

  #unlink (node: Node<K, V>): void {
    if (node.older === null) this.#oldest = node.newer
    else node.older.newer = node.newer
    if (node.newer === null) this.#newest = node.older
    else node.newer.older = node.older
    node.older = null
    node.newer = null
  }

  #append (node: Node<K, V>): void {
    node.older = this.#newest
    node.newer = null
    if (this.#newest === null) this.#oldest = node
    else this.#newest.newer = node
    this.#newest = node
  }
}
