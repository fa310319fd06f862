/**
 * Texts for people: an abuse report to the network of a source over the threshold, and a notice to the owner
 * of a site attacked from many sources (seed 000). They are drafts: a false abuse report harms its sender's
 * credibility, so someone reads each one before it is sent.
 */
import type { ThreatKind } from '../../detect/types.js'
import { quote } from '../../respond/ip-set.js'
import type { AbuseContact, AbuseDraft, AttackGroup, Count, Moment, Outcome, SiteReport } from '../report.js'
import { RDAP_BOOTSTRAP_URL } from './rdap.js'
import { escapeControls } from '../words.js'

/** Who writes, and when: the closing lines of a draft. */
export interface DraftContext {
  /**
   * The signature: name, organisation, contact address (several lines allowed).
   * @default a bracketed placeholder to replace before sending
   */
  readonly reporter?: string
  /**
   * When the report was made (Report.generated), said under the signature.
   * @default not said
   */
  readonly generated?: string
}

/** What the attacks on one site reached: its paths and their statuses. */
export interface SiteTargets {
  /** Paths the attack requests asked for, without query strings, most attacks first. */
  readonly paths: readonly Count[]
  /** The site's attack requests per status (the report's outcomes, counted for this site). */
  readonly outcomes: readonly Outcome[]
}

/** Kinds in the words of someone who reads abuse mail. */
const KIND_WORDS: Readonly<Record<ThreatKind, string>> = {
  sqli: 'SQL injection',
  xss: 'cross-site scripting (XSS)',
  lfi: 'path traversal / local file inclusion',
  rfi: 'remote file inclusion',
  rce: 'remote command execution',
  php: 'PHP code injection',
  java: 'Java deserialization / expression injection',
  scanner: 'scanning with a known attack tool',
  'script-client': 'requests from a scripted HTTP client',
  'sensitive-file': 'probing for secret, backup and configuration files',
  'web-shell': 'looking for web shells (backdoors)',
  ssrf: 'server-side request forgery',
  'prototype-pollution': 'JavaScript prototype pollution',
  nosql: 'NoSQL injection',
  impersonation: 'a client posing as a web browser'
}

