import type { ThreatKind } from '../detect/types.js'
import { md5Hex } from '../fingerprint/hash.js'
import { isJa3String } from '../fingerprint/proxy-headers.js'
import { clientOf } from '../fingerprint/user-agent.js'
import type { RequestInfo } from '../request-info.js'
import { parseDuration } from './duration.js'
import { createIpSet, parseIpEntry, quote } from './ip-set.js'
import type { Geo, GeoLookup, Mode, Rule, RuleAction, RuleMatch } from './types.js'

/** A rule ready to act: what `RuleSet.allow` and `RuleSet.deny` return. */
export interface CompiledRule {
  readonly id: string
  readonly action: RuleAction
  /** The rule's mode, else option `respond.mode`; an allow rule has the option's (it lets the request through either way). */
  readonly mode: Mode
  /** Ban length of a ban rule, ms: its `ttl`, else option `respond.ban.ttl`; 0 for allow and block rules. */
  readonly ttl: number
}

/** Rules compiled for matching requests. */
export interface RuleSet {
  /** The first allow rule that matches `info`. */
  allow (info: RequestInfo): CompiledRule | undefined
  /**
   * The first block or ban rule that matches `info` in mode `block`; failing that, the first that matches in
   * mode `monitor`, so a monitored rule never hides a later enforcing one.
   */
  deny (info: RequestInfo): CompiledRule | undefined
  /** Some rule matches on `threat` or `threatScore`: detection must run before the rules. */
  readonly usesThreats: boolean
  /** Which geo lookups some rule needs. */
  readonly usesGeo: { readonly country: boolean, readonly asn: boolean }
  /** Number of rules. */
  readonly size: number
}

/** What compileRules needs from the options. */
export interface RuleSettings {
  /** Option `respond.mode`: the mode of rules without their own. */
  mode: Mode
  /** Option `respond.ban.ttl`, ms: the ban length of ban rules without their own. */
  banTtl: number
  /** Lookup of option `respond.geoip`; rules on `country` or `asn` need it. */
  geo: GeoLookup | undefined
}

