import { evidenceBytes, slots, stringBytes, type Burst, type Evidence, type Pending } from './bucket.js'
import { LruList, type Linked } from './lru.js'

/** Scenario `distributed-attack`: distinct attacking sources per Host within a window. */
export interface HostSettings {
  /** Distinct sources that raise the alert. */
  readonly sources: number
  readonly windowMs: number
  /** Silence after an alert. */
  readonly blackholeMs: number
  /** Most evidence kept (the latest attacking requests). */
  readonly evidence: number
}

// Estimated heap bytes of a host's entry without its arrays, strings and evidence (as in store.ts).
const HOST_BYTES = 192

class HostState implements Linked<HostState> {
  prev: HostState | null = null
  next: HostState | null = null
  bytes = 0
  at = 0
  silentUntil = 0
  readonly sources: string[] = []
  readonly times: number[] = []
  readonly evidence: Evidence[] = []
  /** Estimated bytes of the host name, the source keys and the evidence, kept as they change. */
  held: number

  constructor (readonly host: string) {
    this.held = stringBytes(host)
  }

  measure (): number {
    return HOST_BYTES + slots(this.sources) + slots(this.times) + slots(this.evidence) + this.held
  }

  /** Forgets the source at `i`. */
  dropSource (i: number): void {
    this.held -= stringBytes(this.sources[i])
    this.sources.splice(i, 1)
    this.times.splice(i, 1)
  }

  /** Forgets the oldest evidence. */
  dropEvidence (): void {
    const oldest = this.evidence.shift()
    if (oldest !== undefined) this.held -= evidenceBytes(oldest)
  }
}

/** Hosts in least-recently-attacked order within a byte budget; an evicted host only forgets its window. */
export class HostWatch {
  private readonly hosts = new Map<string, HostState>()
  private readonly order = new LruList<HostState>()
  private total = 0

  constructor (private readonly settings: HostSettings) {}

  /** Hosts held. */
  get size (): number { return this.hosts.size }
  /** Estimated bytes held. */
  get bytes (): number { return this.total }

  /** One attack from `source` on `host`; returns the burst when it makes enough distinct sources. */
  attack (host: string, source: string, time: number, evidence: Pending, budget: number): Burst | null {
    const { sources: threshold, windowMs, blackholeMs } = this.settings
    let state = this.hosts.get(host)
    if (state === undefined) {
      state = new HostState(host)
      this.hosts.set(host, state)
    } else this.order.remove(state)
    this.total -= state.bytes
    const now = time > state.at ? time : state.at
    state.at = now
    let burst: Burst | null = null
    if (now >= state.silentUntil) {
      const { sources, times } = state
      for (let i = sources.length - 1; i >= 0; i--) {
        if (now - times[i] > windowMs || sources[i] === source) state.dropSource(i)
      }
      sources.push(source)
      times.push(now)
      state.held += stringBytes(source)
      while (state.evidence.length > 0 && now - state.evidence[0].time > windowMs) state.dropEvidence()
      if (state.evidence.length >= this.settings.evidence) state.dropEvidence()
      state.evidence.push(evidence.evidence)
      state.held += evidence.bytes
      if (sources.length >= threshold) {
        burst = { count: sources.length, first: times.reduce((a, b) => Math.min(a, b)), last: now, evidence: state.evidence.splice(0) }
        sources.length = 0
        times.length = 0
        state.held = stringBytes(host)
        state.silentUntil = now + blackholeMs
      }
    }
    state.bytes = state.measure()
    this.total += state.bytes
    this.order.push(state)
    for (let oldest = this.order.head; this.total > budget && oldest !== null && oldest !== state; oldest = this.order.head) {
      this.order.remove(oldest)
      this.hosts.delete(oldest.host)
      this.total -= oldest.bytes
    }
    return burst
  }
}
