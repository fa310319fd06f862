import { test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createImpersonation, IMPERSONATION_RULES, type ClientTraits, type ImpersonationSettings } from '../lib/detect/impersonation'
import { LearnedProfiles } from '../lib/detect/impersonation/sketch'
import { createHeaderOrder } from '../lib/fingerprint/header-order'
import { createUserAgentFingerprinter } from '../lib/fingerprint/user-agent'
import { loadHash64 } from '../lib/fingerprint/hash'
import type { Paranoia } from '../lib/detect/types'

interface Captured { method: string, url: string, httpVersion: string, rawHeaders: string[], ua?: string, ac?: string, ho: string, ja4?: string, h2?: string }
interface Fixture { id: string, impostor: boolean, requests: Captured[] }

const DIR = path.join(__dirname, 'fixtures', 'clients')
const fixtures: Fixture[] = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')))
const fixture = (id: string): Fixture => fixtures.find((f) => f.id === id) as Fixture
const headerOrder = createHeaderOrder()

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15'
const CURL_JA4 = 't13d3112h2_e8f1e7e78f70_b26ce05bbdd6'
const CURL_H2 = '3:100;4:33554432;2:0|33488897|0|m,p,s,a'

function impersonation (paranoia: Paranoia = 1, more: Partial<ImpersonationSettings> = {}): ReturnType<typeof createImpersonation> {
  return createImpersonation({ paranoia, disable: [], learn: false, maxFamilies: 64, ...more })
}

function traitsOf (request: Captured, change: Partial<ClientTraits> = {}): ClientTraits {
  return { ua: request.ua, rawHeaders: request.rawHeaders, ho: request.ho, ac: request.ac, ja4: request.ja4, h2: request.h2, httpVersion: request.httpVersion, ...change }
}

/** Traits of a request made of `headers` (name, value pairs in wire order). */
function request (headers: Array<[string, string]>, more: Partial<ClientTraits> = {}): ClientTraits {
  const rawHeaders = headers.flat()
  const ua = headers.find(([name]) => name.toLowerCase() === 'user-agent')?.[1]
  const ac = headers.find(([name]) => name.toLowerCase() === 'accept')?.[1]
  return { ua, ac, rawHeaders, ho: headerOrder(rawHeaders), httpVersion: '1.1', ...more }
}

/** The user agent of one request replaced, header order and all else kept. */
function withUserAgent (captured: Captured, ua: string): Captured {
  const rawHeaders = captured.rawHeaders.map((v, i) => i % 2 === 1 && /^user-agent$/i.test(captured.rawHeaders[i - 1] as string) ? ua : v)
  return { ...captured, rawHeaders, ua }
}

test('the rules: ids start with the kind, each has a summary, a paranoia level and a score', async (t) => {
  const ids = IMPERSONATION_RULES.map((r) => r.id)
  t.same(ids, ['impersonation-browser-ua', 'impersonation-browser-transport', 'impersonation-missing-header', 'impersonation-header-order',
    'impersonation-browser-engine', 'impersonation-unseen-traits'])
  for (const r of IMPERSONATION_RULES) {
    t.match(r.id, /^impersonation(-[a-z0-9]+)+$/)
    t.ok(r.summary.length > 20 && r.score >= 2 && r.score <= 4 && r.kind === 'impersonation', r.id)
  }
})

test('every captured client classifies as itself: no finding at any paranoia level', async (t) => {
  for (const paranoia of [1, 2, 3, 4] as const) {
    const check = impersonation(paranoia)
    for (const f of fixtures.filter((f) => !f.impostor)) {
      for (const r of f.requests) t.equal(check.check(traitsOf(r)), undefined, `${f.id} ${r.method} ${r.url} at paranoia ${paranoia}`)
    }
  }
})

