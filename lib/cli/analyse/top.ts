/**
 * Counters keyed by strings from the logs, bounded: when more than twice `capacity` keys are held, only the
 * `capacity` largest are kept. Counts of the keys kept are exact until the first pruning; after it they are
 * lower bounds (a key pruned and seen again starts over), and `approximate` says so. A flood of distinct
 * keys (one request per address) costs one sort per `capacity` new keys.
 */
export class TopCounts<T extends { count: number }> {
  private readonly rows = new Map<string, T>()
  /** Some rows were dropped: counts are lower bounds. */
  approximate = false

  constructor (private readonly capacity: number, private readonly create: () => T) {}

  /** The row of `key`, created when new; the caller adds to its counts. */
  row (key: string): T {
    let row = this.rows.get(key)
    if (row === undefined) {
      if (this.rows.size >= 2 * this.capacity) this.prune()
      row = this.create()
      this.rows.set(key, row)
    }
    return row
  }

  /** The row of `key`, if held. */
  get (key: string): T | undefined {
    return this.rows.get(key)
  }

  get size (): number {
    return this.rows.size
  }

  /** Rows with the largest counts first (ties by key), at most `limit`. */
  top (limit: number): Array<[string, T]> {
    return [...this.rows].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, limit)
  }

  private prune (): void {
    const kept = this.top(this.capacity)
    this.rows.clear()
    for (const [key, row] of kept) this.rows.set(key, row)
    this.approximate = true
  }
}

/** A plain counter of values. */
export class ValueCounts extends TopCounts<{ count: number }> {
  constructor (capacity: number) {
    super(capacity, () => ({ count: 0 }))
  }

  add (value: string): void {
    this.row(value).count++
  }

  /** `{ value, count }` rows, most first. */
  list (limit: number): Array<{ value: string, count: number }> {
    return this.top(limit).map(([value, row]) => ({ value, count: row.count }))
  }
}
