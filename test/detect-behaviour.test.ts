import { test } from 'tap'
import { createBehaviour, sourceKey, SCENARIOS, type BehaviourSettings, type Observation } from '../lib/detect/behaviour/index'
import { DEFAULT_LOGIN_PATHS, isAdmin, isLoginPath, isSensitivePath, isStatic, loginRoutes, pathOf } from '../lib/detect/behaviour/scenarios'
import type { Threat, ThreatKind } from '../lib/detect/types'

const T0 = Date.UTC(2024, 0, 1)
const SECOND = 1000
const MINUTE = 60 * SECOND

/** Behaviour windows whose clock stands at T0 unless the test brings its own. */
function make (settings: Partial<BehaviourSettings> = {}): ReturnType<typeof createBehaviour> {
  return createBehaviour({ now: () => T0, ...settings })
}

let reqs = 0
function obs (o: Partial<Observation>): Observation {
  return { realIp: '203.0.113.7', host: 'example.com', method: 'GET', url: '/', status: 200, reqId: `req-${++reqs}`, time: T0, threats: [], threatScore: 0, ...o }
}
function threat (kind: ThreatKind, score = 5, rule = `${kind}-test`): Threat {
  return { kind, rule, where: 'query:q', excerpt: 'x', score }
}
function finding (kind: ThreatKind, score = 5): Partial<Observation> {
  return { threats: [threat(kind, score)], threatScore: score }
}