// Every kind, checked against ThreatKind by the compiler: a kind added there must be added here.
const THREAT_KINDS: Readonly<Record<ThreatKind, true>> = {
  sqli: true, xss: true, lfi: true, rfi: true, rce: true, php: true, java: true, scanner: true, 'script-client': true,
  'sensitive-file': true, 'web-shell': true, ssrf: true, 'prototype-pollution': true, nosql: true, impersonation: true
}
const RULE_KEYS = ['id', 'action', 'match', 'mode', 'ttl']
const ACTIONS: readonly RuleAction[] = ['allow', 'block', 'ban']
const MODES: readonly Mode[] = ['monitor', 'block']
const ID = /^[\w.:-]{1,64}$/
const MD5 = /^[0-9a-f]{32}$/i
// JA4 as lib/fingerprint/proxy-headers.ts reads it: part a (protocol, version, SNI flag, counts, ALPN), two hashes.
const JA4 = /^[tqd][0-9a-z]{2}[di][0-9]{4}[0-9A-Za-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/
// RFC 9110, section 5.6.2: a method is a token.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const VERSION = /^\s*(<=|>=|<|>|=)?\s*([0-9]{1,9})\s*$/
const MAX_ASN = 4294967295

type Check = (value: unknown, where: string) => unknown

/** A check that `value` is a non-empty string passing `valid`; `what` says what it should be. */
const text = (valid: (value: string) => boolean, what: string): Check => (value, where) =>
  typeof value === 'string' && value.length > 0 && valid(value) ? value : fail(where, `${quote(value)} is not ${what}`)

/** Fields that take one value or a list of them: the check of one value. */
const LIST_FIELDS: Readonly<Record<string, Check>> = {
  ip: (value, where) => { parseIpEntry(value, where); return value },
  ja3: text((v) => MD5.test(v) || isJa3String(v), 'a JA3 hash (32 hex digits) or JA3 string'),
  ja4: text((v) => JA4.test(v), 'a JA4 fingerprint (t13d1516h2_8daaf6152771_b0da82dd1658)'),
  uaFamily: text((v) => v.length <= 128, 'a browser name (Chrome, Firefox, …)'),
  hoh: text((v) => /^[0-9a-f]{16}$/i.test(v), 'a header-order hash (16 hex digits)'),
  path: text((v) => v.startsWith('/'), "a path prefix starting with '/'"),
  method: text((v) => TOKEN.test(v), 'an HTTP method'),
  country: text((v) => /^[A-Za-z]{2}$/.test(v), 'an ISO 3166-1 alpha-2 country code (DE, US, …)'),
  asn: (value, where) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ASN
    ? value
    : fail(where, `${quote(value)} is not an autonomous system number (an integer from 1 to ${MAX_ASN})`),
  threat: text((v) => Object.hasOwn(THREAT_KINDS, v), `a threat kind (${Object.keys(THREAT_KINDS).join(', ')})`)
}
const MATCH_KEYS: ReadonlyArray<keyof RuleMatch> = ['ip', 'ja3', 'ja4', 'uaFamily', 'uaVersion', 'hoh', 'path', 'method', 'country', 'asn', 'threat', 'threatScore']

type Fail = (where: string, message: string) => never
const fail: Fail = (where, message) => { throw new Error(`${where}: ${message}`) }

function own (o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined
}

/** `value` as a plain object with only `known` keys (`__proto__` and `constructor` are unknown keys too). */
function objectOf (value: unknown, where: string, known: readonly string[], shape: string): Record<string, unknown> {
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined
  if (Array.isArray(value) || (proto !== Object.prototype && proto !== null)) fail(where, `must be ${shape}; got ${quote(value)}`)
  for (const key of Object.keys(value as object)) {
    if (!known.includes(key)) fail(where, `unknown key ${quote(key)}; known keys are ${known.join(', ')}`)
  }
  return value as Record<string, unknown>
}

/** One value, or a non-empty list of values, each passing `check`. */
function oneOrMore (value: unknown, where: string, check: Check): unknown {
  if (!Array.isArray(value)) return check(value, where)
  if (value.length === 0) fail(where, 'is an empty list, which would never match; remove the field or give values')
  return Array.from(value, (v, i) => check(v, `${where}[${i}]`))
}

function matchOf (value: unknown, where: string): RuleMatch {
  const o = objectOf(value, where, MATCH_KEYS, `an object of ${MATCH_KEYS.join(', ')}`)
  const keys = Object.keys(o)
  if (keys.length === 0) fail(where, 'is empty, so the rule would match every request; give at least one field')
  const match: Record<string, unknown> = {}
  for (const key of keys) {
    const v = o[key]
    const at = `${where}.${key}`
    if (key === 'uaVersion') {
      if (typeof v !== 'string' || !VERSION.test(v)) fail(at, `${quote(v)} is not a version comparison ('<120', '<=119', '>=120', '>120', '=120' or '120')`)
      match[key] = v
    } else if (key === 'threatScore') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(at, `${quote(v)} is not a score above 0 (0 would match every request)`)
      match[key] = v
    } else {
      match[key] = oneOrMore(v, at, LIST_FIELDS[key])
    }
  }
  return match as RuleMatch
}

function ruleOf (value: unknown, where: string): Rule {
  const o = objectOf(value, where, RULE_KEYS, 'an object { id, action, match, mode?, ttl? }')
  const id = own(o, 'id')
  if (typeof id !== 'string' || !ID.test(id)) fail(`${where}.id`, `${quote(id)} is not a rule id (1 to 64 letters, digits, '_', '-', '.' or ':')`)
  const action = own(o, 'action') as RuleAction
  if (!ACTIONS.includes(action)) fail(`${where}.action`, `must be 'allow', 'block' or 'ban'; got ${quote(action)}`)
  if (!Object.hasOwn(o, 'match')) fail(where, 'has no match (what requests the rule applies to)')
  const rule: Rule = { id, action, match: matchOf(o.match, `${where}.match`) }
  const mode = own(o, 'mode')
  if (mode !== undefined) {
    if (action === 'allow') fail(`${where}.mode`, 'an allow rule has no mode: it lets the request through in either mode')
    if (!MODES.includes(mode as Mode)) fail(`${where}.mode`, `must be 'monitor' or 'block'; got ${quote(mode)}`)
    rule.mode = mode as Mode
  }
  const ttl = own(o, 'ttl')
  if (ttl !== undefined) {
    if (action !== 'ban') fail(`${where}.ttl`, 'only ban rules have a ttl')
    if (parseDuration(ttl as string, `${where}.ttl`) === 0) fail(`${where}.ttl`, 'a ban of 0 ms would end at once')
    rule.ttl = ttl as number | string
  }
  return rule
}

