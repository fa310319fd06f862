/** Turns the analysis's tables into the Report: sorting, cutting to `top`, drafts, notices and suggested rules. */
import { abuseDraft, siteNotice, type DraftContext } from './abuse/draft.js'
import type { AbuseLookup } from './abuse/rdap.js'
import type { Analysis, ValueStats } from './analyse/index.js'
import { counts, type SiteAttacks } from './analyse/attacks.js'
import { outcomeRows } from './analyse/outcome.js'
import { suggestRules, type Seen } from './analyse/suggest.js'
import type { TopCounts } from './analyse/top.js'
import { REPORT_VERSION, type AbuseDraft, type InputSummary, type Report, type SiteReport } from './report.js'
import { momentOf } from './time.js'

export interface ReportSettings {
  /** Rows per table. */
  top: number
  /** Distinct sources attacking one site that make a notice for its owner. */
  siteSources: number
  lookup: AbuseLookup
  lookupEnabled: boolean
  geoFiles: { country: string | null, asn: string | null }
  draft: DraftContext
  /** When the report is made (a fixed time keeps golden files stable). */
  now: Date
}

function seen (table: TopCounts<ValueStats>, limit: number): Seen[] {
  return table.top(limit).map(([value, s]) => ({ value, requests: s.count, attacks: s.attacks, sources: s.sources.size }))
}

function siteReports (sites: ReadonlyMap<string, SiteAttacks>, threshold: number, siteSources: number, context: DraftContext): SiteReport[] {
  return [...sites].map(([site, s]) => {
    const sources = s.unsourced === s.attacks ? null : s.sources.size
    const base: Omit<SiteReport, 'notice'> = {
      site,
      sources,
      attacks: s.attacks,
      kinds: counts(s.kinds),
      first: s.first === undefined ? null : momentOf(s.first.ms, s.first.offset),
      last: s.last === undefined ? null : momentOf(s.last.ms, s.last.offset)
    }
    // Without client addresses the site stands in for the source: seed 000's lines name only the site.
    const over = sources === null ? s.attacks >= threshold : sources >= siteSources
    const notice = over ? siteNotice(base, { paths: counts(s.paths), outcomes: outcomeRows(s.statuses) }, context) : null
    return { ...base, notice }
  }).sort((a, b) => (b.sources ?? 0) - (a.sources ?? 0) || b.attacks - a.attacks || (a.site < b.site ? -1 : 1))
}

export async function buildReport (analysis: Analysis, inputs: InputSummary, settings: ReportSettings): Promise<Report> {
  const { top } = settings
  const { threshold } = analysis.settings
  const geo = analysis.settings.geo
  const groups = analysis.groups.list((address) => geo === undefined ? { country: undefined, asn: undefined } : geo(address))
  const reportable = groups.filter((g) => g.by === 'source' && g.attacks >= threshold)
  const drafts: AbuseDraft[] = await Promise.all(reportable.slice(0, top).map(async (g) =>
    abuseDraft(g, await settings.lookup.lookup(g.key), settings.draft)))
  const traffic = analysis.traffic
  return {
    version: REPORT_VERSION,
    generated: settings.now.toISOString(),
    inputs,
    period: traffic.period(),
    settings: { threshold, siteSources: settings.siteSources, paranoia: analysis.settings.paranoia, lookup: settings.lookupEnabled, spike: analysis.settings.spike },
    attacks: {
      requests: analysis.totals.attacks,
      kinds: [...analysis.kinds].map(([value, k]) => ({ value, ...k })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
      outcomes: outcomeRows(analysis.outcomes),
      groupedBy: groups.some((g) => g.by === 'source') || analysis.totals.withSource > 0 ? 'source' : 'site',
      groups: groups.slice(0, top),
      groupsNotListed: Math.max(0, groups.length - top),
      sourcesNotTracked: analysis.groups.notTracked
    },
    drafts,
    sites: siteReports(analysis.groups.sites, threshold, settings.siteSources, settings.draft).slice(0, top),
    alerts: analysis.alerts,
    clients: {
      families: analysis.clients.familyReports(top),
      suspects: analysis.clients.suspectReports(top)
    },
    traffic: {
      timeline: traffic.timeline(),
      spikes: traffic.spikes(analysis.settings.spike),
      statuses: traffic.statusRows(),
      topSources: traffic.rows(traffic.sources, top),
      countries: traffic.rows(traffic.countries, top),
      asns: traffic.rows(traffic.asns, top),
      approximate: traffic.sources.approximate || traffic.asns.approximate || analysis.clients.approximate,
      geo: settings.geoFiles
    },
    rules: suggestRules({
      threshold,
      requests: analysis.totals.requests,
      groups,
      tools: seen(analysis.tools, 1000),
      ja4: seen(analysis.ja4, 1000),
      ja3: seen(analysis.ja3, 1000),
      sources: traffic.rows(traffic.sources, 1000)
    })
  }
}
