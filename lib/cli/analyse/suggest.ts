/**
 * Suggested rules in the plugin's rules-file format (README, "Respond"). Every block rule is in mode
 * `monitor`, seed 004's order: watch what a rule would refuse, then enforce it. Each comes with the evidence
 * it rests on, for a person to review.
 */
import { isIP } from 'node:net'
import type { AttackGroup, TrafficRow } from '../report.js'
import { readSourceAddress } from '../abuse/special-addresses.js'
import { validateRules } from '../../respond/rules.js'
import type { Rule, RuleMatch } from '../../respond/types.js'

export interface Suggested {
  readonly rule: Rule
  readonly why: string
}

/** Requests and attack requests seen with one value (a client family, a fingerprint). */
export interface Seen {
  readonly value: string
  readonly requests: number
  readonly attacks: number
  /** Distinct sources. */
  readonly sources: number
}

export interface SuggestInput {
  threshold: number
  /** All requests read. */
  requests: number
  /** Attack groups by source. */
  groups: readonly AttackGroup[]
  /** Client families that ua-parser-js does not know as browsers: tools and libraries. */
  tools: readonly Seen[]
  ja4: readonly Seen[]
  ja3: readonly Seen[]
  /** Sources with most requests. */
  sources: readonly TrafficRow[]
}

// A value whose requests are at least this share of attacks is an attacker's tool or fingerprint.
const ATTACK_SHARE = 0.9
// Values listed in one rule at most.
const MAX_VALUES = 1000
// A source with this share of all requests (and at least MIN_CLEAN requests) and no attack is a regular client.
const CLEAN_SHARE = 0.01
const MIN_CLEAN = 100

/**
 * Whether `value` is one the plugin accepts in `field`: values come from the logs, and a forged record may
 * hold anything where a JA4 should be.
 */
function accepted (field: keyof RuleMatch, value: string): boolean {
  try {
    validateRules([{ id: 'x', action: 'block', match: { [field]: value } }], 'value')
    return true
  } catch {
    return false
  }
}

/** Values whose requests were mostly attacks, from at least `minSources` sources (or from lines without addresses). */
function attackers (seen: readonly Seen[], threshold: number, minSources: number): Seen[] {
  return seen.filter((s) => s.attacks >= threshold && s.attacks >= ATTACK_SHARE * s.requests && (s.sources >= minSources || s.sources === 0))
    .slice(0, MAX_VALUES)
}

/** An address or a /64 key; records written with option `ip: 'hmac'` or `'truncate'` hold other values. */
function isAddress (key: string): boolean {
  const slash = key.indexOf('/')
  return isIP(slash === -1 ? key : key.slice(0, slash)) !== 0
}

function isSpecial (key: string): boolean {
  return readSourceAddress(key).kind !== 'public'
}

function kindList (groups: readonly AttackGroup[]): string {
  const kinds = new Set<string>()
  for (const g of groups) for (const k of g.kinds) kinds.add(k.value)
  return [...kinds].join(', ')
}

function share (s: Seen): string {
  return `${s.attacks} of ${s.requests} requests were attacks, from ${s.sources} source${s.sources === 1 ? '' : 's'}`
}

export function suggestRules (input: SuggestInput): Suggested[] {
  const out: Suggested[] = []
  const over = input.groups.filter((g) => g.by === 'source' && g.attacks >= input.threshold && isAddress(g.key))
  // Loopback and private addresses in a log are usually the server's own proxies: blocking one blocks everyone.
  const sources = over.filter((g) => !isSpecial(g.key)).slice(0, MAX_VALUES)
  const special = over.length - sources.length
  const left = special === 0 ? '' : `; ${special} special-purpose address${special === 1 ? '' : 'es'} (loopback, private) left out: they are usually your own proxies`
  if (sources.length > 0) {
    out.push({
      rule: { id: 'attack-sources', action: 'block', mode: 'monitor', match: { ip: sources.map((g) => g.key) } },
      why: `${sources.length} source${sources.length === 1 ? '' : 's'} with at least ${input.threshold} attack requests each (${kindList(sources)}); see the abuse-report drafts${left}`
    })
  }
  // `Mozilla` is the compatibility token every browser-like User-Agent starts with, not a tool's name.
  const tools = attackers(input.tools, input.threshold, 2).filter((s) => s.value.toLowerCase() !== 'mozilla' && accepted('uaFamily', s.value))
  for (const tool of tools) {
    out.push({
      rule: { id: `tool-${tool.value.replace(/[^\w.:-]/g, '_').slice(0, 59)}`, action: 'block', mode: 'monitor', match: { uaFamily: tool.value } },
      why: `User-Agent ${tool.value}: ${share(tool)}`
    })
  }
  const ja4 = attackers(input.ja4, input.threshold, 2).filter((s) => accepted('ja4', s.value))
  if (ja4.length > 0) {
    out.push({
      rule: { id: 'attack-ja4', action: 'block', mode: 'monitor', match: { ja4: ja4.map((s) => s.value) } },
      why: ja4.map((s) => `${s.value}: ${share(s)}`).join('; ')
    })
  }
  const ja3 = attackers(input.ja3, input.threshold, 2).filter((s) => accepted('ja3', s.value))
  if (ja3.length > 0) {
    out.push({
      rule: { id: 'attack-ja3', action: 'block', mode: 'monitor', match: { ja3: ja3.map((s) => s.value) } },
      why: ja3.map((s) => `${s.value}: ${share(s)}`).join('; ')
    })
  }
  const clean = input.sources.filter((s) => isAddress(s.key) && !isSpecial(s.key) && s.attacks === 0 && s.requests >= MIN_CLEAN && s.requests >= CLEAN_SHARE * input.requests)
  if (clean.length > 0) {
    out.push({
      rule: { id: 'regular-sources', action: 'allow', match: { ip: clean.map((s) => s.key) } },
      why: `${clean.map((s) => `${s.key} (${s.requests} requests)`).join(', ')}: many requests and no attack. ` +
        'An allow rule wins over every block, ban and rate limit: keep only addresses you know (your office, your monitoring)'
    })
  }
  return out
}