/**
 * Checks rules from the options or a rules file: an array of rules, or an object `{ rules: [...] }` as a
 * file holds. Unknown keys anywhere are errors, so a misspelt field cannot silently widen or disable a
 * security rule. Returns fresh copies; throws an error naming the rule and field (`${where}[2].match.ip: …`).
 */
export function validateRules (input: unknown, where: string): Rule[] {
  let list = input
  let base = where
  if (!Array.isArray(input)) {
    const o = objectOf(input, where, ['rules'], 'a list of rules or an object { rules: [...] }')
    list = own(o, 'rules')
    base = `${where}: rules`
    if (!Array.isArray(list)) fail(base, `must be a list of rules; got ${quote(list)}`)
  }
  const ids = new Map<string, number>()
  return Array.from(list as unknown[], (value, i) => {
    const rule = ruleOf(value, `${base}[${i}]`)
    const earlier = ids.get(rule.id)
    if (earlier !== undefined) fail(`${base}[${i}].id`, `${quote(rule.id)} is the id of an earlier rule (${base}[${earlier}])`)
    ids.set(rule.id, i)
    return rule
  })
}

type Test = (info: RequestInfo) => boolean

interface Compiled {
  rule: CompiledRule
  tests: Test[]
}

const listOf = <T> (value: T | T[]): T[] => Array.isArray(value) ? value : [value]

/**
 * Compiles validated rules. Fields are tested cheapest first and a rule stops at its first failing field, so
 * the geo database is only read for a request that matched every other field of a country or ASN rule, and
 * at most once per `allow` or `deny` call. Throws when two rules share an id, or a rule matches on country
 * or ASN without option `respond.geoip`.
 */
