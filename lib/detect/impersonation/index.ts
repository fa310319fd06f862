import type { UserAgentInfo } from '../../fingerprint/user-agent.js'
import { active, excerpt } from '../report.js'
import type { Paranoia, Scope, Threat } from '../types.js'
import { createClaims, type Claim } from './claim.js'
import { judge, RULES, UNSEEN } from './judge.js'
import { LearnedProfiles } from './sketch.js'

export { RULES as IMPERSONATION_RULES } from './judge.js'

/**
 * What a request shows of its client (the fields of requestInfo). `ja4` and `h2` must be the client's own:
 * from this server's TLS connection with the client, or from a trusted proxy's fingerprint header; leave
 * them out when the connection is a proxy's. A trait that is missing is never evidence.
 */
export interface ClientTraits {
  ua?: string
  /** ua-parser-js parse of `ua`; parsed here when absent. */
  uai?: UserAgentInfo
  /** Header names and values as sent (Node's `rawHeaders`). */
  rawHeaders: readonly string[]
  /** Header order (lib/fingerprint/header-order.ts). */
  ho: string
  /** Accept header (its presence is also in `ho`). */
  ac?: string
  ja4?: string
  /** Akamai `S|WU|P|PS`, or only `PS` (the pseudo-header order). */
  h2?: string
  /** `1.1`, `1.0` or `2.0`. */
  httpVersion: string
}

export interface ImpersonationSettings {
  paranoia: Paranoia
  /** Rule ids switched off. */
  disable: readonly string[]
  /** Learn per-family profiles (rule impersonation-unseen-traits, paranoia 3). */
  learn: boolean
  /** User-Agent families learned at most. */
  maxFamilies: number
  /** Entries per trait per learned family (default 16). */
  learnEntries?: number
  /** Requests a learned family needs before it judges (default 1000). */
  learnMinRequests?: number
  /** Distinct (claim, header order, JA4, HTTP/2) results cached (default 4096). */
  cacheSize?: number
}

export interface Impersonation {
  /** The finding for a request whose claimed client does not match what it sends; pure apart from learning. */
  check (traits: ClientTraits): Threat | undefined
}

// Longest header order whose verdict is cached (a real one is 5-30 letters), so that the cache holds at most
// cacheSize × (CACHED_LENGTH + JA4_LENGTH + H2_LENGTH) characters of keys.
const CACHED_LENGTH = 128
const JA4_LENGTH = 36
// Firefox's, with six PRIORITY frames, is 120 characters.
const H2_LENGTH = 512

/**
 * Checks the client a request claims (User-Agent) against its header order, JA4 and HTTP/2 fingerprint.
 * The built-in profiles' verdict depends only on (claim, header order, JA4, HTTP/2, HTTP version, the case
 * of client-hint names), so it is cached on that key; learning adds a few Map operations per request.
 */
export function createImpersonation (settings: ImpersonationSettings): Impersonation {
  const scope: Scope = { paranoia: settings.paranoia, disabled: new Set(settings.disable) }
  const cacheSize = settings.cacheSize ?? 4096
  const claims = createClaims(cacheSize)
  const results = new ResultCache(cacheSize)
  const learned = settings.learn && active(UNSEEN, scope)
    ? new LearnedProfiles({ maxFamilies: settings.maxFamilies, entries: settings.learnEntries ?? 16, minRequests: settings.learnMinRequests ?? 1000 })
    : undefined
  const anyRule = RULES.some((r) => active(r, scope))

  function check (traits: ClientTraits): Threat | undefined {
    const ua = traits.ua
    if (!anyRule || ua === undefined || ua === '') return undefined
    const claim = claims(ua, traits.uai)
    if (claim === undefined) return undefined
    const h1 = traits.httpVersion.charCodeAt(0) === 49
    const titleHints = h1 && claim.profile?.engine === 'chromium' && titleCaseClientHints(traits.rawHeaders)
    const ho = traits.ho
    // A JA4 is 36 characters and an Akamai fingerprint a few hundred at most: anything else is no trait.
    const ja4 = traits.ja4 !== undefined && traits.ja4.length === JA4_LENGTH ? traits.ja4 : undefined
    const h2 = traits.h2 !== undefined && traits.h2.length <= H2_LENGTH ? traits.h2 : undefined
    let found: Threat | null = null
    if (claim.browser) {
      if (ho.length > CACHED_LENGTH) {
        found = judge(claim, ho, ja4, h2, h1, titleHints, scope) ?? null
      } else {
        const entries = results.of(claim.key, h1 ? (titleHints ? 2 : 1) : 0, ho, ja4 ?? '')
        const cached = entries.get(h2 ?? '')
        if (cached === undefined) {
          found = judge(claim, ho, ja4, h2, h1, titleHints, scope) ?? null
          results.add(entries, h2 ?? '', found)
        } else found = cached
      }
    }
    if (learned !== undefined && found === null) found = learn(learned, claim, ho, ja4, h2)
    return found ?? undefined
  }

  return { check }
}

type Results = Map<string, Threat | null>

/**
 * Verdicts by claim, HTTP version variant, header order, JA4 and HTTP/2 fingerprint, in nested Maps: each
 * part is hashed on its own (a JA4 string is the connection's, its hash computed once), where one joined key
 * would be a new long string to hash on every request. Bounded by clearing everything at `size` entries:
 * distinct combinations are few in real traffic, and a flood of new ones only costs their verdicts again.
 */
class ResultCache {
  private readonly claims = new Map<string, Array<Map<string, Map<string, Results>>>>()
  private count = 0
  constructor (private readonly size: number) {}

  of (claim: string, variant: number, ho: string, ja4: string): Results {
    let variants = this.claims.get(claim)
    if (variants === undefined) {
      variants = [new Map(), new Map(), new Map()]
      this.claims.set(claim, variants)
    }
    const byOrder = variants[variant] as Map<string, Map<string, Results>>
    let byJa4 = byOrder.get(ho)
    if (byJa4 === undefined) {
      byJa4 = new Map()
      byOrder.set(ho, byJa4)
    }
    let entries = byJa4.get(ja4)
    if (entries === undefined) {
      entries = new Map()
      byJa4.set(ja4, entries)
    }
    return entries
  }

  /** Keeps a verdict in `entries` (from `of`), or, at the bound, empties the cache instead. */
  add (entries: Results, h2: string, found: Threat | null): void {
    if (this.count >= this.size) {
      this.claims.clear()
      this.count = 0
      return
    }
    this.count++
    entries.set(h2, found)
  }
}

/** Judges a request by its family's learned profile and counts it when it passes. */
function learn (learned: LearnedProfiles, claim: Claim, ho: string, ja4: string | undefined, h2: string | undefined): Threat | null {
  const unseen = learned.visit(claim.family, [ho, ja4, h2])
  return unseen === undefined
    ? null
    : { kind: 'impersonation', rule: UNSEEN.id, where: 'client', excerpt: excerpt(`claims ${claim.label}, new ${unseen}`, 0, 0), score: UNSEEN.score }
}

/**
 * Whether a client hint arrives with a capital letter on HTTP/1.1: Chromium sends `sec-ch-ua*` in lower case
 * (test/fixtures/clients/chromium-h1.json), Go's net/http and many scripts send `Sec-Ch-Ua`.
 */
function titleCaseClientHints (rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name.length >= 9 && name.charCodeAt(0) === 83 && name.charCodeAt(4) === 67 && name.toLowerCase().startsWith('sec-ch-ua')) return true
  }
  return false
}
