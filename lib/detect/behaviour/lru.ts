/** A node of an `LruList`: the entry itself carries its links. */
export interface Linked<T> {
  prev: T | null
  next: T | null
}

/**
 * Entries from least to most recently used, linked through the entries themselves. Finding the oldest of a
 * Map by iterating it would skip the holes its deletions leave at the front, a cost that grows with churn;
 * here taking, moving and removing an entry are O(1).
 */
export class LruList<T extends Linked<T>> {
  /** The least recently used entry. */
  head: T | null = null
  private tail: T | null = null

  /** Appends `node` (not in any list) as the most recently used. */
  push (node: T): void {
    node.prev = this.tail
    node.next = null
    if (this.tail === null) this.head = node
    else this.tail.next = node
    this.tail = node
  }

  /** Unlinks `node`, which must be in this list. */
  remove (node: T): void {
    if (node.prev === null) this.head = node.next
    else node.prev.next = node.next
    if (node.next === null) this.tail = node.prev
    else node.next.prev = node.prev
    node.prev = null
    node.next = null
  }
}
