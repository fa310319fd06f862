import { charClasses } from './chars.js'
import { decodeValue, decodedChars } from './decode.js'
import { DETECTORS } from './families.js'
import { Place, type Detector, type Inspected, type Paranoia, type Scope, type Threat } from './types.js'

export type { Detector, Inspected, Paranoia, Rule, Scope, Threat, ThreatKind } from './types.js'

/** What the detectors read of a request before its body. */
export interface RequestParts {
  /** The request-target as received: still percent-encoded. */
  readonly url: string
  /** Header names in lower case, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

export interface DetectionSettings {
  paranoia: Paranoia
  /** Rule ids switched off. */
  disable: readonly string[]
  /** Characters of a body inspected; the rest is not. */
  bodyLimit: number
  /** Distinct User-Agents whose findings are kept. */
  userAgentCacheSize: number
}

/** The detectors bound to settings: pure functions of the request parts they are given. */
export interface Detection {
  /** Findings in the URL and headers. */
  request (parts: RequestParts): Threat[]
  /**
   * Adds findings in a body: a parsed object (JSON, a parsed form), or a string (`text/*`, or a raw
   * `application/x-www-form-urlencoded` body). Returns false when the body was longer than `bodyLimit`
   * and only its first part was inspected.
   */
  body (body: unknown, contentType: string | undefined, out: Threat[]): boolean
}

// Longest parameter, header or cookie name kept in a finding's `where`.
const NAME_LENGTH = 64
// Nesting of a parsed body walked; deeper members are counted as not inspected.
const BODY_DEPTH = 32
// Parameters, cookies or body members inspected one by one; past these, the rest is inspected as one value
// named REST, so that a flood of tiny parameters costs one pass, not a value object each, and still hides nothing.
const MAX_VALUES = 256
const REST = '(rest)'
// Header values repeat from request to request (Accept, Accept-Language, client hints, a page's Referer, a
// session's Cookie), and their findings depend on the name and value alone: they are cached per header name
// for the first CACHED_NAMES names seen, up to CACHED_VALUES values each. Longer values are inspected each time.
const CACHED_NAMES = 64
const CACHED_VALUES = 256
const CACHED_LENGTH = 512

const FORWARDED = new Set(['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-server', 'x-real-ip', 'x-client-ip', 'true-client-ip'])
// Headers read elsewhere, or whose values are the protocol's own and never an argument.
const NOT_INSPECTED = new Set(['user-agent', 'referer', 'cookie', 'host', 'content-length', 'connection'])

/** The place of a header's values; 0 for headers that are not read. */
function placeOf (name: string): number {
  switch (name) {
    case 'user-agent': return Place.userAgent
    case 'referer': return Place.referer
    case 'cookie': return Place.cookie
  }
  if (FORWARDED.has(name)) return Place.forwarded
  // HTTP/2 pseudo-headers (`:path`) repeat what the URL gave.
  return NOT_INSPECTED.has(name) || name.charCodeAt(0) === 0x3a ? 0 : Place.otherHeader
}

/** Sum of the scores of `threats`. */
export function threatScore (threats: readonly Threat[]): number {
  let score = 0
  for (let i = 0; i < threats.length; i++) score += threats[i].score
  return score
}