test('source keys: IPv4 as is, IPv6 by /64 in RFC 5952 form, IPv4-mapped as IPv4, anything else cut', async (t) => {
  t.equal(sourceKey('203.0.113.7'), '203.0.113.7')
  t.equal(sourceKey('2001:db8:1:2::5'), '2001:db8:1:2::/64')
  t.equal(sourceKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64', 'leading zeros and case')
  t.equal(sourceKey('2001:0db8:85a3:0000:0000:8a2e:0370:7334'), '2001:db8:85a3::/64', 'trailing zero groups join the ::')
  t.equal(sourceKey('2001:db8::1'), '2001:db8::/64')
  t.equal(sourceKey('2001:0:0:5::1'), '2001:0:0:5::/64', 'the longer zero run of the host part is the one compressed')
  t.equal(sourceKey('::1'), '::/64')
  t.equal(sourceKey('::'), '::/64')
  t.equal(sourceKey('fe80::1:2:3:4%eth0'), 'fe80::/64', 'zone index dropped')
  t.equal(sourceKey('::ffff:198.51.100.4'), '198.51.100.4', 'IPv4-mapped, dotted')
  t.equal(sourceKey('::ffff:c633:6404'), '198.51.100.4', 'IPv4-mapped, hex')
  t.equal(sourceKey('1:2:3:4:5:6:1.2.3.4'), '1:2:3:4::/64', 'embedded IPv4 in the host part')
  t.equal(sourceKey('__proto__'), '__proto__')
  t.equal(sourceKey('x'.repeat(100_000)).length, 64, 'a hostile string is cut')
  t.equal(sourceKey('01.2.3.4'), '01.2.3.4', 'not an address: kept as given')
  t.equal(sourceKey(''), '')
})

test('path matchers: static files, admin consoles, sensitive files, login routes', async (t) => {
  t.equal(pathOf('/A/B.PHP?x=/.env'), '/a/b.php', 'the query is not part of the path')
  for (const p of ['/app.js', '/s/site.css', '/i/logo.PNG', '/f/font.woff2', '/v/clip.mp4']) t.ok(isStatic(pathOf(p)), p)
  for (const p of ['/index.php', '/a.js/', '/.env', '/cgi-bin/test', '/x.jsp']) t.notOk(isStatic(pathOf(p)), p)
  for (const p of ['/admin', '/Administrator/index.php', '/phpmyadmin4.8/', '/adminer.php', '/admin_area/', '/pma/', '/x/wp-admin/', '/manager/html', '/+CSCOE+/logon.html', '/jmx-console/', '/whm']) t.ok(isAdmin(pathOf(p)), p)
  for (const p of ['/pmaps', '/whmcs', '/manager', '/a/b/c/d/admin', '/badmin', '/help/administration']) t.notOk(isAdmin(pathOf(p)), p)
  for (const p of ['/.env', '/.git/HEAD', '/a/.svn/entries', '/.bash_history', '/db.sql', '/db.SQL.gz', '/index.php~', '/site.bak', '/keys/server.pem', '/home/u/.ssh/id_rsa', '/id_ed25519', '/web.config', '/data.sqlite3', '/x/.htpasswd/']) t.ok(isSensitivePath(pathOf(p)), p)
  for (const p of ['/', '/.well-known/security.txt', '/./a', '/a/../b', '/..', '/release.tar.gz', '/sql', '/keynote.html', '/backup/', '/env.js', '/id_rsa.pub', '/id_x', '/my-web.config', '/a.web.config.html', '/~user/', '/items/42', 'sql', '']) t.notOk(isSensitivePath(pathOf(p)), p)
  for (const p of ['/login', '/login/', '/login/callback', '/api/auth/token', '/wp-login.php']) t.ok(isLoginPath(pathOf(p), loginRoutes(DEFAULT_LOGIN_PATHS)), p)
  for (const p of ['/', '', '/loginhelp', '/blog/login-tips', '/api/authors', '/logi']) t.notOk(isLoginPath(pathOf(p), loginRoutes(DEFAULT_LOGIN_PATHS)), p)
})

test('http-probing: the 11th distinct 404 within the leak overflows; repeats, static files and 2xx do not count', async (t) => {
  const b = make({})
  for (let i = 0; i < 10; i++) t.same(b.observe(obs({ url: `/probe-${i}.php?x=1`, status: 404 })), [])
  t.same(b.observe(obs({ url: '/probe-3.php?x=1', status: 404 })), [], 'a repeated target does not count')
  t.same(b.observe(obs({ url: '/missing.png', status: 404 })), [], 'a static file does not count')
  t.same(b.observe(obs({ url: '/app.js', status: 403 })), [])
  t.same(b.observe(obs({ url: '/other.php', status: 200 })), [], 'found pages do not count')
  const alerts = b.observe(obs({ url: '/probe-10.php', status: 404, reqId: 'last' }))
  t.equal(alerts.length, 1)
  const a = alerts[0]
  t.equal(a.scenario, 'http-probing')
  t.equal(a.source, '203.0.113.7')
  t.equal(a.host, 'example.com')
  t.equal(a.count, 11)
  t.equal(a.evidence.length, 11)
  t.same(a.evidence[10], { reqId: 'last', time: T0, method: 'GET', url: '/probe-10.php', status: 404, rules: [] })
  t.equal(a.summary, '11 requests for missing or forbidden paths in 0 ms on example.com')
  t.same(b.marked('203.0.113.7'), ['http-probing'])
  t.same(b.marked('203.0.113.8'), [])
})

test('http-probing counts 403 and 400 and is kept per host', async (t) => {
  const b = make({})
  for (let i = 0; i < 6; i++) b.observe(obs({ url: `/a${i}`, status: 403, host: 'a.example' }))
  for (let i = 0; i < 10; i++) t.same(b.observe(obs({ url: `/b${i}`, status: 400, host: 'B.example' })), [])
  const alerts = b.observe(obs({ url: '/b10', status: 400, host: 'b.example' }))
  t.equal(alerts.length, 1, 'the host is compared in lower case')
  t.equal(alerts[0].host, 'b.example')
})

test('a source keeps host-keyed buckets for its four latest hosts', async (t) => {
  const b = make({})
  for (let i = 0; i < 10; i++) b.observe(obs({ url: `/p${i}`, status: 404, host: 'first.example' }))
  for (const host of ['b.example', 'c.example', 'd.example', 'e.example']) b.observe(obs({ url: '/x', status: 404, host, time: T0 + SECOND }))
  t.same(b.observe(obs({ url: '/p10', status: 404, host: 'first.example', time: T0 + SECOND })), [], 'the oldest host\'s bucket was dropped')
})

test('a bucket leaks one event per leak period', async (t) => {
  const b = make({})
  for (let i = 0; i < 10; i++) b.observe(obs({ url: `/p${i}`, status: 404 }))
  t.same(b.observe(obs({ url: '/p10', status: 404, time: T0 + 10 * SECOND })), [], 'one event leaked out in 10 s: room for one')
  const alerts = b.observe(obs({ url: '/p11', status: 404, time: T0 + 10 * SECOND }))
  t.equal(alerts.length, 1, 'then it is full again')
  t.equal(alerts[0].summary, '12 requests for missing or forbidden paths in 10 s on example.com')

  const c = make({})
  for (let i = 0; i < 10; i++) c.observe(obs({ url: `/p${i}`, status: 404 }))
  for (let i = 0; i < 9; i++) t.same(c.observe(obs({ url: `/q${i}`, status: 404, time: T0 + 100 * SECOND })), [], 'an emptied bucket starts again')
  t.same(c.observe(obs({ url: '/p0', status: 404, time: T0 + 100 * SECOND })), [], 'and forgets the targets it saw: the tenth')
  t.equal(c.observe(obs({ url: '/q9', status: 404, time: T0 + 100 * SECOND }))[0]?.count, 11)
})

test('a large bucket remembers its latest 64 targets; a source marked again keeps each scenario once', async (t) => {
  const b = make({ buckets: { 'http-probing': { capacity: 100, blackholeMs: 0 } } })
  for (let i = 0; i < 99; i++) b.observe(obs({ url: `/p${i}`, status: 404 }))
  t.same(b.observe(obs({ url: '/p98', status: 404 })), [], 'a recent target is remembered')
  t.same(b.observe(obs({ url: '/p0', status: 404 })), [], 'an early one was forgotten and counts again: the 100th')
  t.equal(b.observe(obs({ url: '/p1', status: 404 })).length, 1, 'the 101st overflows')
  for (let i = 0; i < 101; i++) b.observe(obs({ url: `/q${i}`, status: 404 }))
  t.same(b.marked('203.0.113.7'), ['http-probing'])
})

test('a late request counts at the latest time seen and refills nothing', async (t) => {
  const b = make({})
  for (let i = 0; i < 10; i++) b.observe(obs({ url: `/p${i}`, status: 404, time: T0 + 20 * SECOND }))
  t.equal(b.observe(obs({ url: '/late', status: 404, time: T0 })).length, 1, 'still full at the later time')
})

test('blackhole: one burst gives one alert; after the blackhole a new burst gives another', async (t) => {
  const b = make({})
  let alerts = 0
  for (let i = 0; i < 100; i++) alerts += b.observe(obs({ url: `/p${i}`, status: 404, time: T0 + i * 100 })).length
  t.equal(alerts, 1, '100 probes in 10 s')
  for (let i = 0; i < 10; i++) t.same(b.observe(obs({ url: `/r${i}`, status: 404, time: T0 + 6 * MINUTE })), [])
  t.equal(b.observe(obs({ url: '/r10', status: 404, time: T0 + 6 * MINUTE })).length, 1)
})

test('http-admin-interface-probing: the third 404/403 for an admin console', async (t) => {
  const b = make({})
  const near = ['/pmaps', '/whmcs-guide', '/manager/', '/blog/2024/01/01/post/admin']
  for (const url of near) t.notOk(b.observe(obs({ url, status: 404, realIp: '198.51.100.1' })).some((a) => a.scenario === 'http-admin-interface-probing'), url)
  t.same(b.observe(obs({ url: '/phpMyAdmin2017/index.php?lang=en', status: 404 })), [])
  t.same(b.observe(obs({ url: '/admin', status: 200 })), [], 'a found admin page does not count')
  t.same(b.observe(obs({ url: '/manager/html', status: 403 })), [])
  const alerts = b.observe(obs({ url: '/+CSCOE+/logon.html', status: 404 }))
  t.same(alerts.map((a) => [a.scenario, a.count]), [['http-admin-interface-probing', 3]])

  const c = make({})
  for (const url of ['/pma/', '/wp-admin/setup-config.php', '/blog/wp-login.php']) c.observe(obs({ url, status: 404 }))
  t.same(c.marked('203.0.113.7'), ['http-admin-interface-probing'])
})

test('http-sensitive-files: the fifth distinct request for a hidden, dump, backup or key file within 5 s', async (t) => {
  const b = make({})
  const benign = ['/.well-known/acme-challenge/abc', '/./index.html', '/a/../b', '/env', '/sql-guide', '/docs/backup.html']
  for (const url of benign) t.same(b.observe(obs({ url })), [], url)
  for (const url of ['/.env', '/.git/config', '/db/dump.SQL', '/wp-config.php.bak']) t.same(b.observe(obs({ url, status: 404 })), [], url)
  t.same(b.observe(obs({ url: '/.env', status: 404 })), [], 'a repeated target does not count')
  const alerts = b.observe(obs({ url: '/home/.ssh/id_rsa', status: 200 }))
  t.same(alerts.map((a) => [a.scenario, a.count]), [['http-sensitive-files', 5]], 'any status counts')

  const c = make({})
  for (let i = 0; i < 4; i++) c.observe(obs({ url: `/download?f=${i}`, ...finding('sensitive-file', 2) }))
  t.same(c.observe(obs({ url: '/download?f=4', time: T0 + 5 * SECOND, ...finding('sensitive-file', 2) })), [], 'one leaked in 5 s')
  t.same(c.observe(obs({ url: '/download?f=5', time: T0 + 5 * SECOND, ...finding('sensitive-file', 2) })).map((a) => a.scenario), ['http-sensitive-files'], 'a finding of kind sensitive-file counts')
})

test('http-bf-login: the sixth 401/403 to a POST or a login route within the leak', async (t) => {
  const b = make({})
  t.same(b.observe(obs({ url: '/api/data', status: 401 })), [], 'a GET answered 401 elsewhere does not count')
  t.same(b.observe(obs({ url: '/api/data', status: 401 })), [])
  t.same(b.observe(obs({ url: '/login', method: 'POST', status: 200 })), [], 'a successful login does not count')
  for (let i = 0; i < 3; i++) t.same(b.observe(obs({ url: '/session', method: 'POST', status: 401 })), [])
  t.same(b.observe(obs({ url: '/wp-login.php?redirect_to=x', status: 403 })), [], 'a login path counts on any method')
  t.same(b.observe(obs({ url: '/Login/', method: 'GET', status: 401 })), [])
  const alerts = b.observe(obs({ url: '/anything', method: 'POST', status: 403 }))
  t.same(alerts.map((a) => [a.scenario, a.count]), [['http-bf-login', 6]])
  t.equal(alerts[0].summary, '6 failed logins in 0 ms')

  const c = make({ loginPaths: ['/Portal/Enter'] })
  for (let i = 0; i < 5; i++) c.observe(obs({ url: `/portal/enter/step?i=${i}`, status: 401 }))
  t.same(c.observe(obs({ url: '/portal/enter', status: 401 })).map((a) => a.scenario), ['http-bf-login'], 'option loginPaths')
  t.same(c.observe(obs({ url: '/login', status: 401, realIp: '198.51.100.2' })), [], 'replaces the default list')
})

test('probing buckets per finding kind: sqli 10 / 1 s, xss 5 / 1 s, lfi 3 / 10 s, scanner 1 / 1 min, web-shell 1 / 5 s', async (t) => {
  const cases: Array<[ThreatKind, string, number, number]> = [
    ['sqli', 'http-sqli-probing', 10, SECOND],
    ['xss', 'http-xss-probing', 5, SECOND],
    ['lfi', 'http-path-traversal-probing', 3, 10 * SECOND],
    ['scanner', 'http-bad-user-agent', 1, MINUTE],
    ['web-shell', 'http-backdoors-attempts', 1, 5 * SECOND]
  ]
  for (const [kind, scenario, capacity, leak] of cases) {
    // Weak findings (score 2) so that repeated-attacks stays out of it.
    const b = make({})
    for (let i = 0; i < capacity; i++) t.same(b.observe(obs({ url: `/x?q=${i}`, ...finding(kind, 2) })), [], `${kind} ${i + 1}`)
    t.same(b.observe(obs({ url: `/x?q=${capacity}`, time: T0 + leak, ...finding(kind, 2) })), [], `${kind}: one leaked out`)
    const alerts = b.observe(obs({ url: `/x?q=${capacity + 1}`, time: T0 + leak, ...finding(kind, 2) }))
    // A bucket of capacity 1 was empty once its one event leaked out, so its burst started again.
    t.same(alerts.map((a) => [a.scenario, a.count]), [[scenario, capacity === 1 ? 2 : capacity + 2]], kind)
    t.same(alerts[0].evidence.at(-1)?.rules, [`${kind}-test`])
  }
})

test('repeated-attacks: the seed\'s three attacks from one source within the window', async (t) => {
  const b = make({})
  t.same(b.observe(obs({ url: '/a?id=1', ...finding('rce') })), [])
  t.same(b.observe(obs({ url: '/b', ...finding('php', 4) })), [], 'a score under 5 is not an attack')
  t.same(b.observe(obs({ url: '/c', threats: [threat('script-client', 5)], threatScore: 5 })), [], 'a script client alone is not an attack')
  t.same(b.observe(obs({ url: '/d', time: T0 + 5 * MINUTE, threats: [threat('script-client', 1), threat('rfi', 4)], threatScore: 5 })), [])
  const alerts = b.observe(obs({ url: '/e', time: T0 + 10 * MINUTE, ...finding('java') }))
  t.same(alerts.map((a) => [a.scenario, a.count, a.first, a.last]), [['repeated-attacks', 3, T0, T0 + 10 * MINUTE]])
  t.equal(alerts[0].summary, '3 attacks in 10 min')
  const slow = make({ attackWindowMs: 240 * MINUTE })
  slow.observe(obs({ url: '/a', ...finding('rce') }))
  slow.observe(obs({ url: '/b', time: T0 + 100 * MINUTE, ...finding('rce') }))
  t.equal(slow.observe(obs({ url: '/c', time: T0 + 200 * MINUTE, ...finding('rce') }))[0]?.summary, '3 attacks in 3 h')
  t.same(alerts[0].evidence.map((e) => e.url), ['/a?id=1', '/d', '/e'])

  const c = make({ attackThreshold: 2, attackWindowMs: MINUTE })
  c.observe(obs({ url: '/a', ...finding('rce') }))
  t.same(c.observe(obs({ url: '/b', time: T0 + MINUTE + 1, ...finding('rce') })), [], 'outside the window')
  t.equal(c.observe(obs({ url: '/c', time: T0 + MINUTE + 2, ...finding('rce') })).length, 1, 'threshold option')
  t.same(c.observe(obs({ url: '/d', time: T0 + MINUTE + 3, ...finding('rce') })), [], 'silent after the alert')
})

test('distributed-attack: distinct attacking sources against one host', async (t) => {
  const b = make({ disable: ['repeated-attacks'] })
  for (let i = 0; i < 9; i++) t.same(b.observe(obs({ realIp: `198.51.100.${i}`, ...finding('sqli', 6) })), [])
  t.same(b.observe(obs({ realIp: '198.51.100.0', ...finding('sqli', 6) })), [], 'a source counts once')
  t.same(b.observe(obs({ realIp: '198.51.100.50', host: 'other.example', ...finding('sqli', 6) })), [], 'another host')
  const alerts = b.observe(obs({ realIp: '2001:db8::1', time: T0 + SECOND, ...finding('sqli', 6) }))
  t.same(alerts.map((a) => [a.scenario, a.source, a.count]), [['distributed-attack', 'example.com', 10]])
  t.equal(alerts[0].summary, '10 sources attacking example.com in 1 s')
  t.same(b.marked('198.51.100.1'), [], 'the sources are not marked by the host\'s alert')

  const c = make({ hostSources: 3, hostWindowMs: MINUTE })
  c.observe(obs({ realIp: '198.51.100.1', ...finding('xss') }))
  c.observe(obs({ realIp: '198.51.100.2', ...finding('xss') }))
  t.notOk(c.observe(obs({ realIp: '198.51.100.3', time: T0 + 2 * MINUTE, ...finding('xss') })).some((a) => a.scenario === 'distributed-attack'), 'outside the window')
})

test('marks are in force for markMs by the injected clock, for the whole /64', async (t) => {
  let now = T0
  const b = make({ markMs: 30 * MINUTE, now: () => now })
  b.observe(obs({ realIp: '2001:db8:1:2::10', url: '/.env' }))
  b.observe(obs({ realIp: '2001:db8:1:2::11', url: '/.git/config' }))
  b.observe(obs({ realIp: '2001:db8:1:2::12', url: '/.htpasswd' }))
  b.observe(obs({ realIp: '2001:db8:1:2::13', url: '/backup.sql' }))
  t.same(b.marked('2001:db8:1:2::99'), [])
  t.equal(b.observe(obs({ realIp: '2001:db8:1:2:aaaa::1', url: '/id_rsa.pem' }))[0]?.source, '2001:db8:1:2::/64')
  t.same(b.marked('2001:db8:1:2::99'), ['http-sensitive-files'])
  t.same(b.marked('2001:db8:1:3::1'), [])
  now = T0 + 30 * MINUTE - 1
  t.same(b.marked('2001:db8:1:2::1'), ['http-sensitive-files'])
  now = T0 + 30 * MINUTE
  t.same(b.marked('2001:db8:1:2::1'), [], 'expired')
})

test('eviction keeps within maxBytes and never drops a source whose alert is in force', async (t) => {
  const maxBytes = 256 * 1024
  const b = make({ maxBytes, now: () => T0 })
  for (let i = 0; i < 11; i++) b.observe(obs({ realIp: '192.0.2.1', url: `/p${i}`, status: 404 }))
  t.same(b.marked('192.0.2.1'), ['http-probing'])
  for (let i = 0; i < 20_000; i++) {
    b.observe(obs({ realIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, url: `/x${i}`, status: 404, time: T0 + i }))
    if (b.bytes > maxBytes) t.fail(`over the bound after ${i} sources: ${b.bytes}`)
  }
  t.ok(b.size > 100 && b.size < 2000, `sources held: ${b.size}`)
  t.same(b.marked('192.0.2.1'), ['http-probing'], 'the marked source survived the flood')
  let again = 0
  for (let i = 0; i < 11; i++) again += b.observe(obs({ realIp: '192.0.2.1', url: `/q${i}`, status: 404, time: T0 + 30 * SECOND })).length
  t.equal(again, 0, 'and so did its blackhole')
})

test('hostile input: prototype names, huge strings, two-byte text stay bounded', async (t) => {
  const b = make({ maxBytes: 64 * 1024 })
  const huge = '/' + 'é€'.repeat(100_000)
  for (const realIp of ['__proto__', 'constructor', 'hasOwnProperty', 'x'.repeat(1_000_000)]) {
    for (let i = 0; i < 11; i++) b.observe(obs({ realIp, host: 'h'.repeat(100_000), method: 'M'.repeat(1000), reqId: 'r'.repeat(10_000), url: `/${i}${huge}`, status: 404 }))
    t.same(b.marked(realIp), ['http-probing'], realIp.slice(0, 20))
  }
  t.ok(b.bytes <= 64 * 1024, `bytes ${b.bytes}`)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  for (let i = 0; i < 5000; i++) b.observe(obs({ realIp: `10.1.${i >> 8}.${i & 255}`, host: `${i}.${'h'.repeat(1000)}`, ...finding('sqli') }))
  t.ok(b.bytes <= 64 * 1024, `attacks on 5,000 Host names: bytes ${b.bytes}`)
  t.same(b.marked('__proto__'), ['http-probing'], 'the marked sources survive them')
  const a = make({}).observe(obs({ url: huge, ...finding('scanner') }))
  t.same(a, [])
  const c = make({})
  c.observe(obs({ url: huge, ...finding('scanner') }))
  const [alert] = c.observe(obs({ url: huge, ...finding('scanner') }))
  t.equal(alert.evidence[0].url.length, 256, 'evidence is cut')
})

test('evidence is bounded by option evidence; alerts are frozen records', async (t) => {
  const b = make({ evidence: 5, buckets: { 'http-probing': { capacity: 30 } } })
  const alerts = []
  for (let i = 0; i < 31; i++) alerts.push(...b.observe(obs({ url: `/p${i}`, status: 404 })))
  t.equal(alerts.length, 1)
  const a = alerts[0]
  t.equal(a.count, 31)
  t.same(a.evidence.map((e) => e.url), ['/p26', '/p27', '/p28', '/p29', '/p30'])
  t.ok(Object.isFrozen(a.evidence) && Object.isFrozen(a.evidence[0]))
})

test('settings: scenarios can be disabled and tuned; bad settings throw', async (t) => {
  const b = make({ disable: ['http-probing'], buckets: { 'http-admin-interface-probing': { capacity: 1, leakMs: 1, blackholeMs: 0 } } })
  for (let i = 0; i < 20; i++) t.same(b.observe(obs({ url: `/p${i}`, status: 404 })), [])
  t.same(b.observe(obs({ url: '/admin', status: 404 })), [])
  t.equal(b.observe(obs({ url: '/admin2', status: 404 })).length, 1)
  t.equal(b.size, 1)
  t.throws(() => createBehaviour({ nope: 1 } as never), /unknown setting 'nope'/)
  t.throws(() => createBehaviour({ maxBytes: -1 }), /maxBytes must be an integer/)
  t.throws(() => createBehaviour({ attackWindowMs: Infinity }), /attackWindowMs must be a finite number/)
  t.throws(() => createBehaviour({ disable: ['http-nothing' as never] }), /disable must list scenario ids/)
  t.throws(() => createBehaviour({ buckets: { 'http-nothing': {} } as never }), /names no bucket scenario/)
  t.throws(() => createBehaviour({ buckets: { 'http-probing': { capacity: 0 } } }), /capacity must be an integer/)
  t.throws(() => createBehaviour({ loginPaths: ['login'] }), /loginPaths/)
  t.throws(() => createBehaviour({ buckets: { 'http-probing': { blackholeMs: -1 } } }), /blackholeMs must be a number >= 0/)
  t.same(SCENARIOS.map((s) => s.id), ['http-probing', 'http-admin-interface-probing', 'http-sensitive-files', 'http-bf-login', 'http-bad-user-agent', 'http-backdoors-attempts', 'http-path-traversal-probing', 'http-sqli-probing', 'http-xss-probing', 'repeated-attacks', 'distributed-attack'])
})

test('a request that is no event leaves no state', async (t) => {
  const b = make({})
  for (let i = 0; i < 1000; i++) t.equal(b.observe(obs({ realIp: `10.0.${i >> 8}.${i & 255}`, url: `/page/${i}`, status: i % 2 === 0 ? 200 : 302, threats: [threat('script-client', 1)], threatScore: 1 })).length, 0)
  t.equal(b.size, 0)
  t.equal(b.bytes, 0)
})
