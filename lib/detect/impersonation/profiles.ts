/**
 * Built-in client profiles: what a client's requests look like, generalised to what stays the same across
 * its versions, never the exact bytes of one run.
 *
 * Sources. Captured on this project's machine (test/fixtures/clients, made by eval/capture-clients.js):
 * Debian's headless Chromium 156, curl 7.88 (OpenSSL 3, nghttp2), wget 1.21 (GnuTLS), Node 20 (https,
 * fetch/undici, http2), Python 3.11 (urllib, requests 2.34). Cited, not captured (neither installs here):
 * - Firefox: lwthiker/curl-impersonate@b7a403690fe0b76f0143309a494c69199fcb8446 tests/signatures/firefox_*.yaml
 *   (captures of Firefox 91–120); FoxIO-LLC/ja4 pcap/tls12.pcap (a Firefox hello, ../shared/vectors/tls);
 *   lexiforest/curl-impersonate issue 286 (Firefox 152's new cipher list); the Akamai HTTP/2 paper's Firefox 53.
 * - Safari: lwthiker/curl-impersonate tests/signatures/safari_15.5, 17.0, 17.2 (macOS and iOS) at
 *   63486b8, 091628e, a0ab451; lexiforest/curl_cffi issues 439, 530, 555 (Safari 18 on browserleaks).
 * - Go: FoxIO-LLC/ja4@09c1fac13ebcd2d99723439bee57927e410a47a7 ja4plus-mapping.csv (Go's JA4);
 *   golang.org/x/net http2/transport.go encodeHeaders (`:authority, :method, :path, :scheme`).
 * Safari's header order changed between 15 and 17 (curl-impersonate's captures), so Safari has no header-order
 * rules, only its TLS and HTTP/2 traits.
 */

/** A browser engine a User-Agent can claim. */
export type Engine = 'chromium' | 'firefox' | 'safari'

/** What the browsers of one engine send, whatever their version. */
export interface BrowserProfile {
  readonly engine: Engine
  /** Name used in findings. */
  readonly label: string
  /** ua-parser-js `engine.name` values that claim this engine. */
  readonly uaEngines: readonly string[]
  /** JA4 part b (sha256 of the sorted cipher list): the TLS stack's cipher choice. */
  readonly ciphers: readonly string[]
  /** HTTP/2 pseudo-header orders (Akamai PS) its HTTP/2 stack has sent. */
  readonly pseudoOrders: readonly string[]
  /**
   * Header-order letter pairs (header-order.ts): when both headers are present the first comes first. Only
   * pairs that held in every capture of every version at hand, and that page scripts cannot change (the
   * browser places its own headers; scripts add theirs but cannot reorder these). CORS preflights are
   * exempt: Chromium sends their Accept first (test/fixtures/clients/chromium-*.json).
   */
  readonly before: readonly string[]
  /** Whether its HTTP/1.1 requests always start with Host. */
  readonly hostFirst: boolean
}

export const BROWSERS: readonly BrowserProfile[] = [
  {
    // Chromium, Chrome, Edge, Opera, Brave, Electron, Android WebView: one network stack (BoringSSL, its own
    // HTTP/2). Cipher list 8daaf6152771 in the 2019–2026 captures (FoxIO pcaps, FoxIO's mapping, ours);
    // m,a,s,p since Chrome 58 (Akamai paper) and in Chromium 156 here.
    engine: 'chromium',
    label: 'Chromium',
    uaEngines: ['Blink'],
    ciphers: ['8daaf6152771'],
    pseudoOrders: ['m,a,s,p'],
    // User-Agent before Accept, Accept before Accept-Encoding before Accept-Language before Cookie, the
    // Sec-Fetch-* headers before Accept-Encoding: in navigations and in every subresource, fetch and XHR.
    before: ['Ta', 'ac', 'cd', 'dm', 'Hc', 'Gc', 'Fc'],
    hostFirst: true
  },
  {
    // NSS. 5b57614c22b0 up to Firefox 151, 86a278354501 from 152 (CBC-SHA1 ECDHE-ECDSA dropped).
    engine: 'firefox',
    label: 'Firefox',
    uaEngines: ['Gecko'],
    ciphers: ['5b57614c22b0', '86a278354501'],
    pseudoOrders: ['m,p,a,s'],
    // User-Agent, Accept, Accept-Language, then Accept-Encoding: language before encoding, unlike Chromium.
    before: ['Ta', 'ad', 'dc', 'cF', 'cG', 'cH'],
    hostFirst: false
  },
  {
    // Apple's network stack, also under every iOS browser (ua-parser-js reports WebKit for CriOS and FxiOS).
    // a09f3c656075 from Safari 15 to 26; m,s,p,a up to 17, m,s,a,p on some Safari 18 installations.
    engine: 'safari',
    label: 'Safari',
    uaEngines: ['WebKit'],
    ciphers: ['a09f3c656075'],
    pseudoOrders: ['m,s,p,a', 'm,s,a,p'],
    before: [],
    hostFirst: false
  }
]