export function createDetection (settings: DetectionSettings, detectors: readonly Detector[] = DETECTORS): Detection {
  const scope: Scope = { paranoia: settings.paranoia, disabled: new Set(settings.disable) }
  // Detectors per place bit, keeping only those with a rule that runs in this scope.
  const byPlace: Detector[][] = []
  for (let bit = 0; bit < 11; bit++) {
    byPlace.push(detectors.filter((d) => (d.places & (1 << bit)) !== 0 &&
      d.rules.some((r) => r.paranoia <= scope.paranoia && !scope.disabled.has(r.id))))
  }
  const userAgents = new FindingCache(settings.userAgentCacheSize)
  const headerCaches = new Map<string, FindingCache>()

  function inspect (place: number, name: string, raw: string, plusIsSpace: boolean, out: Threat[]): void {
    const list = byPlace[31 - Math.clz32(place)]
    if (list.length === 0 || raw.length === 0) return
    const other = place === Place.otherHeader
    const text = other ? raw.toLowerCase() : decodeValue(raw, plusIsSpace)
    const chars = other ? charClasses(text) : decodedChars()
    const value: Inspected = { place, name: name.length > NAME_LENGTH ? name.slice(0, NAME_LENGTH) : name, raw, text, chars }
    for (let i = 0; i < list.length; i++) {
      const d = list[i]
      if (d.triggers === 0 || (value.chars & d.triggers) !== 0) d.inspect(value, scope, out)
    }
  }

  /** `a=1&b=2` pairs: names (Place.queryName or bodyName) and values (Place.query or body). */
  function inspectPairs (pairs: string, namePlace: number, valuePlace: number, out: Threat[]): void {
    let start = 0
    for (let count = 0; start <= pairs.length; count++) {
      if (count === MAX_VALUES) {
        inspectRest(pairs.slice(start), namePlace, valuePlace, true, out)
        return
      }
      let end = pairs.indexOf('&', start)
      if (end === -1) end = pairs.length
      if (end > start) {
        const eq = pairs.indexOf('=', start)
        const rawName = eq === -1 || eq > end ? pairs.slice(start, end) : pairs.slice(start, eq)
        const name = decodeValue(rawName, true)
        inspect(namePlace, name, rawName, true, out)
        if (eq !== -1 && eq < end) inspect(valuePlace, name, pairs.slice(eq + 1, end), true, out)
      }
      start = end + 1
    }
  }

  /** What is left past MAX_VALUES, read both as names and as values. */
  function inspectRest (rest: string, namePlace: number, valuePlace: number, plusIsSpace: boolean, out: Threat[]): void {
    inspect(namePlace, REST, rest, plusIsSpace, out)
    inspect(valuePlace, REST, rest, plusIsSpace, out)
  }

  /** One header value: from the cache of its name when it was seen before. */
  function inspectHeader (place: number, name: string, value: string, out: Threat[]): void {
    let cache = place === Place.userAgent ? userAgents : headerCaches.get(name)
    if (cache === undefined && headerCaches.size < CACHED_NAMES) {
      cache = new FindingCache(CACHED_VALUES)
      headerCaches.set(name, cache)
    }
    if (cache === undefined || value.length > CACHED_LENGTH) {
      inspectHeaderValue(place, name, value, out)
      return
    }
    let found = cache.get(value)
    if (found === undefined) {
      const list: Threat[] = []
      inspectHeaderValue(place, name, value, list)
      found = Object.freeze(list.map((t) => Object.freeze(t)))
      cache.set(value, found)
    }
    for (let i = 0; i < found.length; i++) addOnce(out, found[i])
  }

  function inspectHeaderValue (place: number, name: string, value: string, out: Threat[]): void {
    if (place === Place.cookie) inspectCookies(value, out)
    else inspect(place, name, value, false, out)
  }

  function inspectCookies (header: string, out: Threat[]): void {
    const pairs = header.split(';', MAX_VALUES + 1)
    if (pairs.length > MAX_VALUES) {
      pairs.length = MAX_VALUES
      let at = -1
      for (let i = 0; i < MAX_VALUES; i++) at = header.indexOf(';', at + 1)
      inspect(Place.cookie, REST, header.slice(at + 1).trim(), false, out)
    }
    for (const pair of pairs) {
      const eq = pair.indexOf('=')
      const name = (eq === -1 ? '' : pair.slice(0, eq)).trim()
      const value = (eq === -1 ? pair : pair.slice(eq + 1)).trim()
      if (name !== '') inspect(Place.cookieName, name, name, false, out)
      inspect(Place.cookie, name, value, false, out)
    }
  }

  function request (parts: RequestParts): Threat[] {
    const out: Threat[] = []
    const url = parts.url
    const q = url.indexOf('?')
    inspect(Place.path, '', q === -1 ? url : url.slice(0, q), false, out)
    if (q !== -1) inspectPairs(url.slice(q + 1), Place.queryName, Place.query, out)
    const headers = parts.headers
    for (const name in headers) {
      const header = headers[name]
      if (header === undefined) continue
      const place = placeOf(name)
      if (place === 0) continue
      if (typeof header === 'string') inspectHeader(place, name, header, out)
      else for (let i = 0; i < header.length; i++) inspectHeader(place, name, header[i], out)
    }
    return out
  }

  function body (value: unknown, contentType: string | undefined, out: Threat[]): boolean {
    const budget: Budget = { left: settings.bodyLimit, values: 0, rest: [] }
    if (typeof value === 'string') {
      const whole = value.length <= budget.left
      const text = whole ? value : value.slice(0, budget.left)
      if (contentType !== undefined && contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        inspectPairs(text, Place.bodyName, Place.body, out)
      } else inspect(Place.body, '', text, false, out)
      return whole
    }
    if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return true
    const whole = walk(value, '', 0, budget, out)
    if (budget.rest.length > 0) inspectRest(budget.rest.join('\n'), Place.bodyName, Place.body, false, out)
    return whole
  }

  /** One member name or string value of a parsed body, or kept for the rest past MAX_VALUES. */
  function member (place: number, name: string, text: string, budget: Budget, out: Threat[]): void {
    if (budget.values++ < MAX_VALUES) inspect(place, name, text, false, out)
    else budget.rest.push(text)
  }

  /** Member names and string values of a parsed body, depth first, within the character budget. */
  function walk (node: object, name: string, depth: number, budget: Budget, out: Threat[]): boolean {
    if (depth > BODY_DEPTH) return false
    const isArray = Array.isArray(node)
    for (const key of Object.keys(node)) {
      if (budget.left <= 0) return false
      const path = isArray ? name : key
      if (!isArray) {
        budget.left -= key.length
        member(Place.bodyName, key, key, budget, out)
      }
      const child = (node as Record<string, unknown>)[key]
      if (typeof child === 'string') {
        const text = child.length <= budget.left ? child : child.slice(0, budget.left)
        budget.left -= child.length
        member(Place.body, path, text, budget, out)
      } else if (typeof child === 'object' && child !== null && !walk(child, path, depth + 1, budget, out)) return false
    }
    return budget.left >= 0
  }

  return { request, body }
}

/**
 * Findings by header value, emptied when full: a Map lookup is all a repeated value costs (an LRU's
 * bookkeeping on every hit cost more than the detectors it saves on short values), and a flood of new
 * values only costs their inspection again.
 */
class FindingCache {
  private readonly map = new Map<string, readonly Threat[]>()
  constructor (private readonly size: number) {}
  get (value: string): readonly Threat[] | undefined {
    return this.map.get(value)
  }

  set (value: string, found: readonly Threat[]): void {
    if (this.size === 0) return
    if (this.map.size >= this.size) this.map.clear()
    this.map.set(value, found)
  }
}

interface Budget {
  /** Characters of the body still to inspect. */
  left: number
  /** Names and values inspected so far. */
  values: number
  /** Names and values past MAX_VALUES, inspected together at the end. */
  rest: string[]
}

function addOnce (out: Threat[], threat: Threat): void {
  for (let i = 0; i < out.length; i++) if (out[i].rule === threat.rule) return
  out.push(threat)
}
