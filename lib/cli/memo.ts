import { own } from '../detect/behaviour/source-key.js'

/**
 * Results of a pure function by their exact input string, bounded: `size` keys in the recent generation and
 * at most as many in the older one. When the recent generation is full it becomes the older one, and a key
 * found there is moved back: values asked for often stay, one-off values (a URL with a click id) pass
 * through. A Map lookup is all a hit costs, where an LRU's list upkeep on every hit cost more than some of
 * the work it saves.
 *
 * Keys longer than `maxKey` are not kept (the caller computes them every time), and a key is kept as a copy
 * of its own: a field sliced from a line would otherwise keep the whole line (up to 64 KB) alive.
 */
export class Memo<V> {
  private recent = new Map<string, V>()
  private older = new Map<string, V>()

  constructor (private readonly size: number, readonly maxKey: number) {}

  get (key: string): V | undefined {
    if (key.length > this.maxKey) return undefined
    const value = this.recent.get(key)
    if (value !== undefined || this.older.size === 0) return value
    const old = this.older.get(key)
    if (old !== undefined) {
      this.older.delete(key)
      this.keep(key, old)
    }
    return old
  }

  /** Keeps `value` for `key`, unless the key is too long to keep. */
  set (key: string, value: V): void {
    if (key.length <= this.maxKey) this.keep(own(key, key.length), value)
  }

  private keep (key: string, value: V): void {
    if (this.recent.size >= this.size) {
      this.older = this.recent
      this.recent = new Map()
    }
    this.recent.set(key, value)
  }
}