test('every captured impostor is found: "claims <browser>, looks like <client>"', async (t) => {
  const expected: Record<string, string> = {
    'impostor-curl-chrome-ua-h2': 'claims Chrome 131, looks like curl/OpenSSL',
    'impostor-curl-chrome-ua-h1': 'claims Chrome 131, looks like curl/OpenSSL',
    'impostor-curl-copied-chrome-h2': 'claims Chrome 131, looks like curl/OpenSSL (TLS, Accept before User-Agent)',
    'impostor-wget-chrome-ua': 'claims Chrome 131, looks like wget/GnuTLS',
    'impostor-node-fetch-chrome-ua': 'claims Chrome 131, looks like Node.js',
    'impostor-node-https-chrome-ua': 'claims Chrome 131, looks like Node.js',
    'impostor-python-urllib-chrome-ua': 'claims Chrome 131, looks like Python',
    'impostor-python-requests-firefox': 'claims Firefox 133, looks like Python'
  }
  const check = impersonation(1)
  for (const f of fixtures.filter((f) => f.impostor)) {
    t.ok(f.id in expected, `${f.id} has an expectation`)
    t.same(check.check(traitsOf(f.requests[0] as Captured)),
      { kind: 'impersonation', rule: 'impersonation-browser-ua', where: 'client', excerpt: expected[f.id], score: 4 }, f.id)
  }
})

test('headers alone, without TLS or HTTP/2 fingerprints (plain http): script clients are still named', async (t) => {
  const check = impersonation(1)
  const cases: Array<[string, string]> = [['curl-h1', 'curl'], ['curl-h2', 'curl'], ['wget', 'wget'], ['python-requests', 'python-requests'],
    ['python-urllib', 'Python urllib'], ['node-fetch', 'Node fetch']]
  for (const [id, client] of cases) {
    const captured = fixture(id).requests[0] as Captured
    const found = check.check(traitsOf(withUserAgent(captured, CHROME), { ja4: undefined, h2: undefined }))
    t.match(found, { rule: 'impersonation-browser-ua', excerpt: `claims Chrome 131, looks like ${client}`, score: 4 }, id)
  }
  t.match(check.check(request([['Host', 'x'], ['User-Agent', FIREFOX], ['Accept', '*/*']])), { excerpt: 'claims Firefox 133, looks like curl' })
  t.match(check.check(request([['User-Agent', CHROME], ['Accept', '*/*'], ['Host', 'x'], ['Connection', 'close']])), { excerpt: 'claims Chrome 131, looks like Node.js' })
  t.match(check.check(request([['Accept', '*/*'], ['User-Agent', CHROME], ['Host', 'x']])), { rule: 'impersonation-missing-header' }, 'curl never puts Host after its own headers')
})

test('Chromium\'s own headers over a script\'s TLS or HTTP/2: impersonation-browser-transport', async (t) => {
  const check = impersonation(1)
  const navigation = withUserAgent(fixture('chromium-h2').requests[0] as Captured, CHROME)
  t.same(check.check(traitsOf(navigation, { ja4: CURL_JA4 })),
    { kind: 'impersonation', rule: 'impersonation-browser-transport', where: 'client', excerpt: 'claims Chrome 131, TLS of curl/OpenSSL', score: 3 })
  t.match(check.check(traitsOf(navigation, { ja4: undefined, h2: CURL_H2 })), { rule: 'impersonation-browser-transport', excerpt: 'claims Chrome 131, HTTP/2 of curl' })
  t.match(check.check(traitsOf(navigation, { ja4: undefined, h2: 'm,p,s,a' })), { excerpt: 'claims Chrome 131, HTTP/2 of curl' }, 'the pseudo-header order alone')
  t.match(check.check(traitsOf(navigation, { ja4: 't13d190900_9dc949149365_97f8aa674fd9', h2: undefined })), { excerpt: 'claims Chrome 131, TLS of Go' })
  t.match(check.check(traitsOf(navigation, { ja4: undefined, h2: '|00|0|m,a,s,p' })), { excerpt: 'claims Chrome 131, HTTP/2 of Node.js' })
  t.match(check.check(traitsOf(navigation, { ja4: undefined, h2: 'p,m,a,s' })),
    { rule: 'impersonation-browser-transport', excerpt: 'claims Chrome 131, HTTP/2 pseudo-header order p,m,a,s' }, 'an order no browser sends')
  // Transport and headers both wrong: the stronger rule.
  const noLanguage = { ...navigation, rawHeaders: navigation.rawHeaders.slice(0, -4), ho: navigation.ho.replace('d', '') }
  t.match(check.check(traitsOf(noLanguage, { ja4: CURL_JA4 })), { rule: 'impersonation-browser-ua', excerpt: 'claims Chrome 131, looks like curl/OpenSSL (TLS, no Accept-Language)', score: 4 })
})

