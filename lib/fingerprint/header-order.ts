/**
 * Header order: one character per request header, in the order the client sent them (`rawHeaders`).
 * Browsers and HTTP libraries each send their headers in a characteristic order, so a client that claims
 * to be Chrome but orders its headers like curl stands out.
 *
 * The table is versioned: a letter never changes meaning within a version, and a new version only appends.
 * README.md prints this table; test/header-order.test.ts checks that both agree.
 */
export const HEADER_ORDER_VERSION = 1

/** Letter of each known header (lowercase name), version 1. */
export const HEADER_LETTERS: Readonly<Record<string, string>> = Object.freeze({
  accept: 'a',
  'accept-charset': 'b',
  'accept-encoding': 'c',
  'accept-language': 'd',
  'access-control-request-headers': 'e',
  'access-control-request-method': 'f',
  authorization: 'g',
  'cache-control': 'h',
  connection: 'i',
  'content-encoding': 'j',
  'content-length': 'k',
  'content-type': 'l',
  cookie: 'm',
  dnt: 'n',
  expect: 'o',
  host: 'p',
  'if-match': 'q',
  'if-modified-since': 'r',
  'if-none-match': 's',
  'if-range': 't',
  'if-unmodified-since': 'u',
  'keep-alive': 'v',
  origin: 'w',
  pragma: 'x',
  priority: 'y',
  'proxy-authorization': 'z',
  range: 'A',
  referer: 'B',
  'sec-ch-ua': 'C',
  'sec-ch-ua-mobile': 'D',
  'sec-ch-ua-platform': 'E',
  'sec-fetch-dest': 'F',
  'sec-fetch-mode': 'G',
  'sec-fetch-site': 'H',
  'sec-fetch-user': 'I',
  'sec-gpc': 'J',
  'sec-purpose': 'K',
  'sec-websocket-extensions': 'L',
  'sec-websocket-key': 'M',
  'sec-websocket-protocol': 'N',
  'sec-websocket-version': 'O',
  te: 'P',
  'transfer-encoding': 'Q',
  upgrade: 'R',
  'upgrade-insecure-requests': 'S',
  'user-agent': 'T',
  'x-requested-with': 'U',
  purpose: 'V',
  'sec-ch-ua-arch': 'W',
  'sec-ch-ua-model': 'X',
  'sec-ch-ua-platform-version': 'Y',
  'sec-ch-ua-full-version-list': 'Z'
})

/** Character standing for a header that is not in the table. */
export const UNKNOWN_HEADER = '*'

/** Headers that proxies and CDNs add or rewrite: they say nothing about the client and stay out. */
export const PROXY_HEADERS: readonly string[] = Object.freeze([
  'forwarded', 'via', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cdn-loop', 'x-amzn-trace-id',
  'x-cloud-trace-context', 'x-request-start', 'fastly-client-ip'
])

/** Prefixes of header families that proxies and CDNs add. */
export const PROXY_HEADER_PREFIXES: readonly string[] = Object.freeze(['x-forwarded-', 'cf-', 'cloudfront-', 'x-envoy-'])

/** Builds the header-order string of one request from its `rawHeaders` (name, value, name, value …). */
export type HeaderOrder = (rawHeaders: readonly string[]) => string

/**
 * Returns a headerOrder function that also leaves out `excluded` (the configured fingerprint headers).
 * The lookup map holds each name in lowercase and in its usual Title-Case, so most headers are found
 * without lowercasing (a measured saving on the hot path, see reference/performance.md).
 */
export function createHeaderOrder (excluded: readonly string[] = []): HeaderOrder {
  const letters = new Map<string, string>()
  const add = (name: string, letter: string): void => {
    letters.set(name, letter)
    letters.set(name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()), letter)
  }
  for (const [name, letter] of Object.entries(HEADER_LETTERS)) add(name, letter)
  for (const name of [...PROXY_HEADERS, ...excluded]) add(name.toLowerCase(), '')

  function letterOf (name: string): string {
    const known = letters.get(name)
    if (known !== undefined) return known
    const lower = name.toLowerCase()
    const letter = letters.get(lower)
    if (letter !== undefined) return letter
    // HTTP/2 pseudo-headers belong to the HTTP/2 fingerprint, not to the header order.
    if (lower.charCodeAt(0) === 58) return ''
    for (let i = 0; i < PROXY_HEADER_PREFIXES.length; i++) {
      if (lower.startsWith(PROXY_HEADER_PREFIXES[i])) return ''
    }
    return UNKNOWN_HEADER
  }

  return function headerOrder (rawHeaders) {
    let order = ''
    for (let i = 0; i < rawHeaders.length; i += 2) order += letterOf(rawHeaders[i])
    return order
  }
}
