import type { Scenario } from './scenarios.js'

/** One request an alert stands on. */
export interface Evidence {
  readonly reqId: string
  /** ms since the epoch. */
  readonly time: number
  readonly method: string
  /** The request-target as received (path and query), cut to 256 characters. */
  readonly url: string
  readonly status: number | undefined
  /** Rule ids of the request's findings (at most 8). */
  readonly rules: readonly string[]
}

/** How one scenario counts its events for one key. */
export interface Spec {
  readonly id: Scenario
  /** Leaky: the events a full bucket holds. Window: the events within `leakMs` that raise the alert. */
  readonly capacity: number
  /** Leaky: one event leaks out every `leakMs`. Window: the window's length. */
  readonly leakMs: number
  readonly blackholeMs: number
  readonly distinct: boolean
  /** A sliding window of the last `capacity` event times instead of a leaky bucket. */
  readonly window: boolean
  /** Most evidence kept for the alert. */
  readonly evidence: number
  readonly noun: string
}

/** The evidence of the request being observed, made when a bucket first keeps it (most events are not kept). */
export class Pending {
  private made: Evidence | undefined
  private size = 0

  constructor (private readonly make: () => Evidence) {}

  get evidence (): Evidence {
    if (this.made === undefined) {
      this.made = this.make()
      this.size = evidenceBytes(this.made)
    }
    return this.made
  }

  /** Estimated heap bytes of the evidence. */
  get bytes (): number {
    return this.made === undefined ? evidenceBytes(this.evidence) : this.size
  }
}

/** What a bucket held when it overflowed. */
export interface Burst {
  readonly count: number
  readonly first: number
  readonly last: number
  readonly evidence: Evidence[]
}

// Most distinct request-targets remembered per bucket; a bucket that holds more has long overflowed.
const SEEN = 64
// Guards `level + 1 > capacity` against the rounding of many fractional leaks.
const EPSILON = 1e-9
// Estimated heap bytes (V8, 64-bit, measured with bench/behaviour-memory.js and rounded up): a bucket without
// its arrays (the object, and its numbers that are not small integers, boxed on their own); a JS array
// besides its 8-byte slots; a piece of evidence without its strings (a frozen object and its boxed time).
const BUCKET_BYTES = 176
const ARRAY_BYTES = 48
const EVIDENCE_BYTES = 128
const NONE: never[] = []

/**
 * The events of one scenario for one key. Times only move forward: a request that finishes out of order
 * counts at the latest time seen, so a late event never refills what has leaked. Arrays are made with their
 * first element, so that the common bucket of one event holds no spare slots.
 */
export class Bucket {
  private level = 0
  private at = 0
  private first = 0
  private count = 0
  private silentUntil = 0
  /** Hashes (30 bits, small integers) of the request-targets counted since the bucket was last empty. */
  private seen: number[] = NONE
  private seenCount = 0
  /** Window scenarios: times of the events still in the window, oldest first. */
  private times: number[] = NONE
  private evidence: Evidence[] = NONE
  /** Estimated bytes of `evidence`'s pieces. */
  private held = 0

  constructor (readonly spec: Spec, readonly host: string | undefined) {}

  /** Time of the latest event. */
  get last (): number { return this.at }

  /** Adds one event; returns the burst when it overflows the bucket (then silent for `blackholeMs`). */
  pour (time: number, target: number, evidence: Pending): Burst | null {
    const now = time > this.at ? time : this.at
    if (now < this.silentUntil) return null
    const spec = this.spec
    if (spec.window) {
      const times = this.times
      while (times.length > 0 && now - times[0] > spec.leakMs) times.shift()
      while (this.evidence.length > 0 && now - this.evidence[0].time > spec.leakMs) this.drop()
      this.at = now
      if (times.length === 0) this.times = [now]
      else times.push(now)
      if (this.times.length > spec.capacity) this.times.shift()
      this.keep(evidence)
      return this.times.length >= spec.capacity ? this.overflow(this.times.length, this.times[0], now) : null
    }
    if (this.count > 0) {
      this.level = Math.max(0, this.level - (now - this.at) / spec.leakMs)
      if (this.level === 0) this.empty()
    }
    this.at = now
    if (spec.distinct) {
      const hash = target & 0x3fffffff
      const seen = this.seen
      for (let i = 0; i < seen.length; i++) if (seen[i] === hash) return null
      if (seen.length === 0) this.seen = [hash]
      else if (seen.length < SEEN) seen.push(hash)
      else seen[this.seenCount % SEEN] = hash
      this.seenCount++
    }
    if (this.count === 0) this.first = now
    this.count++
    this.keep(evidence)
    if (this.level + 1 > spec.capacity + EPSILON) return this.overflow(this.count, this.first, now)
    this.level += 1
    return null
  }

  /** Estimated heap bytes, evidence included (each piece counted in every bucket that holds it). */
  get bytes (): number {
    return BUCKET_BYTES + slots(this.seen) + slots(this.times) + slots(this.evidence) + this.held
  }

  private keep (pending: Pending): void {
    if (this.evidence.length === 0) this.evidence = [pending.evidence]
    else {
      if (this.evidence.length >= this.spec.evidence) this.drop()
      this.evidence.push(pending.evidence)
    }
    this.held += pending.bytes
  }

  /** Drops the oldest evidence. */
  private drop (): void {
    const oldest = this.evidence.shift()
    if (oldest !== undefined) this.held -= evidenceBytes(oldest)
  }

  private overflow (count: number, first: number, last: number): Burst {
    const burst = { count, first, last, evidence: this.evidence }
    this.empty()
    this.level = 0
    this.silentUntil = last + this.spec.blackholeMs
    return burst
  }

  private empty (): void {
    this.count = 0
    this.seenCount = 0
    this.seen = NONE
    this.times = NONE
    this.evidence = NONE
    this.held = 0
  }
}

/**
 * Estimated bytes of an array of `a.length` elements: made with one element it has one slot; grown by push
 * (and trimmed by shift) V8 reserves up to half as many again plus 16.
 */
export function slots (a: readonly unknown[]): number {
  const n = a.length
  if (n === 0) return 0
  return ARRAY_BYTES + 8 * (n === 1 ? 1 : n + (n >> 1) + 17)
}

/** Estimated heap bytes of a flat string (see `own`): one byte a character, two when one is beyond Latin-1. */
export function stringBytes (s: string): number {
  const width = /[^\u0000-\u00ff]/.test(s) ? 2 : 1
  return 24 + 8 * Math.ceil(width * s.length / 8)
}

/** Estimated heap bytes of one piece of evidence. */
export function evidenceBytes (e: Evidence): number {
  return EVIDENCE_BYTES + stringBytes(e.reqId) + stringBytes(e.url) + stringBytes(e.method) + slots(e.rules)
}

/** 32-bit FNV-1a of a string's UTF-16 code units: the `distinct` identity of a request-target. */
export function fnv1a (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** "12 requests for missing paths in 8 s". */
export function describe (count: number, noun: string, first: number, last: number): string {
  return `${count} ${noun} in ${duration(last - first)}`
}

function duration (ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 3_600_000)} h`
}
