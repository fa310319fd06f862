/**
 * The respond layer's shared vocabulary: rules, rate-limit windows, bans, and the store that keeps the
 * counters and bans (memory, or Redis for several instances).
 */

/** `monitor`: the record says what would have happened and the request goes on; `block`: it is done. */
export type Mode = 'monitor' | 'block'

/** What a rule does when it matches. */
export type RuleAction = 'allow' | 'block' | 'ban'

/**
 * What a rule matches. Every field given must match (AND); a list matches when any of its values does (OR).
 * Strings compare exactly unless said otherwise.
 */
export interface RuleMatch {
  /** `realIp` is one of these addresses or inside one of these CIDR blocks (IPv4 and IPv6). */
  ip?: string | string[]
  /** JA3: its MD5 (`sslh`, 32 hex digits) or the whole JA3 string (`ssl`). */
  ja3?: string | string[]
  /** JA4 fingerprint. */
  ja4?: string | string[]
  /**
   * Client family, compared without case: the browser as ua-parser-js names it (`uai.browser.name`: `Chrome`,
   * `Firefox`, …), else the User-Agent's first product token (`curl`, `python-requests`, `Go-http-client`).
   */
  uaFamily?: string | string[]
  /**
   * The family's major version compared with a number: `'<120'`, `'<=119'`, `'>=120'`, `'>120'`, `'=120'`
   * or `'120'`. A request whose version is unknown does not match.
   */
  uaVersion?: string
  /** Header-order hash (`hoh`). */
  hoh?: string | string[]
  /** `path` (as recorded: with option `publicPrefix`) starts with one of these. */
  path?: string | string[]
  /** HTTP method, compared without case. */
  method?: string | string[]
  /** ISO 3166-1 alpha-2 country code of `realIp` (option `respond.geoip.country`), compared without case. */
  country?: string | string[]
  /** Autonomous system number of `realIp` (option `respond.geoip.asn`). */
  asn?: number | number[]
  /** The request has a finding of one of these threat kinds (`sqli`, `xss`, …). */
  threat?: string | string[]
  /** The request's `threatScore` is at least this. */
  threatScore?: number
}

/** One allow, block or ban rule, from the rules file or from code. */
export interface Rule {
  /** Stable id: it names the rule in `requestInfo.decision` and in errors. Unique. */
  id: string
  action: RuleAction
  match: RuleMatch
  /** Overrides option `respond.mode` for this rule (allow rules have no mode). */
  mode?: Mode
  /** For `ban` rules: ban length in ms or as `'30s'`, `'10m'`, `'4h'`, `'7d'`; default option `respond.ban.ttl`. */
  ttl?: number | string
}

/** The country and autonomous system of an address, as far as the configured databases know them. */
export interface Geo {
  /** ISO 3166-1 alpha-2, upper case. */
  country: string | undefined
  asn: number | undefined
}

/** Looks up an address in the configured .mmdb files; cheap enough to call once per request. */
export type GeoLookup = (ip: string) => Geo

/** A ban on one source key (IPv4 address or IPv6 /64). */
export interface Ban {
  /** The source key (`sourceKey(realIp)`). */
  readonly key: string
  /** Why: a rule id, a behaviour scenario, or what the caller of `ban()` gave. */
  readonly reason: string
  /** When it was issued and when it ends, ms since the epoch. */
  readonly since: number
  readonly until: number
  /** Bans this source has had within option `respond.ban.recidive` (this one included): escalation's input. */
  readonly offences: number
  readonly mode: Mode
}

/** What a ban asks for; the store turns it into a `Ban` with escalation applied. */
export interface BanRequest {
  readonly key: string
  readonly reason: string
  readonly mode: Mode
  /** Length of a first ban, ms. */
  readonly ttl: number
  /** Each earlier ban within `recidive` multiplies the length by this (1: no escalation). */
  readonly escalation: number
  /** Longest ban, ms. */
  readonly maxTtl: number
  /** How long earlier bans are remembered for escalation, ms. */
  readonly recidive: number
}

/** One rate-limit window a request counts in. */
export interface WindowHit {
  /** `<limit id>:<subject>` (subject: source key, user, …); unique per limit and subject. */
  readonly key: string
  /** Window length, ms. */
  readonly window: number
}

/**
 * Counts of one sliding window: hits in the current fixed window (this hit included) and in the one before.
 * The sliding estimate is `previous × (1 − elapsed / window) + current`.
 */
export interface WindowCount {
  readonly current: number
  readonly previous: number
}

/**
 * Where counters and bans live. `banned()` and `list()` read local state only: checking a ban never waits on
 * the network. `hit()` is the one call per request that may (one pipelined command for all its windows).
 */
export interface RespondStore {
  /** Counts one hit in each window at time `now`; counts come back in the order of `hits`. */
  hit (hits: readonly WindowHit[], now: number): readonly WindowCount[] | Promise<readonly WindowCount[]>
  /** The ban in force on `key` at `now`, if any. */
  banned (key: string, now: number): Ban | undefined
  /** Issues a ban (escalated by the source's earlier bans); in force locally at once, on other instances soon after. */
  ban (request: BanRequest, now: number): Promise<Ban>
  /** Lifts the ban on `key`; true when there was one. */
  unban (key: string): Promise<boolean>
  /** Bans in force at `now`. */
  list (now: number): Ban[]
  /** Stops timers and subscriptions; the caller's Redis client is left open. */
  close (): Promise<void>
}

/** What a store reports to the plugin: failures to count and log, and state coming back. */
export interface StoreEvents {
  /** The shared store failed (`step` says at what); the request went on as option `respond.failClosed` says. */
  error (err: unknown, step: string): void
  /** The shared store is reachable again and local state was reconciled with it. */
  reconciled? (bans: number): void
}