/** A script client: a library or tool that a browser User-Agent may hide. */
export interface ScriptProfile {
  /** Name used in findings and as the learned family of its own User-Agent. */
  readonly label: string
  /** Case-sensitive prefixes of its default User-Agent. */
  readonly uaPrefixes: readonly string[]
  /**
   * Its header order, on `ho`: a test applied only to a request that already lacks what every browser sends
   * (Accept-Language, or Sec-Fetch-* as a set), so that a browser behind a proxy that reorders headers
   * cannot match.
   */
  readonly headers?: (ho: string) => boolean
}

/** `ho` starts with Host (`p`) then `rest`, or, without Host (HTTP/2 has :authority), with `rest`. */
function startsAfterHost (ho: string, rest: string): boolean {
  if (ho.charCodeAt(0) === 112) return ho.startsWith(rest, 1)
  return !ho.includes('p') && ho.startsWith(rest)
}

/** Script clients, the more specific header tests first. */
export const SCRIPTS: readonly ScriptProfile[] = [
  // http.client puts urllib's Accept-Encoding: identity before Host; urllib sends no Accept.
  { label: 'Python urllib', uaPrefixes: ['Python-urllib/'], headers: (ho) => ho.startsWith('cpT') },
  // requests' default headers in its dict order: User-Agent, Accept-Encoding, Accept, Connection; a caller's
  // own User-Agent keeps that place.
  { label: 'python-requests', uaPrefixes: ['python-requests/'], headers: (ho) => startsAfterHost(ho, 'Tca') },
  // wget: User-Agent, Accept, Accept-Encoding: identity, Connection: Keep-Alive.
  { label: 'wget', uaPrefixes: ['Wget/'], headers: (ho) => ho.startsWith('pTaci') },
  // Node's http and https: the caller's headers, then Host and Connection (no browser puts Host late).
  { label: 'Node.js', uaPrefixes: [], headers: (ho) => ho.charCodeAt(0) !== 112 && ho.length > 2 && ho.endsWith('pi') },
  // curl: Host, User-Agent, Accept: */*; a User-Agent given with -H moves after Accept.
  { label: 'curl', uaPrefixes: ['curl/'], headers: (ho) => startsAfterHost(ho, 'Ta') || startsAfterHost(ho, 'aT') },
  // Node's fetch (undici): sec-fetch-mode: cors alone, never with sec-fetch-site and sec-fetch-dest.
  { label: 'Node fetch', uaPrefixes: ['node', 'undici'], headers: (ho) => ho.includes('G') && !ho.includes('H') },
  { label: 'Go', uaPrefixes: ['Go-http-client/'] }
]

/**
 * JA4 part b of script clients' TLS libraries. e8f1e7e78f70 is OpenSSL 3's default cipher list (curl,
 * openssl s_client, and other OpenSSL clients); 85036bcba153 is Python's ssl module (urllib, requests;
 * FoxIO's mapping says "Python" too); a33745022dd6 Node's; 723694b0fccc GnuTLS as Debian's wget uses it;
 * 9dc949149365 Go's crypto/tls (FoxIO's mapping).
 */
export const SCRIPT_CIPHERS: ReadonlyMap<string, string> = new Map([
  ['e8f1e7e78f70', 'curl/OpenSSL'], ['85036bcba153', 'Python'], ['a33745022dd6', 'Node.js'],
  ['723694b0fccc', 'wget/GnuTLS'], ['9dc949149365', 'Go']
])

/** `S|WU|P` of script clients' HTTP/2 prefaces: curl 7.88 on nghttp2; Node's empty SETTINGS frame. */
export const SCRIPT_H2: ReadonlyMap<string, string> = new Map([
  ['3:100;4:33554432;2:0|33488897|0', 'curl'], ['|00|0', 'Node.js']
])

/**
 * Pseudo-header orders fixed by a script's HTTP/2 code and sent by no browser: curl's, and Go's x/net/http2.
 * Node's follows the caller's object, so it is no trait.
 */
export const SCRIPT_PSEUDO_ORDERS: ReadonlyMap<string, string> = new Map([['m,p,s,a', 'curl'], ['a,m,p,s', 'Go']])

/** Letters (header-order.ts) of the headers every browser request carries. */
export const ACCEPT = 'a'
export const ACCEPT_LANGUAGE = 'd'
export const UPGRADE = 'R'
/** Access-Control-Request-Method: a CORS preflight. */
export const PREFLIGHT = 'f'
/** Sec-Fetch-Site, -Mode, -Dest: sent together or not at all (Fetch Metadata, W3C). */
export const SEC_FETCH = 'HGF'
