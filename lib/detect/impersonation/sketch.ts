/**
 * Learned profiles: per User-Agent family, the most frequent header orders, JA4s and HTTP/2 fingerprints its
 * requests carried, each in a space-saving sketch (Metwally, Agrawal, El Abbadi, "Efficient computation of
 * frequent and top-k elements in data streams", ICDT 2005): `entries` counters per trait, an entry's count
 * over-estimating its true count by at most its `error`. Families are capped at `maxFamilies`, the one with
 * the fewest requests making room for a new one; traits longer than TRAIT_LENGTH are not kept. Memory is
 * bounded by maxFamilies × 3 × entries × (TRAIT_LENGTH + overhead).
 */

/** Longest trait value kept; a longer one (a request with very many headers) is never learned. */
const TRAIT_LENGTH = 128
/** A family's counts are halved when its total reaches this, so that a new browser release is learned. */
const WINDOW = 1 << 16
/** Share of a family's requests the guaranteed counts of one sketch must cover for it to judge. */
const COVERAGE = 0.9
/** Share of a family's requests a trait needs (guaranteed) to count as seen. */
const SEEN_SHARE = 0.001

interface Counter { count: number, error: number }

class SpaceSaving {
  readonly counters = new Map<string, Counter>()
  constructor (private readonly capacity: number) {}

  /** Adds a key that has no counter: a new one, or the smallest one's place (its count becoming the error). */
  insert (key: string): void {
    if (this.counters.size < this.capacity) {
      this.counters.set(key, { count: 1, error: 0 })
      return
    }
    let minKey = ''
    let min: Counter | undefined
    for (const [k, c] of this.counters) {
      if (min === undefined || c.count < min.count) {
        min = c
        minKey = k
      }
    }
    this.counters.delete(minKey)
    const floor = (min as Counter).count
    this.counters.set(key, { count: floor + 1, error: floor })
  }

  /** Sum of the lower bounds: how much of the stream the kept entries certainly cover. */
  covered (): number {
    let sum = 0
    for (const c of this.counters.values()) sum += c.count - c.error
    return sum
  }

  halve (): void {
    for (const [k, c] of this.counters) {
      c.count >>>= 1
      c.error >>>= 1
      if (c.count === 0) this.counters.delete(k)
    }
  }
}

/** The traits of one request that are learned: header order, JA4, HTTP/2 fingerprint. */
export type Traits = readonly [ho: string, ja4: string | undefined, h2: string | undefined]
const TRAIT_NAMES = ['header order', 'JA4', 'HTTP/2'] as const

class Family {
  total = 0
  readonly sketches: SpaceSaving[]
  constructor (entries: number) {
    this.sketches = [new SpaceSaving(entries), new SpaceSaving(entries), new SpaceSaving(entries)]
  }
}

export interface LearnedSettings {
  /** Families kept. */
  maxFamilies: number
  /** Counters per trait per family. */
  entries: number
  /** Requests a family needs before its profile judges. */
  minRequests: number
}

export class LearnedProfiles {
  private readonly families = new Map<string, Family>()
  constructor (private readonly settings: LearnedSettings) {}

  /**
   * Judges one request of `family`, then counts it. Returns the first of its traits that the family has never
   * shown, as `<trait> <value>`, when the family is established (minRequests) and that trait is concentrated
   * in it (the kept entries cover COVERAGE of its requests). Every request is counted, that one too: a new
   * browser release is learned once it makes SEEN_SHARE of its family, and so is an impostor that persists,
   * as in any learned profile. A family whose traits vary widely never judges. One Map lookup per trait.
   */
  visit (family: string, traits: Traits): string | undefined {
    let f = this.families.get(family)
    if (f === undefined) {
      if (this.families.size >= this.settings.maxFamilies) this.evictSmallest()
      f = new Family(this.settings.entries)
      this.families.set(family, f)
    }
    const judging = f.total >= this.settings.minRequests
    const seen = f.total * SEEN_SHARE > 2 ? f.total * SEEN_SHARE : 2
    let unseen: string | undefined
    f.total++
    for (let i = 0; i < 3; i++) {
      const value = traits[i]
      if (value === undefined || value.length > TRAIT_LENGTH) continue
      const sketch = f.sketches[i]
      const counter = sketch.counters.get(value)
      if (unseen === undefined && judging && (counter === undefined || counter.count - counter.error < seen) &&
        sketch.covered() >= (f.total - 1) * COVERAGE) unseen = `${TRAIT_NAMES[i]} ${value}`
      if (counter === undefined) sketch.insert(value)
      else counter.count++
    }
    if (f.total >= WINDOW) {
      f.total >>>= 1
      for (const sketch of f.sketches) sketch.halve()
    }
    return unseen
  }

  /** Families and counters kept: what the memory bound is about. */
  stats (): { families: number, counters: number } {
    let counters = 0
    for (const f of this.families.values()) for (const s of f.sketches) counters += s.counters.size
    return { families: this.families.size, counters }
  }

  private evictSmallest (): void {
    let smallest: string | undefined
    let total = Infinity
    for (const [name, f] of this.families) {
      if (f.total < total) {
        total = f.total
        smallest = name
      }
    }
    if (smallest !== undefined) this.families.delete(smallest)
  }
}
