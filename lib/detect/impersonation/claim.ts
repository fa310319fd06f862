import { UAParser } from 'ua-parser-js'
import { Lru } from 'toad-cache'
import type { UserAgentInfo } from '../../fingerprint/user-agent.js'
import { BROWSERS, SCRIPTS, type BrowserProfile } from './profiles.js'

/** What a User-Agent says the client is. */
export interface Claim {
  /** Learned family: the browser's name (`Chrome`, `Edge`, `Firefox`) or a script client's label. */
  readonly family: string
  /** Browser and major version as written in findings, e.g. `Chrome 131`. */
  readonly label: string
  /** The engine profile of a browser claim; undefined for a script client or an engine without profile. */
  readonly profile: BrowserProfile | undefined
  /** Whether it claims to be a browser (a script client's own User-Agent does not). */
  readonly browser: boolean
  /** Distinct per (engine, label): part of the result cache key. */
  readonly key: string
}

// Engines ua-parser-js reports for browsers; those without a profile still claim a browser.
const BROWSER_ENGINES = new Set(['Blink', 'Gecko', 'WebKit', 'Trident', 'EdgeHTML', 'Presto', 'Goanna'])
// A crawler that names itself (Googlebot's smartphone User-Agent parses as Chrome) is not impersonating.
const SELF_NAMED = /bot\b|bot\/|crawl|spider|slurp|https?:\/\//i
// ua-parser-js reads at most this much; the crawler test reads no more either.
const UA_LENGTH = 500

/** The claim of a User-Agent and its parse; undefined when it claims no known kind of client. */
export function claimOf (ua: string, uai: UserAgentInfo): Claim | undefined {
  const name = uai.browser.name
  const engine = uai.engine.name
  if (name !== undefined && engine !== undefined && BROWSER_ENGINES.has(engine)) {
    if (SELF_NAMED.test(ua.length > UA_LENGTH ? ua.slice(0, UA_LENGTH) : ua)) return undefined
    const label = uai.browser.major === undefined ? name : `${name} ${uai.browser.major}`
    const profile = BROWSERS.find((p) => p.uaEngines.includes(engine))
    return { family: name, label, profile, browser: true, key: `${engine}:${label}` }
  }
  for (const script of SCRIPTS) {
    for (const prefix of script.uaPrefixes) {
      if (ua.startsWith(prefix)) return { family: script.label, label: script.label, profile: undefined, browser: false, key: `script:${script.label}` }
    }
  }
  return undefined
}

/**
 * Claims cached per parse: the plugin's User-Agent fingerprinter shares one frozen parse per User-Agent, so
 * a WeakMap on it costs no string hashing. Without a parse (callers other than the plugin) the User-Agent
 * is parsed here and cached by its text.
 */
export function createClaims (cacheSize: number): (ua: string, uai: UserAgentInfo | undefined) => Claim | undefined {
  const byParse = new WeakMap<UserAgentInfo, Claim | null>()
  const byText = new Lru<Claim | null>(cacheSize)
  const parser = new UAParser()
  return function claim (ua, uai) {
    if (uai !== undefined) {
      let found = byParse.get(uai)
      if (found === undefined) {
        found = claimOf(ua, uai) ?? null
        byParse.set(uai, found)
      }
      return found ?? undefined
    }
    // ua-parser-js and claimOf read only the first UA_LENGTH characters: the claim is theirs.
    const read = ua.length > UA_LENGTH ? ua.slice(0, UA_LENGTH) : ua
    let found = byText.get(read)
    if (found === undefined) {
      found = claimOf(read, parser.setUA(read).getResult()) ?? null
      byText.set(read, found)
    }
    return found ?? undefined
  }
}
