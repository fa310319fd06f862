/**
 * What a line says on its own, before the tables count it: the plugin's detectors on its URL, User-Agent and
 * Referer, the client its User-Agent names and the key its address is counted under. Every result is a pure
 * function of one value, and the same values come back line after line, so each is worked out once and kept
 * (see Memo). No state carries from one line to the next: lines can be derived on another thread.
 */
import { fnv1a } from '../../detect/behaviour/bucket.js'
import { sourceKey } from '../../detect/behaviour/source-key.js'
import { createDetection, threatScore } from '../../detect/index.js'
import type { Paranoia, Threat } from '../../detect/types.js'
import { loadHash64 } from '../../fingerprint/hash.js'
import { MAX_CACHED_LENGTH } from '../../fingerprint/memo.js'
import { clientOf, createUserAgentFingerprinter } from '../../fingerprint/user-agent.js'
import type { Entry } from '../entry.js'
import { Memo } from '../memo.js'
import { NONE, type Request } from './request.js'

/** CRS's inbound anomaly threshold, as the plugin's `detect.threshold` default: one critical finding. */
export const ATTACK_SCORE = 5
// Values kept per generation of each Memo, and the longest value kept: longer ones are worked out each time.
// 8192 URLs hold the paths a site serves over and over while one-off URLs (click ids) pass through.
const URL_MEMO = 8192
const URL_MEMO_LENGTH = 512
const HEADER_MEMO = 4096
const REFERER_MEMO_LENGTH = 512
const SOURCE_MEMO = 4096
const SOURCE_MEMO_LENGTH = 100

interface Client {
  readonly family: string | undefined
  readonly major: string | undefined
  readonly tool: boolean
}

interface UserAgentInfo {
  readonly client: Client
  readonly threats: readonly Threat[]
}

const NO_CLIENT: Client = { family: undefined, major: undefined, tool: false }

/** A request is an attack from the attack score on, with a finding other than the script-client hint (as the plugin counts it). */
export function isAttack (threats: readonly Threat[]): boolean {
  return threatScore(threats) >= ATTACK_SCORE && threats.some((t) => t.kind !== 'script-client')
}

export type Derive = (entry: Entry) => Request

export async function createDerive (paranoia: Paranoia): Promise<Derive> {
  const detection = createDetection({ paranoia, disable: [], bodyLimit: 65536, userAgentCacheSize: 4096 })
  const userAgents = createUserAgentFingerprinter(4096, await loadHash64())
  const urlFindings = new Memo<readonly Threat[]>(URL_MEMO, URL_MEMO_LENGTH)
  const userAgentInfos = new Memo<UserAgentInfo>(HEADER_MEMO, MAX_CACHED_LENGTH)
  const refererFindings = new Memo<readonly Threat[]>(HEADER_MEMO, REFERER_MEMO_LENGTH)
  const sourceKeys = new Memo<string>(SOURCE_MEMO, SOURCE_MEMO_LENGTH)

  function urlThreats (url: string): readonly Threat[] {
    let found = urlFindings.get(url)
    if (found === undefined) {
      found = Object.freeze(detection.request({ url, headers: {} }))
      urlFindings.set(url, found)
    }
    return found
  }

  /** What a User-Agent says: the client it names, and the detectors' findings in it. */
  function userAgentOf (ua: string): UserAgentInfo {
    let info = userAgentInfos.get(ua)
    if (info === undefined) {
      const browser = userAgents(ua).uai.browser
      const { family, major } = clientOf(ua, browser)
      // A family ua-parser-js does not name is a tool or library's product token.
      const client = { family, major, tool: family !== undefined && browser?.name === undefined }
      info = { client, threats: Object.freeze(detection.request({ url: '', headers: { 'user-agent': ua } })) }
      userAgentInfos.set(ua, info)
    }
    return info
  }

  function refererThreats (referer: string): readonly Threat[] {
    let found = refererFindings.get(referer)
    if (found === undefined) {
      found = Object.freeze(detection.request({ url: '', headers: { referer } }))
      refererFindings.set(referer, found)
    }
    return found
  }

  /**
   * The plugin's findings in what the line carries, with those the record already had (cookies, bodies). The
   * detectors read each header value on its own and keep a rule's first finding in a request, so the
   * findings of the URL, the User-Agent and the Referer, each worked out once per distinct value, are merged
   * in that order, a rule's first finding kept.
   */
  function findingsOf (entry: Entry, fromUa: readonly Threat[]): readonly Threat[] {
    const out = urlThreats(entry.url)
    const fromReferer = entry.referer === undefined ? NONE : refererThreats(entry.referer)
    const recorded = entry.threats ?? NONE
    // Most lines have no finding in their headers nor in their record: nothing to merge.
    if (fromUa.length === 0 && fromReferer.length === 0 && recorded.length === 0) return out
    const merged = [...out]
    const rules = new Set(out.map((t) => t.rule))
    for (const list of [fromUa, fromReferer, recorded]) {
      for (const t of list) {
        if (!rules.has(t.rule)) {
          rules.add(t.rule)
          merged.push(t)
        }
      }
    }
    return merged
  }

  function keyOf (source: string): string {
    let key = sourceKeys.get(source)
    if (key === undefined) {
      key = sourceKey(source)
      sourceKeys.set(source, key)
    }
    return key
  }

  return function derive (entry) {
    const key = entry.source === undefined ? undefined : keyOf(entry.source)
    const ua = entry.ua === undefined ? undefined : userAgentOf(entry.ua)
    const threats = findingsOf(entry, ua === undefined ? NONE : ua.threats)
    const attack = isAttack(threats)
    const client = entry.browser !== undefined
      ? { family: entry.browser, major: entry.browserMajor, tool: false }
      : ua === undefined ? NO_CLIENT : ua.client
    return {
      time: entry.time,
      offset: entry.offset,
      source: entry.source,
      key,
      keyHash: key === undefined ? 0 : fnv1a(key) & 0x3fffffff,
      site: entry.site,
      method: entry.method,
      url: entry.url,
      status: entry.status,
      reqId: entry.reqId,
      decision: entry.decision,
      ja3: entry.ja3,
      ja4: entry.ja4,
      hoh: entry.hoh,
      ho: entry.ho,
      h2: entry.h2,
      family: client.family,
      major: client.major,
      tool: client.tool,
      threats,
      attack,
      line: attack ? entry.line : undefined
    }
  }
}
