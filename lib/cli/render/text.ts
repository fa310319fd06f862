/**
 * The report as terminal tables. Every value from the logs goes through `escapeControls`: a log line holding
 * ESC sequences must not rewrite the terminal it is printed on.
 */
import { escapeControls, plural } from '../words.js'
import type { AttackGroup, Count, Moment, Outcome, Report, TrafficRow } from '../report.js'

// Widest cell; longer values are cut with an ellipsis (the JSON and HTML reports keep them whole).
const CELL = 60

function cell (value: unknown): string {
  const s = escapeControls(value === null || value === undefined ? '-' : String(value))
  return s.length > CELL ? s.slice(0, CELL - 1) + '…' : s
}

/** Columns padded to their widest cell; numbers right-aligned. */
function table (head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = rows.map((r) => r.map(cell))
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null))
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)))
  const line = (r: readonly string[]): string =>
    r.map((c, i) => numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

function title (text: string): string {
  return `\n${text}\n${'='.repeat(text.length)}\n`
}

function when (m: Moment | null): string {
  return m === null ? '-' : m.text
}

function countList (list: readonly Count[], limit = 5): string {
  const shown = list.slice(0, limit).map((c) => `${c.value} (${c.count})`).join(', ')
  return list.length > limit ? `${shown}, +${list.length - limit} more` : shown
}


function outcomes (rows: readonly Outcome[]): string {
  return table(['status', 'requests', 'verdict', 'what it says'], rows.map((o) => [o.status, o.count, o.verdict, o.meaning]))
}

function summary (r: Report): string {
  const i = r.inputs
  const out = [
    `request-info report: ${plural(i.requests, 'request')} from ${plural(i.files.length, 'input')} (${i.files.map(cell).join(', ')})`,
    `period: ${when(r.period.first)} to ${when(r.period.last)}`,
    `lines: ${plural(i.lines, 'line')}: ${i.accessLogLines} access-log lines, ${i.records} request records, ` +
      `${i.otherRecords} other records, ${i.unparseable} unreadable${i.untimed > 0 ? `, ${i.untimed} without a time` : ''}`
  ]
  for (const s of i.unparseableSamples) out.push(`  unreadable ${cell(s.file)}:${s.line}: ${cell(s.reason)}${s.text === '' ? '' : `: ${cell(s.text)}`}`)
  return out.join('\n') + '\n'
}

function attackTable (groups: readonly AttackGroup[]): string {
  return table(['source/site', 'attacks', 'kinds', 'blocked', 'not blocked', 'first', 'last', 'country', 'asn'],
    groups.map((g) => [g.key, g.attacks, countList(g.kinds), g.blocked, g.notBlocked, when(g.first), when(g.last), g.country, g.asn]))
}

function attacks (r: Report): string {
  const a = r.attacks
  if (a.requests === 0) return title('Attacks') + 'No attack requests found.\n'
  const blocked = a.outcomes.filter((o) => o.verdict === 'blocked').reduce((n, o) => n + o.count, 0)
  const through = a.outcomes.filter((o) => o.verdict === 'not blocked').reduce((n, o) => n + o.count, 0)
  const by = a.groupedBy === 'site' ? 'site (the lines carry no client address)' : 'source'
  const out = [
    title('Attacks'),
    `${plural(a.requests, 'attack request')}: ${blocked} blocked, ${through} not blocked.\n`,
    table(['kind', 'requests', 'blocked', 'not blocked'], a.kinds.map((k) => [k.value, k.count, k.blocked, k.notBlocked])),
    '\nWere they blocked? (from the status codes)\n',
    outcomes(a.outcomes),
    `\nBy ${by}, most attacks first:\n`,
    attackTable(a.groups)
  ]
  if (a.groupsNotListed > 0) out.push(`(${a.groupsNotListed} more not listed; --top shows more)`)
  if (a.sourcesNotTracked > 0) out.push(`(${a.sourcesNotTracked} sources with fewer attacks than the threshold were not tracked: too many sources)`)
  for (const g of a.groups) {
    out.push(`\nEvidence, ${cell(g.key)} (${plural(g.attacks, 'attack')}${g.evidence.length < g.attacks ? `, first ${g.evidence.length} shown` : ''}):`)
    for (const e of g.evidence) out.push(`  ${when(e.time)}  ${e.status ?? '-'} ${e.verdict}  ${e.kinds.join(', ')}  [${e.rules.join(', ')}]\n    ${escapeControls(e.line)}`)
  }
  return out.join('\n') + '\n'
}

function drafts (r: Report): string {
  const out = [title(`Abuse-report drafts (sources with ${r.settings.threshold} or more attacks)`)]
  if (r.drafts.length === 0) out.push('None.')
  for (const d of r.drafts) out.push(`--- ${cell(d.source)}: abuse contact ${d.contact.status} ---\n${d.text}\n`)
  const notices = r.sites.filter((s) => s.notice !== null)
  out.push(title('Sites attacked'))
  out.push(r.sites.length === 0
    ? 'None.'
    : table(['site', 'sources', 'attacks', 'kinds', 'first', 'last'], r.sites.map((s) => [s.site, s.sources, s.attacks, countList(s.kinds), when(s.first), when(s.last)])))
  for (const s of notices) out.push(`\n--- notice for the owner of ${cell(s.site)} ---\n${s.notice as string}`)
  return out.join('\n') + '\n'
}

function alerts (r: Report): string {
  if (r.alerts.length === 0) return title('Behaviour alerts') + 'None.\n'
  return title('Behaviour alerts') + table(['scenario', 'source', 'count', 'first', 'last', 'summary'],
    r.alerts.map((a) => [a.scenario, a.source, a.count, a.first.text, a.last.text, a.summary])) + '\n'
}

function clients (r: Report): string {
  const c = r.clients
  const out = [title('Clients'), table(['family', 'requests', 'sources', 'attacks', 'versions', 'JA3', 'JA4', 'header orders', 'HTTP/2'],
    c.families.map((f) => [f.family, f.requests, f.sources, f.attacks, countList(f.versions, 3), f.ja3.length, f.ja4.length, f.headerOrders.length, f.h2.length]))]
  for (const f of c.families.filter((f) => f.ja4.length + f.ja3.length + f.headerOrders.length > 1)) {
    out.push(`\n${cell(f.family)}: JA4 ${countList(f.ja4, 3) || '-'}; JA3 ${countList(f.ja3, 3) || '-'}; ` +
      `header orders ${f.headerOrders.slice(0, 3).map((h) => `${h.ho ?? h.value} (${h.count})`).join(', ') || '-'}`)
  }
  out.push('\nImpersonation suspects (claimed client against header order, JA4, HTTP/2):')
  out.push(c.suspects.length === 0
    ? 'None (access logs carry no header order or TLS fingerprint: the plugin\'s records do).'
    : table(['family', 'rule', 'finding', 'requests', 'sources'], c.suspects.map((s) => [s.family, s.rule, s.excerpt, s.requests, s.sources.join(' ')])))
  return out.join('\n') + '\n'
}

function rows (head: string, list: readonly TrafficRow[]): string {
  return table([head, 'requests', 'attacks'], list.map((t) => [t.key, t.requests, t.attacks]))
}

function traffic (r: Report): string {
  const t = r.traffic
  const out = [title('Traffic'), 'Statuses:', outcomes(t.statuses), '\nTop sources:', rows('source', t.topSources)]
  if (t.geo.country === null) out.push('\nCountries: give --country-db <file.mmdb> to count requests per country.')
  else out.push('\nCountries:', rows('country', t.countries))
  if (t.geo.asn === null) out.push('\nNetworks: give --asn-db <file.mmdb> to count requests per autonomous system.')
  else out.push('\nNetworks (ASN):', rows('asn', t.asns))
  out.push(`\nSpikes (a minute with ${r.settings.spike.min} requests or more, over ${r.settings.spike.factor} × the mean of the hour before):`)
  out.push(t.spikes.length === 0 ? 'None.' : table(['minute', 'requests', 'baseline'], t.spikes.map((s) => [s.minute.text, s.requests, s.baseline])))
  if (t.approximate) out.push('\n(More distinct values than the tables hold: counts past the top are lower bounds.)')
  return out.join('\n') + '\n'
}

function rules (r: Report): string {
  if (r.rules.length === 0) return title('Suggested rules') + 'None.\n'
  return title('Suggested rules (mode monitor; `request-info rules` writes them as a rules file)') +
    r.rules.map((s) => `${s.rule.id} (${s.rule.action}): ${escapeControls(s.why)}`).join('\n') + '\n'
}

export function renderText (report: Report): string {
  return [summary(report), attacks(report), drafts(report), alerts(report), clients(report), traffic(report), rules(report)].join('')
}