const WIDTH = 72
const MAX_PATHS = 5
const SIGNATURE_PLACEHOLDER = '[your name, organisation and contact address]'

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** A paragraph of our own text broken at spaces before WIDTH (a longer word, a URL, stays whole). */
function wrap (paragraph: string): string {
  const lines: string[] = []
  let line = ''
  for (const word of paragraph.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  lines.push(line)
  return lines.join('\n')
}

function kindWords (kind: string): string {
  return Object.hasOwn(KIND_WORDS, kind) ? KIND_WORDS[kind as ThreatKind] : escapeControls(kind)
}

function kindLines (kinds: readonly Count[]): string {
  return kinds.map((k) => `  - ${kindWords(k.value)}: ${plural(k.count, 'request')}`).join('\n')
}

function kindIds (kinds: readonly Count[]): string {
  return kinds.length === 0 ? '' : ` (${kinds.map((k) => escapeControls(k.value)).join(', ')})`
}

/** `between <first> and <last>`, times as the log wrote them, with their UTC offset. */
function period (first: Moment | null, last: Moment | null): string {
  if (first === null || last === null) return 'at times the log does not give'
  return first.text === last.text ? `at ${escapeControls(first.text)}` : `between ${escapeControls(first.text)} and ${escapeControls(last.text)}`
}

/** Blocked, reached the application, outcome unknown. */
function outcomeSentence (attacks: number, blocked: number, notBlocked: number): string {
  const unknown = attacks - blocked - notBlocked
  const parts = [`${blocked} ${blocked === 1 ? 'was' : 'were'} blocked`, `${notBlocked} reached the web application`]
  if (unknown > 0) parts.push(`for ${unknown} the outcome is not known (no status logged)`)
  return `Of these, ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}.`
}

function closing (context: DraftContext): string {
  const reporter = context.reporter === undefined || context.reporter.trim() === '' ? SIGNATURE_PLACEHOLDER : context.reporter
  const lines = ['Regards,', reporter.split(/\r\n|\n|\r/).map(escapeControls).join('\n')]
  if (context.generated !== undefined) lines.push('', wrap(`(Made from our web server logs on ${escapeControls(context.generated)}.)`))
  return lines.join('\n')
}

/** The To: line: the abuse mailbox, or why there is none and where to look. */
function addressee (key: string, contact: AbuseContact): string {
  const where = `look up ${key} at ${RDAP_BOOTSTRAP_URL}/ip/${key}`
  const error = contact.error === null ? '' : escapeControls(contact.error)
  switch (contact.status) {
    case 'found':
      return `To: ${escapeControls(contact.email ?? '')}`
    case 'none':
      return `To: (the registry names no abuse contact for ${escapeControls(contact.network ?? key)}; see ${escapeControls(contact.url ?? `${RDAP_BOOTSTRAP_URL}/ip/${key}`)})`
    case 'private':
      return `To: (no abuse contact: ${error === '' ? `${key} is a special-purpose address` : error})`
    case 'failed':
      return `To: (abuse contact lookup failed: ${error}; ${where})`
    case 'not looked up':
      return `To: (abuse contact not looked up: ${error === '' ? 'run with --lookup' : error}, or ${where})`
  }
}

/** One evidence request: its time and status, then the log line as it was written (controls escaped). */
function evidenceLines (group: AttackGroup): string {
  return group.evidence.map((e) => {
    const status = e.status === null ? 'no status' : `status ${e.status}`
    return `${e.time === null ? 'time not logged' : escapeControls(e.time.text)} (${status})\n${escapeControls(e.line)}`
  }).join('\n\n')
}

/**
 * The draft abuse report for a source: subject, addressee, what was seen and when, how much was blocked,
 * the evidence lines verbatim, and a request to investigate. Throws for a group of a site: an abuse report
 * goes to the network of a source address.
 */
export function abuseDraft (group: AttackGroup, contact: AbuseContact, context: DraftContext): AbuseDraft {
  if (group.by !== 'source') throw new Error(`abuseDraft: group ${quote(group.key)} is the attacks on a site; an abuse report is about a source address`)
  const key = escapeControls(group.key)
  const subject = `Abuse report: ${plural(group.attacks, 'attack attempt')} from ${key}${kindIds(group.kinds)}`
  const sites = group.sites.map(escapeControls)
  let seen = `Our web servers received ${plural(group.attacks, 'attack attempt')} from ${key} ${period(group.first, group.last)}`
  seen += sites.length === 0 ? '.' : `, against ${plural(sites.length, 'site')}: ${sites.join(', ')}.`
  if (contact.network !== null) {
    const range = contact.range === null ? '' : `, range ${escapeControls(contact.range)}`
    seen += ` The registry's RDAP data places this address in network ${escapeControls(contact.network)}${range}.`
  }
  const left = group.attacks - group.evidence.length
  const parts = [
    `${addressee(key, contact)}\nSubject: ${subject}`,
    'Hello,',
    wrap(seen),
    `What was seen:\n${kindLines(group.kinds)}`,
    wrap(outcomeSentence(group.attacks, group.blocked, group.notBlocked)),
    wrap('The log lines, as our server wrote them (each after its time, with its UTC offset):'),
    evidenceLines(group)
  ]
  if (left > 0) parts.push(wrap(`(${plural(left, 'more attack request')} from this address ${left === 1 ? 'is' : 'are'} not listed here.)`))
  parts.push(
    wrap('Please investigate: the machine at this address may be compromised, or its user may be attacking other sites. ' +
      'We would be glad to hear what you find.'),
    closing(context)
  )
  return { source: group.key, attacks: group.attacks, contact, subject, text: parts.join('\n\n') + '\n' }
}

/**
 * The notice to the owner of a site attacked by several sources, or by many attacks when the log carries no
 * client address: what was tried and when, the paths to review, and whether the attacks got through.
 */
export function siteNotice (site: Omit<SiteReport, 'notice'>, reached: SiteTargets, context: DraftContext): string {
  const name = escapeControls(site.site)
  const from = site.sources === null
    ? ' (the log lines carry no client address, so their sources are not known)'
    : ` from ${plural(site.sources, 'different source')}`
  const paths = reached.paths.slice(0, MAX_PATHS).map((p) => `${escapeControls(p.value)} (${plural(p.count, 'attack')})`)
  const review = paths.length === 0
    ? 'Please review the applications these requests reached'
    : `Please review the applications these requests reached (e.g. the paths ${paths.join(', ')})`
  let blocked = 0
  let notBlocked = 0
  for (const o of reached.outcomes) {
    if (o.verdict === 'blocked') blocked += o.count
    else if (o.verdict === 'not blocked') notBlocked += o.count
  }
  const statuses = reached.outcomes.map((o) => `  - ${escapeControls(o.meaning)} (${plural(o.count, 'request')})`)
  return [
    `Subject: Attacks against ${name}: ${plural(site.attacks, 'attack attempt')}${kindIds(site.kinds)}`,
    'Hello,',
    wrap(`${name} received ${plural(site.attacks, 'request')} that tried to attack it ${period(site.first, site.last)}${from}.`),
    `What was tried:\n${kindLines(site.kinds)}`,
    wrap('Attacks in such numbers against one site often mean that someone knows, or believes, that an application ' +
      `on it is vulnerable. ${review}, check them for the kinds of attack above, and keep them up to date.`),
    ['Did they get through?', ...statuses].join('\n'),
    wrap(outcomeSentence(site.attacks, blocked, notBlocked)),
    closing(context)
  ].join('\n\n') + '\n'
}