test('a browser User-Agent without what every browser request carries: impersonation-missing-header', async (t) => {
  const check = impersonation(1)
  const base: Array<[string, string]> = [['Host', 'x'], ['Connection', 'keep-alive'], ['User-Agent', CHROME], ['Accept', '*/*'],
    ['Sec-Fetch-Site', 'same-origin'], ['Sec-Fetch-Mode', 'cors'], ['Sec-Fetch-Dest', 'empty'], ['Accept-Encoding', 'gzip'], ['Accept-Language', 'en']]
  t.equal(check.check(request(base)), undefined, 'the whole set')
  const without = (name: string): Array<[string, string]> => base.filter(([n]) => n !== name)
  t.match(check.check(request(without('Accept-Language'))), { rule: 'impersonation-missing-header', excerpt: 'claims Chrome 131, no Accept-Language', score: 3 })
  t.match(check.check(request(without('Accept'))), { rule: 'impersonation-missing-header', excerpt: 'claims Chrome 131, no Accept' })
  t.match(check.check(request(without('Sec-Fetch-Dest'))), { rule: 'impersonation-missing-header', excerpt: 'claims Chrome 131, an incomplete Sec-Fetch-* set' })
  t.equal(check.check(request(without('Sec-Fetch-Dest').filter(([n]) => !n.startsWith('Sec-Fetch')))), undefined, 'no Sec-Fetch-* at all: plain http')
  const websocket: Array<[string, string]> = [['Host', 'x'], ['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ['User-Agent', CHROME],
    ['Sec-WebSocket-Version', '13'], ['Accept-Encoding', 'gzip'], ['Sec-WebSocket-Key', 'k']]
  t.equal(check.check(request(websocket)), undefined, 'a WebSocket upgrade has no Accept')
})

test('header orders no browser sends: impersonation-header-order, paranoia 2', async (t) => {
  const pl1 = impersonation(1)
  const pl2 = impersonation(2)
  const chromium = fixture('chromium-h1').requests
  const subresource = withUserAgent(chromium[1] as Captured, CHROME)
  const moved = (r: Captured, name: string, to: number): Captured => {
    const pairs: string[][] = []
    for (let i = 0; i < r.rawHeaders.length; i += 2) pairs.push([r.rawHeaders[i] as string, r.rawHeaders[i + 1] as string])
    const at = pairs.findIndex(([n]) => n === name)
    const [pair] = pairs.splice(at, 1)
    pairs.splice(to, 0, pair as string[])
    const rawHeaders = pairs.flat()
    return { ...r, rawHeaders, ho: headerOrder(rawHeaders), ja4: undefined }
  }
  const hostLast = moved(subresource, 'Host', 13)
  t.equal(pl1.check(traitsOf(hostLast)), undefined, 'not at paranoia 1')
  t.match(pl2.check(traitsOf(hostLast)), { rule: 'impersonation-header-order', excerpt: 'claims Chrome 131, Host not first', score: 3 })
  t.match(pl2.check(traitsOf(moved(subresource, 'Accept', 2))), { excerpt: 'claims Chrome 131, Accept before User-Agent' })
  t.match(pl2.check(traitsOf(moved(subresource, 'Accept-Language', 2))), { excerpt: 'claims Chrome 131, Accept-Language before Accept-Encoding' })
  const titleCase = { ...subresource, rawHeaders: subresource.rawHeaders.map((v) => v.replace(/^sec-ch-ua/, 'Sec-Ch-Ua')) }
  t.match(pl2.check(traitsOf(titleCase, { ja4: undefined })), { excerpt: 'claims Chrome 131, Title-Case Sec-Ch-Ua on HTTP/1.1' })
  t.equal(pl2.check(traitsOf(titleCase, { ja4: undefined, httpVersion: '2.0' })), undefined, 'HTTP/2 names are lower case anyway')
  const preflight = chromium.find((r) => r.method === 'OPTIONS') as Captured
  t.equal(pl2.check(traitsOf(preflight)), undefined, 'a CORS preflight puts Accept first')
  // Firefox sends Accept-Language before Accept-Encoding (curl-impersonate's Firefox 91-120 captures).
  const firefoxLike: Array<[string, string]> = [['Host', 'x'], ['User-Agent', FIREFOX], ['Accept', 'text/html'], ['Accept-Language', 'en'],
    ['Accept-Encoding', 'gzip'], ['Connection', 'keep-alive']]
  t.equal(pl2.check(request(firefoxLike)), undefined)
  t.match(pl2.check(request([firefoxLike[0], firefoxLike[1], firefoxLike[2], firefoxLike[4], firefoxLike[3], firefoxLike[5]] as Array<[string, string]>)),
    { excerpt: 'claims Firefox 133, Accept-Encoding before Accept-Language' })
})

test('cited Firefox and Safari requests pass; another engine\'s stack is impersonation-browser-engine, paranoia 2', async (t) => {
  const check = impersonation(4)
  // lwthiker/curl-impersonate tests/signatures/firefox_120.0.1_linux.yaml (HTTP/2 navigation) and its JA4
  // (FoxIO pcap/tls12.pcap, a Firefox hello).
  const firefox = request([['user-agent', FIREFOX], ['accept', 'text/html'], ['accept-language', 'en-US,en;q=0.5'], ['accept-encoding', 'gzip, deflate, br'],
    ['upgrade-insecure-requests', '1'], ['sec-fetch-dest', 'document'], ['sec-fetch-mode', 'navigate'], ['sec-fetch-site', 'none'], ['sec-fetch-user', '?1'], ['te', 'trailers']],
  { httpVersion: '2.0', ja4: 't13d1715h2_5b57614c22b0_3d5424432f57', h2: '1:65536;4:131072;5:16384|12517377|3:0:0:201,5:0:0:101,7:0:0:1,9:0:7:1,11:0:3:1,13:0:0:241|m,p,a,s' })
  t.equal(check.check(firefox), undefined, 'Firefox 120')
  t.equal(check.check({ ...firefox, ja4: 't13d1617h2_86a278354501_3cbfd9057e0d' }), undefined, 'Firefox 152\'s new cipher list (lexiforest/curl-impersonate#286)')
  // curl-impersonate tests/signatures/safari_17.0_macOS.yaml; Safari 18's m,s,a,p (lexiforest/curl_cffi#555).
  const safari = request([['accept', 'text/html'], ['sec-fetch-site', 'none'], ['accept-encoding', 'gzip, deflate, br'], ['sec-fetch-mode', 'navigate'],
    ['user-agent', SAFARI], ['accept-language', 'en-US,en;q=0.9'], ['sec-fetch-dest', 'document']],
  { httpVersion: '2.0', ja4: 't13d2014h2_a09f3c656075_14788d8d241b', h2: '2:0;4:4194304;3:100|10485760|0|m,s,p,a' })
  t.equal(check.check(safari), undefined, 'Safari 17')
  t.equal(check.check({ ...safari, h2: '2:0;3:100;4:2097152;9:1|10420225|0|m,s,a,p' }), undefined, 'Safari 18')
  t.same(check.check({ ...firefox, ja4: 't13d1516h2_8daaf6152771_02713d6af862' }),
    { kind: 'impersonation', rule: 'impersonation-browser-engine', where: 'client', excerpt: 'claims Firefox 133, TLS of Chromium', score: 2 })
  t.match(check.check({ ...safari, h2: 'm,a,s,p' }), { rule: 'impersonation-browser-engine', excerpt: 'claims Safari 17, HTTP/2 of Chromium' })
  t.equal(impersonation(1).check({ ...firefox, ja4: 't13d1516h2_8daaf6152771_02713d6af862' }), undefined, 'not at paranoia 1')
})

test('missing data is never evidence; crawlers that name themselves and script User-Agents are not judged', async (t) => {
  const check = impersonation(4)
  const navigation = withUserAgent(fixture('chromium-h1').requests[0] as Captured, CHROME)
  t.equal(check.check(traitsOf(navigation, { ja4: undefined, h2: undefined })), undefined, 'no TLS, no HTTP/2')
  t.equal(check.check(traitsOf(navigation, { ja4: 'not-a-ja4' })), undefined, 'an unknown JA4')
  const googlebot = 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
  t.equal(check.check(request([['Host', 'x'], ['User-Agent', googlebot], ['Accept', '*/*']])), undefined)
  t.equal(check.check(request([['Host', 'x'], ['User-Agent', 'curl/8.5.0'], ['Accept', '*/*']], { ja4: CURL_JA4 })), undefined)
  t.equal(check.check(request([['Host', 'x'], ['Accept', '*/*']])), undefined, 'no User-Agent')
  t.equal(check.check(request([['Host', 'x'], ['User-Agent', 'Mozilla/5.0 (something)']])), undefined, 'no engine claimed')
})

test('rules can be disabled; the next applicable one reports', async (t) => {
  const impostor = traitsOf(fixture('impostor-curl-chrome-ua-h2').requests[0] as Captured)
  t.match(impersonation(1, { disable: ['impersonation-browser-ua'] }).check(impostor), { rule: 'impersonation-browser-transport' })
  t.match(impersonation(1, { disable: ['impersonation-browser-ua', 'impersonation-browser-transport'] }).check(impostor), { rule: 'impersonation-missing-header' })
  t.equal(impersonation(1, { disable: IMPERSONATION_RULES.map((r) => r.id) }).check(impostor), undefined)
})

test('the parse from the plugin is used when given; results are cached and frozen', async (t) => {
  const fingerprint = createUserAgentFingerprinter(16, await loadHash64())
  const check = impersonation(1)
  const impostor = fixture('impostor-curl-chrome-ua-h1').requests[0] as Captured
  const a = check.check(traitsOf(impostor, { uai: fingerprint(CHROME).uai }))
  const b = check.check(traitsOf(impostor))
  t.equal(a, b, 'one cached finding')
  t.ok(Object.isFrozen(a))
})

test('a bounded cache gives the same verdicts; over-long User-Agents are judged uncached', async (t) => {
  const small = impersonation(1, { cacheSize: 3 })
  const big = impersonation(1)
  const all = fixtures.flatMap((f) => f.requests.map((r) => traitsOf(r)))
  for (let round = 0; round < 2; round++) {
    for (const traits of all) t.same(small.check(traits), big.check(traits))
  }
  const long = `${CHROME} (${'x'.repeat(600)})`
  const impostor = withUserAgent(fixture('impostor-curl-chrome-ua-h1').requests[0] as Captured, long)
  t.match(small.check(traitsOf(impostor)), { rule: 'impersonation-browser-ua' })
  t.match(small.check(traitsOf(impostor)), { rule: 'impersonation-browser-ua' }, 'again')
  const crawler = withUserAgent(impostor, `${CHROME} (compatible; ${'x'.repeat(600)} examplebot/1.0)`)
  t.match(small.check(traitsOf(crawler)), { rule: 'impersonation-browser-ua' }, 'a crawler named past the 500 characters ua-parser-js reads is not exempt')
  t.equal(small.check(traitsOf(withUserAgent(impostor, `${CHROME} (compatible; examplebot/1.0; ${'x'.repeat(600)})`))), undefined, 'within them it is')
})

test('learned profiles: an established family\'s never-seen JA4 is impersonation-unseen-traits (paranoia 3)', async (t) => {
  const check = impersonation(3, { learn: true, learnMinRequests: 200 })
  const chromium = fixture('chromium-h2').requests.map((r) => traitsOf(withUserAgent(r, CHROME)))
  const odd = { ...(chromium[1] as ClientTraits), ja4: 't13d1516h2_8daaf6152771_000000000000' }
  for (let i = 0; i < 199; i++) t.equal(check.check(chromium[i % chromium.length] as ClientTraits), undefined)
  t.equal(check.check(odd), undefined, 'before the family is established')
  for (let i = 0; i < 300; i++) check.check(chromium[i % chromium.length] as ClientTraits)
  t.same(check.check({ ...odd, ja4: 't13d1516h2_8daaf6152771_111111111111' }), {
    kind: 'impersonation', rule: 'impersonation-unseen-traits', where: 'client', excerpt: 'claims Chrome 131, new JA4 t13d1516h2_8daaf6152771_111111111111', score: 2
  })
  t.equal(check.check(chromium[3] as ClientTraits), undefined, 'its usual requests still pass')
  t.equal(impersonation(2, { learn: true, learnMinRequests: 1 }).check(odd), undefined, 'not below paranoia 3')
})

test('learned profiles stay within their bound and judge only concentrated traits', async (t) => {
  const learned = new LearnedProfiles({ maxFamilies: 4, entries: 8, minRequests: 100 })
  for (let i = 0; i < 20_000; i++) learned.visit(`family-${i % 10}`, [`ho-${i}`, `ja4-${i % 3}`, undefined])
  const stats = learned.stats()
  t.ok(stats.families <= 4, `${stats.families} families`)
  t.ok(stats.counters <= 4 * 3 * 8, `${stats.counters} counters`)
  for (let i = 0; i < 1000; i++) learned.visit('wide', [`ho-${i}`, 'ja4-a', undefined])
  t.equal(learned.visit('wide', ['ho-new', 'ja4-a', undefined]), undefined, 'header orders that vary widely never judge')
  t.equal(learned.visit('wide', ['ho-new', 'ja4-b', undefined]), 'JA4 ja4-b')
  t.equal(learned.visit('wide', ['x'.repeat(200), 'ja4-a', undefined]), undefined, 'an over-long trait is neither kept nor judged')
  for (let i = 0; i < 5; i++) learned.visit('wide', ['ho-new', 'ja4-b', undefined])
  for (let i = 0; i < 70_000; i++) learned.visit('long', ['ho', i % 1000 === 0 ? `ja4-${i}` : 'ja4', undefined])
  t.ok(learned.stats().counters <= 4 * 3 * 8, 'counts halve past the window; the bound holds')
  t.equal(learned.visit('long', ['ho', 'ja4', undefined]), undefined)
  t.equal(learned.visit('long', ['ho', 'ja4-new', undefined]), 'JA4 ja4-new')
  t.equal(learned.visit('wide', ['ho-new', 'ja4-b', undefined]), undefined, 'a trait that persists is learned')
})

test('speed: a cached benign request costs about a microsecond', async (t) => {
  const fingerprint = createUserAgentFingerprinter(16, await loadHash64())
  const check = impersonation(4)
  const requests = fixture('chromium-h2').requests.map((r) => traitsOf(withUserAgent(r, CHROME), { uai: fingerprint(CHROME).uai }))
  for (let i = 0; i < 1000; i++) check.check(requests[i % requests.length] as ClientTraits)
  // The best of several rounds: the cores are shared with other work.
  let us = Infinity
  for (let round = 0; round < 7; round++) {
    const start = performance.now()
    for (let i = 0; i < 10_000; i++) check.check(requests[i % requests.length] as ClientTraits)
    us = Math.min(us, (performance.now() - start) * 1000 / 10_000)
  }
  // About 0.6 µs outside tap; coverage instrumentation here doubles it or more.
  t.ok(us < 5, `${us.toFixed(2)} µs per check`)
})
