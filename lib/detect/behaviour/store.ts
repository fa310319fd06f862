import { Bucket, slots, stringBytes, type Spec } from './bucket.js'
import { LruList, type Linked } from './lru.js'
import type { Scenario } from './scenarios.js'

// Estimated heap bytes of a source without its buckets and key: the state object and its Map slot (an
// ordered hash table at down to half load), measured with bench/behaviour-memory.js and rounded up; a mark.
const SOURCE_BYTES = 176
const MARK_BYTES = 64
// Most hosts a source keeps a host-keyed bucket for; a client that sends many Host names is probing anyway.
const HOSTS_PER_SOURCE = 4

interface Mark { readonly scenario: Scenario, until: number }

const NO_BUCKETS: Bucket[] = []

/** Everything kept about one source: its buckets and the scenarios that fired for it. */
export class SourceState implements Linked<SourceState> {
  /** Estimate as last counted by the store. */
  bytes = 0
  prev: SourceState | null = null
  next: SourceState | null = null
  /** In the store's list of marked sources. */
  inMarked = false
  /** The latest time a mark is in force until; 0 when unmarked. */
  markedUntil = 0
  private buckets: Bucket[] = NO_BUCKETS
  private marks: Mark[] | null = null

  private readonly keyBytes: number

  constructor (readonly key: string) {
    this.keyBytes = stringBytes(key)
  }

  /** The bucket of `spec` (and `host`, for host-keyed scenarios), made on first use. */
  bucket (spec: Spec, host: string | undefined): Bucket {
    let oldest: Bucket | undefined
    let sameScenario = 0
    for (const b of this.buckets) {
      if (b.spec !== spec) continue
      if (b.host === host) return b
      sameScenario++
      if (oldest === undefined || b.last < oldest.last) oldest = b
    }
    if (oldest !== undefined && sameScenario >= HOSTS_PER_SOURCE) this.buckets.splice(this.buckets.indexOf(oldest), 1)
    const made = new Bucket(spec, host)
    // An array made with its element is exactly that long; one pushed to from empty reserves 17 slots.
    if (this.buckets.length === 0) this.buckets = [made]
    else this.buckets.push(made)
    return made
  }

  /** Marks `scenario` as fired, in force until `until`. */
  mark (scenario: Scenario, until: number): void {
    const known = this.marks?.find((m) => m.scenario === scenario)
    if (known !== undefined) known.until = Math.max(known.until, until)
    else if (this.marks === null) this.marks = [{ scenario, until }]
    else this.marks.push({ scenario, until })
    this.markedUntil = Math.max(this.markedUntil, until)
  }

  /** Scenarios whose marks are in force at `now`; marks that ran out are dropped. */
  inForce (now: number): Scenario[] {
    if (this.marks === null) return []
    this.marks = this.marks.filter((m) => m.until > now)
    if (this.marks.length === 0) {
      this.marks = null
      this.markedUntil = 0
      return []
    }
    return this.marks.map((m) => m.scenario)
  }

  /** Estimated heap bytes of everything this source holds. */
  measure (): number {
    let bytes = SOURCE_BYTES + this.keyBytes + slots(this.buckets)
    for (const b of this.buckets) bytes += b.bytes
    if (this.marks !== null) bytes += slots(this.marks) + MARK_BYTES * this.marks.length
    return bytes
  }
}

/**
 * Sources in least-recently-used order, within a byte budget. Sources with a mark in force live in a
 * second list, ordered by when they were last marked, and are evicted only when unmarked sources alone
 * cannot make room: a flood of new addresses pushes out idle state, not the alerts that already fired.
 */
export class SourceStore {
  private readonly byKey = new Map<string, SourceState>()
  private readonly plain = new LruList<SourceState>()
  private readonly marked = new LruList<SourceState>()
  private markedCount = 0
  private total = 0

  /** Sources held. */
  get size (): number { return this.byKey.size }
  /** Estimated bytes held. */
  get bytes (): number { return this.total }

  get (key: string): SourceState | undefined {
    return this.byKey.get(key)
  }

  /** Some source has a mark that was in force when it was last stored. */
  get anyMarked (): boolean { return this.markedCount > 0 }

  /** A source with a mark in force, without changing its place. */
  getMarked (key: string): SourceState | undefined {
    const state = this.byKey.get(key)
    return state?.inMarked === true ? state : undefined
  }

  /**
   * Stores `state` after an event at `now` as the most recently used (a marked source moves only when
   * `remarked`), then evicts until the store fits in `budget` bytes. `state` itself is never evicted.
   */
  put (state: SourceState, now: number, remarked: boolean, budget: number): void {
    this.total -= state.bytes
    state.bytes = state.measure()
    this.total += state.bytes
    if (!this.byKey.has(state.key)) this.byKey.set(state.key, state)
    else if (state.inMarked) {
      if (state.markedUntil > now && !remarked) return this.evict(budget, now, state)
      this.unlink(state)
    } else this.plain.remove(state)
    state.inMarked = state.markedUntil > now
    if (state.inMarked) {
      this.marked.push(state)
      this.markedCount++
    } else this.plain.push(state)
    this.evict(budget, now, state)
  }

  private evict (budget: number, now: number, keep: SourceState): void {
    while (this.total > budget) {
      // Marks that ran out first, then the least recently used unmarked source, then the oldest mark.
      const oldestMark = other(this.marked.head, keep)
      const victim = oldestMark !== null && oldestMark.markedUntil <= now ? oldestMark : other(this.plain.head, keep) ?? oldestMark
      if (victim === null) return
      this.unlink(victim)
      this.byKey.delete(victim.key)
      this.total -= victim.bytes
    }
  }

  private unlink (state: SourceState): void {
    if (state.inMarked) {
      this.marked.remove(state)
      this.markedCount--
    } else this.plain.remove(state)
  }
}

/** `node`, or the one after it when it is `keep`. */
function other (node: SourceState | null, keep: SourceState): SourceState | null {
  return node === keep ? node.next : node
}
