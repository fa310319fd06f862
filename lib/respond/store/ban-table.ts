import type { Ban, BanRequest } from '../types.js'

/**
 * Bans held in this process, bounded: the memory store's whole state and the Redis store's local copy. When
 * full, the ban that ends first is dropped to make room (counted by the caller through `evicted`).
 */
export class BanTable {
  private readonly bans = new Map<string, Ban>()
  // Earlier bans per source, for escalation: key → [count, remembered until].
  private readonly offences = new Map<string, [number, number]>()
  evicted = 0

  constructor (private readonly max: number) {}

  get size (): number {
    return this.bans.size
  }

  /** The ban in force on `key` at `now`; an ended ban is dropped on the way. */
  get (key: string, now: number): Ban | undefined {
    const ban = this.bans.get(key)
    if (ban === undefined) return undefined
    if (ban.until > now) return ban
    this.bans.delete(key)
    return undefined
  }

  /** A new ban escalated by this table's memory of earlier ones; stored. */
  issue (request: BanRequest, now: number): Ban {
    const earlier = this.offences.get(request.key)
    const offences = earlier !== undefined && earlier[1] > now ? earlier[0] + 1 : 1
    const ban = createBan(request, offences, now)
    this.offences.set(request.key, [offences, now + request.recidive])
    this.put(ban)
    return ban
  }

  /** Stores a ban decided elsewhere (another instance, a reconciliation), keeping its offence count. */
  put (ban: Ban): void {
    const earlier = this.offences.get(ban.key)
    if (earlier === undefined || earlier[0] < ban.offences) this.offences.set(ban.key, [ban.offences, ban.until])
    this.bans.delete(ban.key)
    if (this.bans.size >= this.max) this.evictOne(ban.since)
    this.bans.set(ban.key, ban)
    if (this.offences.size > this.max * 2) this.pruneOffences(ban.since)
  }

  delete (key: string): boolean {
    return this.bans.delete(key)
  }

  list (now: number): Ban[] {
    const out: Ban[] = []
    for (const ban of this.bans.values()) if (ban.until > now) out.push(ban)
    return out
  }

  /** Replaces every ban with `bans` (a reconciliation with the shared store). */
  replace (bans: Iterable<Ban>): void {
    this.bans.clear()
    for (const ban of bans) this.put(ban)
  }

  private evictOne (now: number): void {
    let first: Ban | undefined
    for (const ban of this.bans.values()) {
      if (ban.until <= now) {
        this.bans.delete(ban.key)
        return
      }
      if (first === undefined || ban.until < first.until) first = ban
    }
    if (first !== undefined) {
      this.bans.delete(first.key)
      this.evicted++
    }
  }

  private pruneOffences (now: number): void {
    for (const [key, [, until]] of this.offences) if (until <= now) this.offences.delete(key)
    // Still over: the oldest memories go first (Map keeps insertion order).
    for (const key of this.offences.keys()) {
      if (this.offences.size <= this.max) break
      this.offences.delete(key)
    }
  }
}

/** The ban `request` asks for, as the `offences`-th within its recidive window. */
export function createBan (request: BanRequest, offences: number, now: number): Ban {
  const ttl = Math.min(request.maxTtl, request.ttl * Math.pow(request.escalation, offences - 1))
  return Object.freeze({ key: request.key, reason: request.reason, since: now, until: now + ttl, offences, mode: request.mode })
}
