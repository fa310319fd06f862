/**
 * The analysis behind `request-info report`: every entry, from a record or an access-log line, goes through
 * the plugin's own detectors and behaviour windows, then into bounded tables (attacks by source and site,
 * clients, traffic). `finish` turns the tables into the Report.
 */
import { Lru } from 'toad-cache'
import { createBehaviour, sourceKey, type Alert } from '../../detect/behaviour/index.js'
import { createDetection, threatScore } from '../../detect/index.js'
import type { Paranoia, Threat } from '../../detect/types.js'
import { loadHash64 } from '../../fingerprint/hash.js'
import { clientOf, createUserAgentFingerprinter } from '../../fingerprint/user-agent.js'
import type { GeoLookup } from '../../respond/types.js'
import type { Entry } from '../entry.js'
import type { AlertSummary } from '../report.js'
import { momentOf } from '../time.js'
import { AttackGroups, kindsOf } from './attacks.js'
import { Clients } from './clients.js'
import { verdictOf } from './outcome.js'
import { TopCounts } from './top.js'
import { Traffic, type SpikeSettings } from './traffic.js'

export interface AnalysisSettings {
  /** Attacks from one source that make an abuse-report draft (seed 000: three). */
  threshold: number
  paranoia: Paranoia
  /** Evidence lines kept per source. */
  evidence: number
  spike: SpikeSettings
  /** Country and ASN of an address, when .mmdb files were given. */
  geo: GeoLookup | undefined
}

/** CRS's inbound anomaly threshold, as the plugin's `detect.threshold` default: one critical finding. */
export const ATTACK_SCORE = 5
// URLs whose findings are cached: paths repeat from line to line; long ones are inspected each time.
const URL_CACHE = 8192
const URL_CACHED_LENGTH = 1024
const MAX_ALERTS = 1000
const FINGERPRINTS = 1000
// Distinct sources counted per fingerprint or tool (as hashes).
const SOURCES_PER_VALUE = 100

/** Requests, attacks and distinct sources seen with one value. */
export class ValueStats {
  count = 0
  attacks = 0
  readonly sources = new Set<string>()
  add (source: string | undefined, attack: boolean): void {
    this.count++
    if (attack) this.attacks++
    if (source !== undefined && this.sources.size < SOURCES_PER_VALUE) this.sources.add(source)
  }
}

const stats = (): ValueStats => new ValueStats()

/** A request is an attack from the attack score on, with a finding other than the script-client hint (as the plugin counts it). */
export function isAttack (threats: readonly Threat[]): boolean {
  return threatScore(threats) >= ATTACK_SCORE && threats.some((t) => t.kind !== 'script-client')
}

export type Analysis = Awaited<ReturnType<typeof createAnalysis>>

export async function createAnalysis (settings: AnalysisSettings) {
  const detection = createDetection({ paranoia: settings.paranoia, disable: [], bodyLimit: 65536, userAgentCacheSize: 4096 })
  const behaviour = createBehaviour({ evidence: settings.evidence })
  const userAgents = createUserAgentFingerprinter(4096, await loadHash64())
  const urlFindings = new Lru<readonly Threat[]>(URL_CACHE)
  const groups = new AttackGroups({ threshold: settings.threshold, evidence: settings.evidence })
  const clients = new Clients()
  const traffic = new Traffic()
  const ja4 = new TopCounts(FINGERPRINTS, stats)
  const ja3 = new TopCounts(FINGERPRINTS, stats)
  const tools = new TopCounts(FINGERPRINTS, stats)
  const kinds = new Map<string, { count: number, blocked: number, notBlocked: number }>()
  const outcomes = new Map<number | undefined, number>()
  const alerts: AlertSummary[] = []
  const totals = { requests: 0, attacks: 0, alerts: 0, withSource: 0 }
  let offset = 0

  function urlThreats (url: string): readonly Threat[] {
    if (url.length > URL_CACHED_LENGTH) return detection.request({ url, headers: {} })
    let found = urlFindings.get(url)
    if (found === undefined) {
      found = Object.freeze(detection.request({ url, headers: {} }))
      urlFindings.set(url, found)
    }
    return found
  }

  /** The plugin's findings in what the line carries, with those the record already had (cookies, bodies). */
  function findingsOf (entry: Entry): Threat[] {
    const out = [...urlThreats(entry.url)]
    const headers: Record<string, string> = {}
    if (entry.ua !== undefined) headers['user-agent'] = entry.ua
    if (entry.referer !== undefined) headers.referer = entry.referer
    const more = detection.request({ url: '', headers })
    const recorded = entry.threats ?? []
    // Most lines have no finding at all: nothing to merge.
    if (more.length === 0 && recorded.length === 0) return out
    const rules = new Set(out.map((t) => t.rule))
    for (const list of [more, recorded]) {
      for (const t of list) {
        if (!rules.has(t.rule)) {
          rules.add(t.rule)
          out.push(t)
        }
      }
    }
    return out
  }

  function observe (entry: Entry, threats: Threat[]): void {
    if (entry.source === undefined || entry.time === undefined) return
    const fired: readonly Alert[] = behaviour.observe({
      realIp: entry.source, host: entry.site, method: entry.method, url: entry.url, status: entry.status,
      reqId: entry.reqId ?? '', time: entry.time, threats, threatScore: threatScore(threats)
    })
    for (const a of fired) {
      totals.alerts++
      if (alerts.length < MAX_ALERTS) {
        alerts.push({ scenario: a.scenario, source: a.source, count: a.count, first: momentOf(a.first, entry.offset), last: momentOf(a.last, entry.offset), summary: a.summary })
      }
    }
  }

  function add (entry: Entry): void {
    totals.requests++
    if (totals.requests === 1) offset = entry.offset
    const key = entry.source === undefined ? undefined : sourceKey(entry.source)
    if (key !== undefined) totals.withSource++
    const threats = findingsOf(entry)
    const attack = isAttack(threats)
    const geo = entry.source === undefined || settings.geo === undefined ? undefined : settings.geo(entry.source)
    traffic.add(entry.time, entry.offset, key, entry.status, attack, geo?.country, geo?.asn)
    const browser = entry.browser !== undefined
      ? { name: entry.browser, major: entry.browserMajor }
      : entry.ua === undefined ? undefined : userAgents(entry.ua).uai.browser
    const client = clientOf(entry.ua, browser)
    clients.add(client.family, client.major, key, entry, attack, threats)
    if (entry.ja4 !== undefined) ja4.row(entry.ja4).add(key, attack)
    if (entry.ja3 !== undefined) ja3.row(entry.ja3).add(key, attack)
    // A family ua-parser-js does not name is a tool or library's product token.
    if (client.family !== undefined && browser?.name === undefined) tools.row(client.family).add(key, attack)
    observe(entry, threats)
    if (!attack) return
    totals.attacks++
    const verdict = verdictOf(entry.status, entry.decision)
    const found = kindsOf(threats)
    for (const k of found) {
      let row = kinds.get(k)
      if (row === undefined) kinds.set(k, row = { count: 0, blocked: 0, notBlocked: 0 })
      row.count++
      if (verdict.verdict === 'blocked') row.blocked++
      else if (verdict.verdict === 'not blocked') row.notBlocked++
    }
    outcomes.set(entry.status, (outcomes.get(entry.status) ?? 0) + 1)
    groups.add(entry, key, threats, found, verdict)
  }

  return { add, settings, totals, groups, clients, traffic, ja4, ja3, tools, kinds, outcomes, alerts, offset: () => offset }
}
