/**
 * Attack requests grouped by source (seed 000: "we group attacks by source IP"), or by site when the lines
 * carry no client address; and per site, how many sources attacked it. Bounded: the groups, the sites, the
 * evidence per group and the sources counted per site all have caps, so memory does not grow with the input.
 */
import type { Threat } from '../../detect/types.js'
import type { AttackGroup, Count, Evidence } from '../report.js'
import { momentOf } from '../time.js'
import type { Verdict } from './outcome.js'
import type { Request } from './request.js'

export interface AttackSettings {
  /** Attacks from one source that make it reportable. */
  threshold: number
  /** Evidence lines kept per group. */
  evidence: number
}

// Groups held; past this, a new source replaces an old one still under the threshold, else is not tracked.
const MAX_GROUPS = 10_000
// How far into the oldest groups a replacement is looked for.
const EVICTION_SCAN = 64
const MAX_SITES_PER_GROUP = 20
// Characters of one evidence line, and of all the evidence of one group.
const EVIDENCE_LINE = 2000
const EVIDENCE_CHARS = 8000
const MAX_SITES = 2000
// Distinct sources counted per site: enough to say "many", bounded against forged addresses.
const MAX_SOURCES_PER_SITE = 1000
const MAX_PATHS_PER_SITE = 5

interface Stamp {
  ms: number
  offset: number
}

class Group {
  attacks = 0
  blocked = 0
  notBlocked = 0
  readonly kinds = new Map<string, number>()
  first: Stamp | undefined
  last: Stamp | undefined
  readonly sites = new Set<string>()
  readonly evidence: Evidence[] = []
  evidenceChars = 0
  constructor (readonly key: string, readonly by: 'source' | 'site', readonly source: string | undefined) {}
}

/** A site's attacks, for the notice to its owner. */
export class SiteAttacks {
  attacks = 0
  /** Attacks from lines without a client address. */
  unsourced = 0
  blocked = 0
  readonly sources = new Set<number>()
  readonly kinds = new Map<string, number>()
  readonly paths = new Map<string, number>()
  readonly statuses = new Map<number, number>()
  first: Stamp | undefined
  last: Stamp | undefined
}

/** The kinds of a request's findings, most severe first, without the script-client hint. */
export function kindsOf (threats: readonly Threat[]): string[] {
  const sorted = [...threats].sort((a, b) => b.score - a.score)
  const kinds: string[] = []
  for (const t of sorted) if (t.kind !== 'script-client' && !kinds.includes(t.kind)) kinds.push(t.kind)
  return kinds
}

function stamp (r: Request): Stamp | undefined {
  return r.time === undefined ? undefined : { ms: r.time, offset: r.offset }
}

function widen (target: { first: Stamp | undefined, last: Stamp | undefined }, s: Stamp | undefined): void {
  if (s === undefined) return
  if (target.first === undefined || s.ms < target.first.ms) target.first = s
  if (target.last === undefined || s.ms > target.last.ms) target.last = s
}

function bump<K> (map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}


/** `Map` of counts as `Count` rows, most first. */
export function counts (map: ReadonlyMap<string, number>): Count[] {
  return [...map].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
}

export class AttackGroups {
  private readonly groups = new Map<string, Group>()
  readonly sites = new Map<string, SiteAttacks>()
  /** Sources (or sites) whose attacks were not tracked once the bounds were reached. */
  notTracked = 0

  constructor (private readonly settings: AttackSettings) {}

  /** Counts one attack request, by its source's key (IPv6 by /64), or by its site when it has no address. */
  add (r: Request, kinds: readonly string[], verdict: Verdict): void {
    const { key, threats } = r
    const group = this.group(key ?? r.site ?? '(unknown site)', key === undefined ? 'site' : 'source', r.source)
    const s = stamp(r)
    if (group !== undefined) {
      group.attacks++
      if (verdict.verdict === 'blocked') group.blocked++
      else if (verdict.verdict === 'not blocked') group.notBlocked++
      for (const k of kinds) bump(group.kinds, k)
      widen(group, s)
      if (r.site !== undefined && group.sites.size < MAX_SITES_PER_GROUP) group.sites.add(r.site)
      if (group.evidence.length < this.settings.evidence && group.evidenceChars < EVIDENCE_CHARS) {
        const whole = r.line ?? ''
        const line = whole.length > EVIDENCE_LINE ? whole.slice(0, EVIDENCE_LINE) : whole
        group.evidenceChars += line.length
        group.evidence.push({
          time: s === undefined ? null : momentOf(s.ms, s.offset),
          status: r.status ?? null,
          verdict: verdict.verdict,
          kinds,
          rules: [...new Set(threats.map((t: Threat) => t.rule))],
          line
        })
      }
    }
    if (r.site !== undefined) this.countSite(r, kinds, verdict, s)
  }

  private countSite (r: Request, kinds: readonly string[], verdict: Verdict, s: Stamp | undefined): void {
    const site = r.site as string
    let state = this.sites.get(site)
    if (state === undefined) {
      if (this.sites.size >= MAX_SITES) return
      state = new SiteAttacks()
      this.sites.set(site, state)
    }
    state.attacks++
    if (r.key === undefined) state.unsourced++
    else if (state.sources.size < MAX_SOURCES_PER_SITE) state.sources.add(r.keyHash)
    if (verdict.verdict === 'blocked') state.blocked++
    for (const k of kinds) bump(state.kinds, k)
    if (r.status !== undefined) bump(state.statuses, r.status)
    const q = r.url.indexOf('?')
    const path = q === -1 ? r.url : r.url.slice(0, q)
    if (state.paths.has(path) || state.paths.size < MAX_PATHS_PER_SITE) bump(state.paths, path.slice(0, 200))
    widen(state, s)
  }

  private group (key: string, by: 'source' | 'site', source: string | undefined): Group | undefined {
    // A site may be named by an address: the two kinds of group never share a key.
    const id = by === 'source' ? key : `site\u0000${key}`
    let group = this.groups.get(id)
    if (group !== undefined) return group
    if (this.groups.size >= MAX_GROUPS && !this.evict()) {
      this.notTracked++
      return undefined
    }
    group = new Group(key, by, source)
    this.groups.set(id, group)
    return group
  }

  /** Drops one of the oldest groups still under the threshold; false when none was found. */
  private evict (): boolean {
    let scanned = 0
    for (const [key, g] of this.groups) {
      if (g.attacks < this.settings.threshold) {
        this.groups.delete(key)
        this.notTracked++
        return true
      }
      if (++scanned === EVICTION_SCAN) break
    }
    return false
  }

  get size (): number {
    return this.groups.size
  }

  /** Groups, most attacks first (ties: earliest first). */
  list (geo: (address: string) => { country: string | undefined, asn: number | undefined }): AttackGroup[] {
    return [...this.groups.values()]
      .sort((a, b) => b.attacks - a.attacks || (a.first?.ms ?? 0) - (b.first?.ms ?? 0) || (a.key < b.key ? -1 : 1))
      .map((g) => {
        const where = g.by === 'source' && g.source !== undefined ? geo(g.source) : undefined
        return {
          key: g.key,
          by: g.by,
          attacks: g.attacks,
          kinds: counts(g.kinds),
          first: g.first === undefined ? null : momentOf(g.first.ms, g.first.offset),
          last: g.last === undefined ? null : momentOf(g.last.ms, g.last.offset),
          sites: [...g.sites],
          blocked: g.blocked,
          notBlocked: g.notBlocked,
          country: where?.country ?? null,
          asn: where?.asn ?? null,
          evidence: g.evidence
        }
      })
  }
}
