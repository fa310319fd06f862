/**
 * The report `request-info report` builds: plain data, written as it is by `--format json` and rendered as
 * terminal tables (render/text.ts) or a self-contained HTML page (render/html.ts). Times are given twice: ms
 * since the epoch (`…Ms`) for machines, and as the log wrote them, with their zone, for people.
 */
import type { Rule } from '../respond/types.js'

/** Version of this shape; bumped when a field changes meaning or goes away. */
export const REPORT_VERSION = 1

/** A value and how many times it was seen. */
export interface Count {
  readonly value: string
  readonly count: number
}

/** A time as logged (`2011-06-21 11:56:40 -0400`) and as ms since the epoch. */
export interface Moment {
  readonly text: string
  readonly ms: number
}

/** What a status code says about an attack: did it get through? Seed 004's meanings. */
export interface Outcome {
  readonly status: number | null
  /** `blocked`: refused before it did anything; `not blocked`: it reached the application. */
  readonly verdict: 'blocked' | 'not blocked' | 'unknown'
  /** One line: `500: reached the application and made it fail; review the code it reached`. */
  readonly meaning: string
  readonly count: number
}

/** One attack request kept as evidence. */
export interface Evidence {
  readonly time: Moment | null
  readonly status: number | null
  readonly verdict: Outcome['verdict']
  /** Threat kinds found, in order of score. */
  readonly kinds: readonly string[]
  /** Rule ids found. */
  readonly rules: readonly string[]
  /** The log line (cut to 2,000 characters). */
  readonly line: string
}

/** Attacks from one source, or against one site when the lines carry no client address. */
export interface AttackGroup {
  /** The client address (IPv6 by /64), or the site. */
  readonly key: string
  readonly by: 'source' | 'site'
  /** Requests with at least one attack finding (score ≥ 5 in total, or a critical finding). */
  readonly attacks: number
  readonly kinds: readonly Count[]
  readonly first: Moment | null
  readonly last: Moment | null
  /** Sites attacked (for a source), at most 20. */
  readonly sites: readonly string[]
  readonly blocked: number
  readonly notBlocked: number
  readonly country: string | null
  readonly asn: number | null
  /** The first attack requests, oldest first, at most option `evidence`. */
  readonly evidence: readonly Evidence[]
}

/** The network's abuse contact, from RDAP when looking up is on. */
export interface AbuseContact {
  /**
   * `not looked up`: offline (the default), or past the run's lookups (`error` says so); `private`: an address
   * no registry holds (`error` names its purpose); `failed`: `error` says what happened.
   */
  readonly status: 'found' | 'none' | 'not looked up' | 'private' | 'failed'
  readonly email: string | null
  /** Registry's name and handle of the network, and its range. */
  readonly network: string | null
  readonly range: string | null
  /** The RDAP URL asked. */
  readonly url: string | null
  readonly error: string | null
}

/** A draft abuse report for a source over the threshold: review before sending. */
export interface AbuseDraft {
  readonly source: string
  readonly attacks: number
  readonly contact: AbuseContact
  readonly subject: string
  /** The whole text, evidence included. */
  readonly text: string
}

/** A site attacked by several sources (or, without addresses, by several attacks). */
export interface SiteReport {
  readonly site: string
  /** Distinct sources; null when the lines carry no client address. */
  readonly sources: number | null
  readonly attacks: number
  readonly kinds: readonly Count[]
  readonly first: Moment | null
  readonly last: Moment | null
  /** A notice for the site's owner, when over the threshold. */
  readonly notice: string | null
}

/** A behaviour alert (the plugin's scenarios, replayed with the log's own times). */
export interface AlertSummary {
  readonly scenario: string
  readonly source: string
  readonly count: number
  readonly first: Moment
  readonly last: Moment
  readonly summary: string
}