export function compileRules (rules: readonly Rule[], settings: RuleSettings): RuleSet {
  // The geo record of the request being matched, looked up at most once per call.
  let geo: Geo = { country: undefined, asn: undefined }
  let geoOf: RequestInfo | undefined
  const lookup = (info: RequestInfo): Geo => {
    if (geoOf !== info) {
      geo = (settings.geo as GeoLookup)(info.realIp)
      geoOf = info
    }
    return geo
  }
  const usesGeo = { country: false, asn: false }
  let usesThreats = false
  const ids = new Set<string>()

  const compile = (rule: Rule): Compiled => {
    if (ids.has(rule.id)) throw new Error(`two rules have the id ${quote(rule.id)}; ids name rules in requestInfo.decision and must be unique`)
    ids.add(rule.id)
    const m = rule.match
    const tests: Test[] = []
    if (m.method !== undefined) {
      const methods = new Set(listOf(m.method).map((v) => v.toUpperCase()))
      tests.push((info) => methods.has(info.method) || methods.has(info.method.toUpperCase()))
    }
    if (m.path !== undefined) {
      const prefixes = listOf(m.path)
      tests.push((info) => {
        for (let i = 0; i < prefixes.length; i++) if (info.path.startsWith(prefixes[i])) return true
        return false
      })
    }
    if (m.ip !== undefined) {
      const ips = createIpSet(listOf(m.ip), `rule ${quote(rule.id)} match.ip`)
      tests.push((info) => ips.has(info.realIp))
    }
    if (m.ja3 !== undefined) {
      // A JA3 string is compared through its MD5: `sslh` is known whenever `ssl` is, and also when a proxy
      // sent only the hash.
      const hashes = new Set(listOf(m.ja3).map((v) => MD5.test(v) ? v.toLowerCase() : md5Hex(v)))
      tests.push((info) => info.sslh !== undefined && hashes.has(info.sslh))
    }
    if (m.ja4 !== undefined) {
      const values = new Set(listOf(m.ja4))
      tests.push((info) => info.ja4 !== undefined && values.has(info.ja4))
    }
    if (m.hoh !== undefined) {
      const values = new Set(listOf(m.hoh).map((v) => v.toLowerCase()))
      tests.push((info) => values.has(info.hoh))
    }
    if (m.uaFamily !== undefined) {
      const written = new Set(listOf(m.uaFamily))
      const lower = new Set(listOf(m.uaFamily).map((v) => v.toLowerCase()))
      tests.push((info) => {
        const name = uaFamilyOf(info)
        return name !== undefined && (written.has(name) || lower.has(name.toLowerCase()))
      })
    }
    if (m.uaVersion !== undefined) tests.push(versionTest(m.uaVersion))
    if (m.threatScore !== undefined) {
      const score = m.threatScore
      tests.push((info) => info.threatScore >= score)
    }
    if (m.threat !== undefined) {
      const kinds = new Set<string>(listOf(m.threat))
      tests.push((info) => {
        const threats = info.threats
        for (let i = 0; i < threats.length; i++) if (kinds.has(threats[i].kind)) return true
        return false
      })
    }
    usesThreats ||= m.threat !== undefined || m.threatScore !== undefined
    for (const field of ['country', 'asn'] as const) {
      const values = m[field]
      if (values === undefined) continue
      if (settings.geo === undefined) throw new Error(`rule ${quote(rule.id)} matches on ${field}, which needs option respond.geoip (${field === 'asn' ? 'an ASN' : 'a country'} database)`)
      usesGeo[field] = true
      // Geo gives country codes in upper case.
      const wanted = new Set(listOf<string | number>(values).map((v) => typeof v === 'string' ? v.toUpperCase() : v))
      tests.push((info) => { const value = lookup(info)[field]; return value !== undefined && wanted.has(value) })
    }
    const mode = rule.action === 'allow' ? settings.mode : rule.mode ?? settings.mode
    const ttl = rule.action !== 'ban' ? 0 : rule.ttl === undefined ? settings.banTtl : parseDuration(rule.ttl, `rule ${quote(rule.id)} ttl`)
    return { rule: Object.freeze({ id: rule.id, action: rule.action, mode, ttl }), tests }
  }

  const compiled = rules.map(compile)
  const allows = compiled.filter((c) => c.rule.action === 'allow')
  const denies = compiled.filter((c) => c.rule.action !== 'allow')
  const matches = (c: Compiled, info: RequestInfo): boolean => {
    const tests = c.tests
    for (let i = 0; i < tests.length; i++) if (!tests[i](info)) return false
    return true
  }
  // Each call looks up afresh: the cache never outlives the call that filled it.
  const start = (): void => { geoOf = undefined }

  return {
    allow (info) {
      if (allows.length === 0) return undefined
      start()
      for (let i = 0; i < allows.length; i++) if (matches(allows[i], info)) return allows[i].rule
      return undefined
    },
    deny (info) {
      if (denies.length === 0) return undefined
      start()
      let monitored: CompiledRule | undefined
      for (let i = 0; i < denies.length; i++) {
        const c = denies[i]
        if ((monitored === undefined || c.rule.mode === 'block') && matches(c, info)) {
          if (c.rule.mode === 'block') return c.rule
          monitored = c.rule
        }
      }
      return monitored
    },
    usesThreats,
    usesGeo: Object.freeze(usesGeo),
    size: compiled.length
  }
}

/** The test of `uaVersion`: the browser's major version compared with the rule's number. */
function versionTest (comparison: string): Test {
  const [, operator = '=', digits] = VERSION.exec(comparison) as RegExpExecArray
  const n = Number(digits)
  const compare: (v: number) => boolean = operator === '<' ? (v) => v < n : operator === '<=' ? (v) => v <= n
    : operator === '>' ? (v) => v > n : operator === '>=' ? (v) => v >= n : (v) => v === n
  return (info) => {
    const major = clientOf(info.ua, info.uai?.browser).major
    // ua-parser-js keeps only digits in `major`; an empty one is an unknown version.
    if (major === undefined || major === '') return false
    const v = Number(major)
    return Number.isInteger(v) && compare(v)
  }
}

/** The client family of `uaFamily` rules (see `clientOf`). */
export function uaFamilyOf (info: RequestInfo): string | undefined {
  return clientOf(info.ua, info.uai?.browser).family
}
