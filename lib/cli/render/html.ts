/**
 * `request-info report --format html`: the report as one self-contained page for the daily log patrol. Inline
 * CSS and SVG only, and no script: the page reads the same with JavaScript off, and its Content Security
 * Policy lets nothing run or load (no font, no image, no request), so a log line that slipped through
 * escaping still could not act. Every part of the report is shown; a part with nothing to show says so.
 */
import type { AbuseContact, AttackGroup, Evidence, FamilyReport, Moment, Outcome, Report, TrafficRow } from '../report.js'
import { barChart, timelineChart, zoneOf } from './charts.js'
import { countList, cut, escapeHtml, nothing, table, type Cell } from './markup.js'
import { formatCount, plural } from '../words.js'
import { renderRules } from './rules.js'

// Characters of a value shown in a table cell or a heading before it is cut (the whole value in its title).
const SHORT = 80
const LONG = 300

const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'"

const CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1b1f24; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 16px; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 15px; margin: 20px 0 6px; overflow-wrap: anywhere; }
nav { margin: 8px 0 12px; } nav a { margin-right: 14px; color: #0550ae; }
p, li, td, th, dd, summary { overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid #d8dee4; padding: 4px 8px; text-align: left; vertical-align: top; }
/* Cells may break anywhere (a long value must not widen the page), but not down to a column of letters. */
td { min-width: 4.5em; }
th { background: #f3f5f7; font-weight: 600; white-space: nowrap; }
.t { white-space: nowrap; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; border: 1px solid #d8dee4; padding: 8px; margin: 4px 0 8px; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: #57606a; } dl.facts dd { margin: 0; }
.headline { font-size: 16px; font-weight: 600; }
.none { color: #57606a; font-style: italic; }
.cut { text-decoration: underline dotted #8c959f; }
article { border: 1px solid #d8dee4; border-radius: 6px; padding: 4px 12px 8px; margin: 10px 0; break-inside: avoid; }
details > summary { cursor: pointer; color: #0550ae; margin: 4px 0; }
.evidence .meta { margin: 6px 0 0; color: #424a53; }
.v { padding: 0 6px; border-radius: 8px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.v-blocked { background: #dafbe1; color: #116329; } .v-open { background: #ffebe9; color: #a40e26; } .v-unknown { background: #eaeef2; color: #424a53; }
.rule { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; border-bottom: 1px solid #d8dee4; }
figure { margin: 8px 0 16px; }
svg.chart { width: 100%; height: auto; display: block; font: 12px system-ui, sans-serif; }
svg .axis, svg .value { fill: #424a53; font-size: 11px; } svg .key { fill: #1b1f24; } svg text.none { fill: #57606a; font-style: italic; }
svg .grid { stroke: #d8dee4; stroke-width: 1; }
figcaption { color: #424a53; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 10px; vertical-align: -1px; border: 1px solid #0003; }
.s-requests { fill: #7aa6d6; background: #7aa6d6; } .s-attacks { fill: #d55e00; background: #d55e00; }
.s-spike { fill: #a40e26; stroke: #a40e26; stroke-dasharray: 3 3; background: #a40e26; }
.s-ja4 { fill: #0072b2; background: #0072b2; } .s-ja3 { fill: #e69f00; background: #e69f00; }
.s-ho { fill: #009e73; background: #009e73; } .s-h2 { fill: #cc79a7; background: #cc79a7; }
@media print {
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  body { font-size: 11px; } header, main { max-width: none; padding: 0; } nav { display: none; }
  tr, figure, .evidence { break-inside: avoid; } h2, h3 { break-after: avoid; }
}
@media print { details::details-content { content-visibility: visible; display: block; } }
`

/** A logged time as the log wrote it, or `—`. */
function when (moment: Moment | null): string {
  return moment === null ? '—' : `<span class="t">${cut(moment.text, 40)}</span>`
}

const VERDICTS: Readonly<Record<string, string>> = { blocked: 'blocked', 'not blocked': 'open', unknown: 'unknown' }

/** A verdict as a badge: `not blocked` stands out, since it reached the application. */
function verdict (value: Outcome['verdict']): string {
  return `<span class="v v-${VERDICTS[value] ?? 'unknown'}">${escapeHtml(value)}</span>`
}

/** Short values (kinds, rule ids) on one line, or `—`. */
function listed (values: readonly string[]): string {
  return values.length === 0 ? '—' : values.map((v) => cut(v, SHORT)).join(', ')
}

function status (value: number | null): string {
  return value === null ? 'none' : String(value)
}

function section (id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`
}

function facts (pairs: ReadonlyArray<readonly [string, Cell]>): string {
  return '<dl class="facts">' + pairs.map(([name, value]) =>
    `<dt>${escapeHtml(name)}</dt><dd>${typeof value === 'number' ? formatCount(value) : value}</dd>`).join('') + '</dl>'
}

function summary (report: Report): string {
  const { inputs, period, settings, attacks } = report
  const open = attacks.outcomes.filter((o) => o.verdict === 'not blocked').reduce((sum, o) => sum + o.count, 0)
  const blocked = attacks.outcomes.filter((o) => o.verdict === 'blocked').reduce((sum, o) => sum + o.count, 0)
  const headline = `${plural(attacks.requests, 'attack request')}: ${formatCount(open)} not blocked, ${formatCount(blocked)} blocked. ` +
    `${plural(attacks.groups.length, attacks.groupedBy)} listed, ${plural(report.drafts.length, 'abuse-report draft')}, ` +
    `${plural(report.sites.length, 'site')} attacked, ${plural(report.sites.filter((site) => site.notice !== null).length, 'notice')} to site owners, ` +
    `${plural(report.alerts.length, 'behaviour alert')}.`
  const samples = inputs.unparseableSamples.length === 0
    ? (inputs.unparseable === 0 ? nothing('Every line was read.') : nothing('No sample of the unparseable lines was kept.'))
    : table(['Where', 'Why', 'Line'], inputs.unparseableSamples.map((s) => [`${cut(s.file, SHORT)}:${s.line}`, cut(s.reason, SHORT), cut(s.text, LONG)]))
  // The timeline comes first: it is where a patrol starts (when, how much, and which part was attacks).
  const timeline = timelineChart(report.traffic.timeline, report.traffic.spikes, zoneOf(period.first?.text))
  return section('summary', 'Summary', `<p class="headline">${escapeHtml(headline)}</p>\n` + timeline + '\n' + facts([
    ['Period', `${when(period.first)} to ${when(period.last)}`],
    ['Files', inputs.files.length === 0 ? 'standard input' : inputs.files.map((f) => cut(f, LONG)).join('<br>')],
    ['Lines', inputs.lines], ['Requests', inputs.requests], ['Plugin records', inputs.records],
    ['Access-log lines', inputs.accessLogLines], ['Other plugin lines', inputs.otherRecords],
    ['Unparseable lines', inputs.unparseable], ['Lines without a time', inputs.untimed],
    ['Settings', escapeHtml(`abuse threshold ${settings.threshold} attacks, site notice from ${settings.siteSources} sources, paranoia ${settings.paranoia}, ` +
      `abuse contacts ${settings.lookup ? 'looked up' : 'not looked up'}, spike from ${settings.spike.min} requests a minute over ${settings.spike.factor} × the hour's mean`)],
    ['Generated', cut(report.generated, SHORT)]
  ]) + '\n<h3>Unparseable lines</h3>\n' + samples)
}

function evidence (list: readonly Evidence[]): string {
  if (list.length === 0) return nothing('No evidence line kept.')
  const lines = list.map((e) => `<div class="evidence"><p class="meta">${when(e.time)} · status ${status(e.status)} ${verdict(e.verdict)} · ` +
    `${listed(e.kinds)} · rules ${listed(e.rules)}</p><pre>${escapeHtml(e.line)}</pre></div>`)
  return `<details><summary>Evidence: ${plural(list.length, 'request')}</summary>\n${lines.join('\n')}\n</details>`
}

function group (g: AttackGroup): string {
  const where = g.by === 'source'
    ? `Country ${g.country === null ? 'unknown' : cut(g.country, SHORT)}, ${g.asn === null ? 'AS unknown' : `AS${g.asn}`}. Sites: ${listed(g.sites)}`
    : 'Attacks against this site (the lines carry no client address)'
  return `<article class="group"><h3>${cut(g.key, SHORT)}: ${plural(g.attacks, 'attack')}</h3>` +
    `<p>${formatCount(g.notBlocked)} not blocked, ${formatCount(g.blocked)} blocked; ${countList(g.kinds)}; from ${when(g.first)} to ${when(g.last)}.</p>` +
    `<p>${where}.</p>\n${evidence(g.evidence)}</article>`
}

function attacks (report: Report): string {
  const a = report.attacks
  if (a.requests === 0 && a.groups.length === 0) return section('attacks', 'Attacks', nothing('No attack found.'))
  const notes = [
    a.groupsNotListed > 0 ? `${formatCount(a.groupsNotListed)} more ${a.groupedBy === 'site' ? 'sites' : 'sources'} not listed.` : '',
    a.sourcesNotTracked > 0 ? `${formatCount(a.sourcesNotTracked)} sources not tracked once the bound was reached.` : ''
  ].filter((n) => n !== '').join(' ')
  return section('attacks', 'Attacks',
    table(['Kind', 'Requests', 'Blocked', 'Not blocked'], a.kinds.map((k) => [cut(k.value, SHORT), k.count, k.blocked, k.notBlocked])) +
    '\n<h3>Outcomes: was the attack blocked?</h3>\n' +
    (a.outcomes.length === 0 ? nothing('No status.') : outcomes(a.outcomes)) +
    `\n<h3>By ${a.groupedBy}, most attacks first</h3>\n` +
    (a.groups.length === 0 ? nothing('No group listed.') : a.groups.map(group).join('\n')) +
    (notes === '' ? '' : `\n<p class="none">${escapeHtml(notes)}</p>`))
}

function outcomes (list: readonly Outcome[]): string {
  return table(['Status', 'Verdict', 'Meaning', 'Requests'], list.map((o) => [status(o.status), verdict(o.verdict), cut(o.meaning, LONG), o.count]))
}

function contact (c: AbuseContact): string {
  const found = [c.email, c.network, c.range].filter((v): v is string => v !== null).map((v) => cut(v, SHORT)).join(', ')
  const asked = c.url === null ? '' : ` (asked ${cut(c.url, SHORT)})`
  switch (c.status) {
    case 'found': return `found: ${found}${asked}`
    case 'none': return `none given by the registry${found === '' ? '' : ` for ${found}`}${asked}`
    case 'private': return 'private address: no registry holds it'
    case 'failed': return `look-up failed: ${cut(c.error ?? 'no reason given', LONG)}${asked}`
    default: return 'not looked up (offline; look-ups are enabled by an option)'
  }
}

function drafts (report: Report): string {
  const body = report.drafts.length === 0
    ? nothing(`No source reached the threshold of ${report.settings.threshold} attacks.`)
    : report.drafts.map((d) => `<article class="draft"><h3>${cut(d.source, SHORT)}: ${plural(d.attacks, 'attack')}</h3>` +
      `<p>Abuse contact: ${contact(d.contact)}</p><p>Subject: ${cut(d.subject, LONG)}</p><pre>${escapeHtml(d.text)}</pre></article>`).join('\n')
  return section('drafts', 'Abuse-report drafts (review before sending)', body)
}

function sites (report: Report): string {
  if (report.sites.length === 0) return section('sites', 'Sites attacked by several sources', nothing('No site was attacked by several sources.'))
  const rows = report.sites.map((s) => [cut(s.site, SHORT), s.sources === null ? 'unknown' : s.sources, s.attacks, countList(s.kinds), when(s.first), when(s.last)])
  const notices = report.sites.filter((s) => s.notice !== null)
    .map((s) => `<article class="notice"><h3>Notice for ${cut(s.site, SHORT)}</h3><pre>${escapeHtml(s.notice ?? '')}</pre></article>`)
  return section('sites', 'Sites attacked by several sources',
    table(['Site', 'Sources', 'Attacks', 'Kinds', 'First', 'Last'], rows) + '\n' + (notices.length === 0 ? nothing('No site reached the notice threshold.') : notices.join('\n')))
}

function alerts (report: Report): string {
  const body = report.alerts.length === 0
    ? nothing('No behaviour alert.')
    : table(['Scenario', 'Source', 'Alerts', 'First', 'Last', 'Summary'],
      report.alerts.map((a) => [cut(a.scenario, SHORT), cut(a.source, SHORT), a.count, when(a.first), when(a.last), cut(a.summary, LONG)]))
  return section('alerts', 'Behaviour alerts', body)
}

function fingerprints (f: FamilyReport): string {
  const list = (title: string, rows: ReadonlyArray<readonly Cell[]>, headings: readonly string[]): string =>
    rows.length === 0 ? '' : `<h4>${escapeHtml(title)}</h4>` + table(headings, rows)
  return `<details><summary>${cut(f.family, SHORT)}: ${formatCount(f.ja4.length)} JA4, ${formatCount(f.ja3.length)} JA3, ` +
    `${formatCount(f.headerOrders.length)} header orders, ${formatCount(f.h2.length)} HTTP/2 fingerprints</summary>\n` +
    list('JA4', f.ja4.map((c) => [cut(c.value, SHORT), c.count]), ['JA4', 'Requests']) +
    list('JA3', f.ja3.map((c) => [cut(c.value, SHORT), c.count]), ['JA3', 'Requests']) +
    list('Header orders', f.headerOrders.map((c) => [cut(c.value, SHORT), c.ho === null ? '—' : cut(c.ho, LONG), c.count]), ['Hash', 'Order', 'Requests']) +
    list('HTTP/2', f.h2.map((c) => [cut(c.value, LONG), c.count]), ['Fingerprint', 'Requests']) + '</details>'
}

function clients (report: Report): string {
  const { families, suspects } = report.clients
  const chart = barChart('chart-fingerprints', 'Distinct fingerprints per client family',
    [{ name: 'ja4', label: 'JA4' }, { name: 'ja3', label: 'JA3' }, { name: 'ho', label: 'header orders' }, { name: 'h2', label: 'HTTP/2' }],
    families.map((f) => ({ key: f.family, values: [f.ja4.length, f.ja3.length, f.headerOrders.length, f.h2.length] })), 'No client family.')
  // Without families the chart says so; the table would say it again.
  const familyTable = families.length === 0
    ? ''
    : table(['Family', 'Requests', 'Sources', 'Attack requests', 'Versions'], families.map((f) => [cut(f.family, SHORT), f.requests, f.sources, f.attacks, countList(f.versions, 8, 20)])) +
      families.map(fingerprints).join('\n')
  const suspected = suspects.length === 0
    ? nothing('No request claimed a client it does not look like.')
    : table(['Family', 'Rule', 'What', 'Requests', 'Sources'], suspects.map((s) =>
      [cut(s.family, SHORT), cut(s.rule, SHORT), cut(s.excerpt, LONG), s.requests, listed(s.sources)]))
  return section('clients', 'Clients', '<h3>Fingerprints per family</h3>\n' + chart + '\n' + familyTable + '\n<h3>Impersonation suspects</h3>\n' + suspected)
}

const TRAFFIC_SERIES = [{ name: 'requests', label: 'requests' }, { name: 'attacks', label: 'attack requests' }]

function rows (list: readonly TrafficRow[]): Array<{ key: string, values: number[] }> {
  return list.map((r) => ({ key: r.key, values: [r.requests, r.attacks] }))
}

function traffic (report: Report): string {
  const t = report.traffic
  const spikes = t.spikes.length === 0
    ? nothing('No spike: no minute went far over its baseline.')
    : table(['Minute', 'Requests', 'Baseline per minute'], t.spikes.map((s) => [when(s.minute), s.requests, s.baseline]))
  const geo = (database: string | null, what: string, list: readonly TrafficRow[], id: string): string =>
    barChart(id, `Requests and attack requests per ${what}`, TRAFFIC_SERIES, rows(list),
      database === null ? `No ${what} database was given: not known.` : `No request had a known ${what}.`)
  return section('traffic', 'Traffic',
    '<h3>Spikes</h3>\n' + spikes + (t.spikes.length === 0 ? '' : nothing('Marked on the timeline in the summary.')) +
    '\n<h3>Statuses</h3>\n' + (t.statuses.length === 0 ? nothing('No status.') : outcomes(t.statuses)) +
    '\n<h3>Top sources</h3>\n' + barChart('chart-sources', 'Requests and attack requests per source', TRAFFIC_SERIES, rows(t.topSources), 'No client address in the lines.') +
    '\n<h3>Countries</h3>\n' + geo(t.geo.country, 'country', t.countries, 'chart-countries') +
    '\n<h3>Autonomous systems</h3>\n' + geo(t.geo.asn, 'ASN', t.asns, 'chart-asns') +
    (t.approximate ? nothing('Counts past the tracking bound are lower bounds.') : ''))
}

function rules (report: Report): string {
  if (report.rules.length === 0) return section('rules', 'Suggested rules', nothing('No rule suggested.'))
  return section('rules', 'Suggested rules (mode monitor: review, then enforce)',
    report.rules.map((r) => `<div class="rule"><pre>${escapeHtml(JSON.stringify(r.rule, null, 2))}</pre><p>${cut(r.why, LONG)}</p></div>`).join('\n') +
    `\n<details><summary>As a rules file (YAML, as \`request-info rules\` writes it)</summary><pre>${escapeHtml(renderRules(report, 'yaml'))}</pre></details>`)
}

const SECTIONS: ReadonlyArray<readonly [string, string, (report: Report) => string]> = [
  ['summary', 'Summary', summary], ['attacks', 'Attacks', attacks], ['drafts', 'Abuse reports', drafts], ['sites', 'Sites', sites],
  ['alerts', 'Alerts', alerts], ['clients', 'Clients', clients], ['traffic', 'Traffic', traffic], ['rules', 'Rules', rules]
]

/**
 * The report as a self-contained HTML page (UTF-8): summary, attacks, abuse-report drafts, sites, behaviour
 * alerts, clients, traffic and suggested rules, in that order, with charts of the timeline, the top sources,
 * the fingerprints per family, the countries and the ASNs.
 */
export function renderHtml (report: Report): string {
  const period = report.period.first === null ? 'no timed request' : `${report.period.first.text} to ${report.period.last?.text ?? '—'}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`request-info report: ${period}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>request-info report</h1>
<p>${cut(period, LONG)}</p>
<nav>${SECTIONS.map(([id, name]) => `<a href="#${id}">${name}</a>`).join('')}</nav>
</header>
<main>
${SECTIONS.map(([, , render]) => render(report)).join('\n')}
</main>
</body>
</html>
`
}