/** One client family (ua-parser-js name, else the User-Agent's product token). */
export interface FamilyReport {
  readonly family: string
  readonly requests: number
  readonly sources: number
  readonly attacks: number
  /** Major versions, most requests first. */
  readonly versions: readonly Count[]
  /** JA3 hashes, JA4, header-order hashes (with the order itself), HTTP/2 fingerprints: most requests first. */
  readonly ja3: readonly Count[]
  readonly ja4: readonly Count[]
  readonly headerOrders: ReadonlyArray<Count & { readonly ho: string | null }>
  readonly h2: readonly Count[]
}

/** Requests claiming a client they do not look like (impersonation findings in the records). */
export interface Suspect {
  readonly family: string
  readonly rule: string
  /** `claims Chrome 120, looks like curl`. */
  readonly excerpt: string
  readonly requests: number
  readonly sources: readonly string[]
}

/** Requests per minute above the rolling baseline. */
export interface Spike {
  readonly minute: Moment
  readonly requests: number
  /** Mean requests per minute over the hour before. */
  readonly baseline: number
}

export interface TrafficRow {
  readonly key: string
  readonly requests: number
  readonly attacks: number
}

/** A line that could not be read: where, and why. */
export interface UnreadLine {
  file: string
  /** 1-based; 0 when the whole input failed (a truncated .gz). */
  line: number
  reason: string
  text: string
}

/** What was read. */
export interface InputSummary {
  files: string[]
  lines: number
  requests: number
  records: number
  accessLogLines: number
  /** Plugin lines that are not request records: alerts, bans, the application's own log lines. */
  otherRecords: number
  unparseable: number
  /** The first few unparseable lines. */
  unparseableSamples: UnreadLine[]
  /** Lines without a readable time (not in the timeline). */
  untimed: number
}

export interface Report {
  readonly version: typeof REPORT_VERSION
  readonly generated: string
  readonly inputs: InputSummary
  readonly period: { readonly first: Moment | null, readonly last: Moment | null }
  readonly settings: {
    readonly threshold: number
    readonly siteSources: number
    readonly paranoia: number
    readonly lookup: boolean
    /** A spike is a minute with at least `min` requests and over `factor` × the mean of the hour before. */
    readonly spike: { readonly factor: number, readonly min: number }
  }
  readonly attacks: {
    readonly requests: number
    readonly kinds: ReadonlyArray<Count & { readonly blocked: number, readonly notBlocked: number }>
    /** Attack requests per status: was the attack blocked? */
    readonly outcomes: readonly Outcome[]
    readonly groupedBy: 'source' | 'site'
    /** Most attacks first, at most option `top`. */
    readonly groups: readonly AttackGroup[]
    /** Groups not listed, and sources not tracked once the bound was reached. */
    readonly groupsNotListed: number
    readonly sourcesNotTracked: number
  }
  readonly drafts: readonly AbuseDraft[]
  readonly sites: readonly SiteReport[]
  readonly alerts: readonly AlertSummary[]
  readonly clients: {
    readonly families: readonly FamilyReport[]
    readonly suspects: readonly Suspect[]
  }
  readonly traffic: {
    /** Requests and attack requests per bucket of `bucketMs`, oldest first (at most 500 buckets). */
    readonly timeline: { readonly bucketMs: number, readonly points: ReadonlyArray<{ readonly ms: number, readonly requests: number, readonly attacks: number }> }
    readonly spikes: readonly Spike[]
    readonly statuses: readonly Outcome[]
    /** Most requests first; counts are exact up to the bound and lower bounds past it (`approximate`). */
    readonly topSources: readonly TrafficRow[]
    readonly countries: readonly TrafficRow[]
    readonly asns: readonly TrafficRow[]
    readonly approximate: boolean
    /** The .mmdb files read; null when none was given. */
    readonly geo: { readonly country: string | null, readonly asn: string | null }
  }
  /** Suggested rules, in the plugin's rules-file format, all in mode monitor; `why` says what each rests on. */
  readonly rules: ReadonlyArray<{ readonly rule: Rule, readonly why: string }>
}
