/**
 * Seed 004's questions about clients: which browser families and versions hit the server, do they come
 * with several TLS fingerprints, do they all send the same header order; and which requests claim a
 * browser they do not look like (the plugin's impersonation findings).
 */
import type { FamilyReport, Suspect } from '../report.js'
import type { Request } from './request.js'
import { TopCounts, ValueCounts } from './top.js'

const FAMILIES = 200
const VERSIONS = 50
const FINGERPRINTS = 20
// Distinct sources counted per family (as 30-bit hashes: no strings kept).
const SOURCES_PER_FAMILY = 10_000
const SUSPECTS = 200
const SUSPECT_SOURCES = 5
/** The family of requests without a User-Agent. */
const NO_USER_AGENT = '(no User-Agent)'

class Family {
  count = 0
  attacks = 0
  readonly sources = new Set<number>()
  readonly versions = new ValueCounts(VERSIONS)
  readonly ja3 = new ValueCounts(FINGERPRINTS)
  readonly ja4 = new ValueCounts(FINGERPRINTS)
  readonly hoh = new ValueCounts(FINGERPRINTS)
  /** One header order per header-order hash, to show what the hash stands for. */
  readonly orders = new Map<string, string>()
  readonly h2 = new ValueCounts(FINGERPRINTS)
}

interface SuspectRow {
  count: number
  family: string
  rule: string
  excerpt: string
  sources: string[]
}

export class Clients {
  private readonly families = new TopCounts(FAMILIES, () => new Family())
  private readonly suspects = new TopCounts<SuspectRow>(SUSPECTS, () => ({ count: 0, family: '', rule: '', excerpt: '', sources: [] }))

  /** Counts one request: its client family and version, source and fingerprints, and impersonation findings. */
  add (r: Request): void {
    const name = r.family ?? NO_USER_AGENT
    const f = this.families.row(name)
    f.count++
    if (r.attack) f.attacks++
    if (r.key !== undefined && f.sources.size < SOURCES_PER_FAMILY) f.sources.add(r.keyHash)
    if (r.major !== undefined) f.versions.add(r.major)
    if (r.ja3 !== undefined) f.ja3.add(r.ja3)
    if (r.ja4 !== undefined) f.ja4.add(r.ja4)
    if (r.h2 !== undefined) f.h2.add(r.h2)
    if (r.hoh !== undefined) {
      f.hoh.add(r.hoh)
      if (r.ho !== undefined && !f.orders.has(r.hoh) && f.orders.size < 4 * FINGERPRINTS) f.orders.set(r.hoh, r.ho.slice(0, 128))
    }
    for (const t of r.threats) {
      if (t.kind !== 'impersonation') continue
      const row = this.suspects.row(`${t.rule}\u0000${t.excerpt}`)
      if (row.count++ === 0) Object.assign(row, { family: name, rule: t.rule, excerpt: t.excerpt })
      if (r.key !== undefined && row.sources.length < SUSPECT_SOURCES && !row.sources.includes(r.key)) row.sources.push(r.key)
    }
  }

  get approximate (): boolean {
    return this.families.approximate
  }

  familyReports (limit: number): FamilyReport[] {
    return this.families.top(limit).map(([family, f]) => ({
      family,
      requests: f.count,
      sources: f.sources.size,
      attacks: f.attacks,
      versions: f.versions.list(limit),
      ja3: f.ja3.list(limit),
      ja4: f.ja4.list(limit),
      headerOrders: f.hoh.list(limit).map((c) => ({ ...c, ho: f.orders.get(c.value) ?? null })),
      h2: f.h2.list(limit)
    }))
  }

  suspectReports (limit: number): Suspect[] {
    return this.suspects.top(limit).map(([, s]) => ({ family: s.family, rule: s.rule, excerpt: s.excerpt, requests: s.count, sources: s.sources }))
  }
}
