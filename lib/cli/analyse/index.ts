/**
 * The analysis behind `request-info report`: every request, from a record or an access-log line, derived
 * from its line (derive.ts: the plugin's own detectors), then through the plugin's behaviour windows and into
 * bounded tables (attacks by source and site, clients, traffic). build-report.ts turns the tables into the
 * Report.
 */
import { createBehaviour, type Alert } from '../../detect/behaviour/index.js'
import { threatScore } from '../../detect/index.js'
import type { Paranoia } from '../../detect/types.js'
import type { GeoLookup } from '../../respond/types.js'
import type { AlertSummary } from '../report.js'
import { momentOf } from '../time.js'
import { AttackGroups, kindsOf } from './attacks.js'
import { Clients } from './clients.js'
import { verdictOf } from './outcome.js'
import type { Request } from './request.js'
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

export type Analysis = ReturnType<typeof createAnalysis>

export function createAnalysis (settings: AnalysisSettings) {
  const behaviour = createBehaviour({ evidence: settings.evidence })
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

  function observe (r: Request): void {
    if (r.source === undefined || r.time === undefined) return
    const fired: readonly Alert[] = behaviour.observe({
      realIp: r.source, host: r.site, method: r.method, url: r.url, status: r.status,
      reqId: r.reqId ?? '', time: r.time, threats: r.threats, threatScore: threatScore(r.threats)
    })
    for (const a of fired) {
      totals.alerts++
      if (alerts.length < MAX_ALERTS) {
        alerts.push({ scenario: a.scenario, source: a.source, count: a.count, first: momentOf(a.first, r.offset), last: momentOf(a.last, r.offset), summary: a.summary })
      }
    }
  }

  /** Counts one request, in the order of the input. */
  function add (r: Request): void {
    totals.requests++
    if (totals.requests === 1) offset = r.offset
    const { key, attack } = r
    if (key !== undefined) totals.withSource++
    const geo = r.source === undefined || settings.geo === undefined ? undefined : settings.geo(r.source)
    traffic.add(r.time, r.offset, key, r.status, attack, geo?.country, geo?.asn)
    clients.add(r)
    if (r.ja4 !== undefined) ja4.row(r.ja4).add(key, attack)
    if (r.ja3 !== undefined) ja3.row(r.ja3).add(key, attack)
    if (r.tool) tools.row(r.family as string).add(key, attack)
    observe(r)
    if (!attack) return
    totals.attacks++
    const verdict = verdictOf(r.status, r.decision)
    const found = kindsOf(r.threats)
    for (const k of found) {
      let row = kinds.get(k)
      if (row === undefined) kinds.set(k, row = { count: 0, blocked: 0, notBlocked: 0 })
      row.count++
      if (verdict.verdict === 'blocked') row.blocked++
      else if (verdict.verdict === 'not blocked') row.notBlocked++
    }
    outcomes.set(r.status, (outcomes.get(r.status) ?? 0) + 1)
    groups.add(r, found, verdict)
  }

  return { add, settings, totals, groups, clients, traffic, ja4, ja3, tools, kinds, outcomes, alerts, offset: () => offset }
}
