import { test } from 'tap'
import { emptyRequestInfo, type RequestInfo } from '../lib/request-info'
import type { Threat } from '../lib/detect/types'
import { loadHash64, md5Hex } from '../lib/fingerprint/hash'
import { createUserAgentFingerprinter } from '../lib/fingerprint/user-agent'
import { parseDuration } from '../lib/respond/duration'
import { compileRules, validateRules, type RuleSettings } from '../lib/respond/rules'
import type { Geo, Rule } from '../lib/respond/types'

const CHROME_120 = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
const FIREFOX_115 = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0'
const JA3 = '771,4865-4866-4867,0-23-65281-10-11,29-23-24,0'
const JA4 = 't13d1516h2_8daaf6152771_b0da82dd1658'

type Fields = Partial<{ -readonly [K in keyof RequestInfo]: RequestInfo[K] }>

async function requestFactory (): Promise<(fields: Fields & { userAgent?: string }) => RequestInfo> {
  const fingerprint = createUserAgentFingerprinter(16, await loadHash64())
  return ({ userAgent, ...fields }) => {
    const info = Object.assign(emptyRequestInfo('svc', 'req-1', fields.method ?? 'GET'), { realIp: '192.0.2.1', path: '/' }, fields)
    if (userAgent !== undefined) Object.assign(info, { ua: userAgent, uai: fingerprint(userAgent).uai })
    return info
  }
}

const threat = (kind: Threat['kind'], score: number): Threat => ({ kind, rule: `${kind}-test`, where: 'query:q', excerpt: '', score })

/** A geo lookup over a fixed table of addresses that counts its calls. */
function tableGeo (table: Record<string, Geo>): { geo: (ip: string) => Geo, calls: string[] } {
  const calls: string[] = []
  return { calls, geo: (ip) => { calls.push(ip); return table[ip] ?? { country: undefined, asn: undefined } } }
}

const SETTINGS: RuleSettings = { mode: 'block', banTtl: 60_000, geo: undefined }

function denyId (rules: Rule[], info: RequestInfo, settings: Partial<RuleSettings> = {}): string | undefined {
  return compileRules(validateRules(rules, 'rules'), { ...SETTINGS, ...settings }).deny(info)?.id
}

test('every match field', async (t) => {
  const request = await requestFactory()
  const block = (match: Rule['match']): Rule[] => [{ id: 'r', action: 'block', match }]
  const cases: Array<[string, Rule['match'], Fields & { userAgent?: string }, boolean]> = [
    ['ip address', { ip: '192.0.2.1' }, { realIp: '192.0.2.1' }, true],
    ['ip elsewhere', { ip: '192.0.2.1' }, { realIp: '192.0.2.2', ip: '192.0.2.1' }, false],
    ['ip block', { ip: ['10.0.0.0/8', '2001:db8::/32'] }, { realIp: '2001:db8::5' }, true],
    ['ip mapped', { ip: '10.0.0.0/8' }, { realIp: '::ffff:10.1.1.1' }, true],
    ['ja3 hash', { ja3: md5Hex(JA3).toUpperCase() }, { sslh: md5Hex(JA3) }, true],
    ['ja3 string', { ja3: JA3 }, { ssl: JA3, sslh: md5Hex(JA3) }, true],
    ['ja3 string, only the hash known', { ja3: JA3 }, { sslh: md5Hex(JA3) }, true],
    ['ja3 other', { ja3: JA3 }, { ssl: '771,1,2,3,4', sslh: md5Hex('771,1,2,3,4') }, false],
    ['ja3 unknown', { ja3: JA3 }, {}, false],
    ['ja4', { ja4: JA4 }, { ja4: JA4 }, true],
    ['ja4 other', { ja4: JA4 }, { ja4: 't13d1516h2_8daaf6152771_000000000000' }, false],
    ['ja4 unknown', { ja4: JA4 }, {}, false],
    ['uaFamily', { uaFamily: 'chrome' }, { userAgent: CHROME_120 }, true],
    ['uaFamily as written', { uaFamily: ['Firefox', 'Chrome'] }, { userAgent: CHROME_120 }, true],
    ['uaFamily other', { uaFamily: 'Chrome' }, { userAgent: FIREFOX_115 }, false],
    ['uaFamily no UA', { uaFamily: 'Chrome' }, {}, false],
    ['uaVersion <', { uaVersion: '<120' }, { userAgent: CHROME_120 }, false],
    ['uaVersion <=', { uaVersion: '<=120' }, { userAgent: CHROME_120 }, true],
    ['uaVersion >', { uaVersion: '>119' }, { userAgent: CHROME_120 }, true],
    ['uaVersion >=', { uaVersion: '>= 121' }, { userAgent: CHROME_120 }, false],
    ['uaVersion =', { uaVersion: '=120' }, { userAgent: CHROME_120 }, true],
    ['uaVersion bare', { uaVersion: '115' }, { userAgent: FIREFOX_115 }, true],
    ['uaVersion unknown', { uaVersion: '<1000' }, { userAgent: 'curl-ish thing' }, false],
    ['uaVersion no UA', { uaVersion: '<1000' }, {}, false],
    ['uaFamily and uaVersion', { uaFamily: 'Chrome', uaVersion: '<100' }, { userAgent: CHROME_120 }, false],
    ['hoh', { hoh: '00112233AABBCCDD' }, { hoh: '00112233aabbccdd' }, true],
    ['hoh other', { hoh: '00112233aabbccdd' }, { hoh: '00112233aabbccde' }, false],
    ['path prefix', { path: '/admin' }, { path: '/admin/users' }, true],
    ['path prefix list', { path: ['/wp-', '/.env'] }, { path: '/.env.local' }, true],
    ['path elsewhere', { path: '/admin' }, { path: '/api/admin' }, false],
    ['method', { method: 'post' }, { method: 'POST' }, true],
    ['method sent in lower case', { method: 'POST' }, { method: 'post' }, true],
    ['method other', { method: ['POST', 'PUT'] }, { method: 'GET' }, false],
    ['threat', { threat: ['sqli', 'xss'] }, { threats: [threat('lfi', 3), threat('xss', 5)] }, true],
    ['threat other', { threat: 'sqli' }, { threats: [threat('xss', 5)] }, false],
    ['threat none', { threat: 'sqli' }, {}, false],
    ['threatScore reached', { threatScore: 5 }, { threatScore: 5 }, true],
    ['threatScore below', { threatScore: 5 }, { threatScore: 4 }, false]
  ]
  for (const [name, match, fields, expected] of cases) {
    t.equal(denyId(block(match), request(fields)), expected ? 'r' : undefined, name)
  }
})

test('country and asn through the geo lookup, once per call, only when needed', async (t) => {
  const request = await requestFactory()
  const { geo, calls } = tableGeo({
    '192.0.2.1': { country: 'DE', asn: 64500 },
    '192.0.2.2': { country: undefined, asn: undefined }
  })
  const rules = validateRules([
    { id: 'allow-office', action: 'allow', match: { ip: '198.51.100.0/24', country: 'de' } },
    { id: 'de-login', action: 'block', match: { path: '/login', country: ['de', 'AT'] } },
    { id: 'asn', action: 'block', match: { asn: [64500, 64501], method: 'POST' } },
    { id: 'both', action: 'ban', match: { country: 'DE', asn: 64500 } }
  ], 'rules')
  const set = compileRules(rules, { ...SETTINGS, geo })
  t.same(set.usesGeo, { country: true, asn: true })
  t.equal(set.allow(request({ realIp: '192.0.2.1' })), undefined)
  t.same(calls, [], 'the allow rule failed on ip before geo was read')
  t.equal(set.deny(request({ realIp: '192.0.2.1', path: '/login' }))?.id, 'de-login')
  t.same(calls, ['192.0.2.1'])
  calls.length = 0
  t.equal(set.deny(request({ realIp: '192.0.2.1', method: 'POST' }))?.id, 'asn')
  t.equal(calls.length, 1, 'one lookup for three rules')
  calls.length = 0
  t.equal(set.deny(request({ realIp: '192.0.2.2', path: '/login', method: 'POST' })), undefined, 'unknown country and ASN match nothing')
  t.equal(calls.length, 1)
  calls.length = 0
  const info = request({ realIp: '192.0.2.1' })
  set.deny(info)
  set.deny(info)
  t.equal(calls.length, 2, 'each call looks up again: the database may have been reloaded')

  const asnOnly = compileRules(validateRules([{ id: 'a', action: 'block', match: { asn: 1 } }], 'rules'), { ...SETTINGS, geo })
  t.same(asnOnly.usesGeo, { country: false, asn: true })
  t.same(compileRules([], SETTINGS).usesGeo, { country: false, asn: false })
})

test('a rule on country or asn without option respond.geoip is refused', async (t) => {
  t.throws(() => compileRules([{ id: 'c', action: 'block', match: { country: 'DE' } }], SETTINGS),
    { message: 'rule "c" matches on country, which needs option respond.geoip (a country database)' })
  t.throws(() => compileRules([{ id: 'a', action: 'allow', match: { asn: 64500 } }], SETTINGS),
    { message: 'rule "a" matches on asn, which needs option respond.geoip (an ASN database)' })
})

test('rules from code and from a file together: ids unique across both', async (t) => {
  const code = validateRules([{ id: 'office', action: 'allow', match: { ip: '10.0.0.0/8' } }], 'option respond.rules')
  const file = validateRules({ rules: [{ id: 'office', action: 'block', match: { path: '/' } }] }, 'rules.yaml')
  t.throws(() => compileRules([...code, ...file], SETTINGS),
    { message: 'two rules have the id "office"; ids name rules in requestInfo.decision and must be unique' })
})

test('fields AND, values OR', async (t) => {
  const request = await requestFactory()
  const rules: Rule[] = [{ id: 'r', action: 'block', match: { path: ['/a', '/b'], method: ['POST', 'PUT'], ip: ['192.0.2.0/24', '198.51.100.7'] } }]
  t.equal(denyId(rules, request({ path: '/b/x', method: 'PUT', realIp: '198.51.100.7' })), 'r')
  t.equal(denyId(rules, request({ path: '/a', method: 'POST', realIp: '192.0.2.9' })), 'r')
  t.equal(denyId(rules, request({ path: '/c', method: 'POST', realIp: '192.0.2.9' })), undefined, 'path fails')
  t.equal(denyId(rules, request({ path: '/a', method: 'GET', realIp: '192.0.2.9' })), undefined, 'method fails')
  t.equal(denyId(rules, request({ path: '/a', method: 'POST', realIp: '198.51.100.8' })), undefined, 'ip fails')
})

test('order and modes: first allow, first enforcing deny, else first monitored', async (t) => {
  const request = await requestFactory()
  const rules = validateRules({
    rules: [
      { id: 'watch-admin', action: 'block', mode: 'monitor', match: { path: '/admin' } },
      { id: 'ban-scanner', action: 'ban', ttl: '1h', match: { path: '/admin', threat: 'scanner' } },
      { id: 'block-admin', action: 'block', match: { path: '/admin' } },
      { id: 'watch-all-post', action: 'block', mode: 'monitor', match: { method: 'POST' } },
      { id: 'office', action: 'allow', match: { ip: '10.0.0.0/8' } },
      { id: 'office-2', action: 'allow', match: { ip: '10.1.0.0/16' } }
    ]
  }, 'rules.yaml')
  const set = compileRules(rules, { mode: 'monitor', banTtl: 600_000, geo: undefined })
  t.equal(set.size, 6)
  t.equal(set.usesThreats, true)
  t.same(set.allow(request({ realIp: '10.1.2.3' })), { id: 'office', action: 'allow', mode: 'monitor', ttl: 0 }, 'first allow rule')
  t.equal(set.allow(request({ realIp: '11.0.0.1' })), undefined)
  t.same(set.deny(request({ path: '/admin', threats: [threat('scanner', 3)] })),
    { id: 'watch-admin', action: 'block', mode: 'monitor', ttl: 0 }, 'the ban rule is monitored: option mode')
  const enforcing = compileRules(rules, { mode: 'block', banTtl: 600_000, geo: undefined })
  t.same(enforcing.deny(request({ path: '/admin', threats: [threat('scanner', 3)] })),
    { id: 'ban-scanner', action: 'ban', mode: 'block', ttl: 3_600_000 }, 'a monitored rule does not hide a later enforcing one')
  t.equal(enforcing.deny(request({ path: '/admin' }))?.id, 'block-admin')
  t.equal(enforcing.deny(request({ path: '/x', method: 'POST' }))?.id, 'watch-all-post', 'only a monitored rule matches')
  t.equal(enforcing.deny(request({ path: '/x' })), undefined)
  t.same(compileRules([{ id: 'b', action: 'ban', match: { path: '/' } }], SETTINGS).deny(request({})),
    { id: 'b', action: 'ban', mode: 'block', ttl: 60_000 }, 'a ban rule without ttl takes option ban.ttl')
})

test('no rules: nothing matches, nothing is needed', async (t) => {
  const request = await requestFactory()
  const set = compileRules([], SETTINGS)
  t.equal(set.allow(request({})), undefined)
  t.equal(set.deny(request({})), undefined)
  t.equal(set.size, 0)
  t.equal(set.usesThreats, false)
  t.same(validateRules({ rules: [] }, 'f'), [])
})

test('validated rules are fresh copies with the fields given', async (t) => {
  const input = [{ id: 'r', action: 'ban', ttl: '10m', mode: 'monitor', match: { ip: ['10.0.0.0/8'], asn: 64500 } }]
  const rules = validateRules(input, 'rules')
  t.same(rules, input)
  t.not(rules[0], input[0])
  t.not(rules[0].match, input[0].match)
  t.not(rules[0].match.ip, input[0].match.ip)
})

test('invalid rules: each error names the rule, the field and what is accepted', async (t) => {
  const ok = { id: 'ok', action: 'block', match: { path: '/' } }
  const cases: Array<[unknown, string]> = [
    ['x', 'rules: must be a list of rules or an object { rules: [...] }; got "x"'],
    [null, 'rules: must be a list of rules or an object { rules: [...] }; got null'],
    [{ rule: [] }, 'rules: unknown key "rule"; known keys are rules'],
    [{ rules: {} }, 'rules: rules: must be a list of rules; got {}'],
    [{ rules: [ok, 7] }, 'rules: rules[1]: must be an object { id, action, match, mode?, ttl? }; got 7'],
    [[ok, [ok]], 'rules[1]: must be an object { id, action, match, mode?, ttl? }; got [{"id":"ok","action":"block","match":{"path":"/"}}]'],
    [[{ ...ok, Mode: 'block' }], 'rules[0]: unknown key "Mode"; known keys are id, action, match, mode, ttl'],
    [[{ ...ok, id: 'a b' }], "rules[0].id: \"a b\" is not a rule id (1 to 64 letters, digits, '_', '-', '.' or ':')"],
    [[{ ...ok, id: 7 }], "rules[0].id: 7 is not a rule id (1 to 64 letters, digits, '_', '-', '.' or ':')"],
    [[{ action: 'block', match: { path: '/' } }], "rules[0].id: undefined is not a rule id (1 to 64 letters, digits, '_', '-', '.' or ':')"],
    [[ok, { ...ok, action: 'allow' }], 'rules[1].id: "ok" is the id of an earlier rule (rules[0])'],
    [[{ ...ok, action: 'deny' }], "rules[0].action: must be 'allow', 'block' or 'ban'; got \"deny\""],
    [[{ id: 'x', action: 'block' }], 'rules[0]: has no match (what requests the rule applies to)'],
    [[{ ...ok, match: {} }], 'rules[0].match: is empty, so the rule would match every request; give at least one field'],
    [[{ ...ok, match: [] }], 'rules[0].match: must be an object of ip, ja3, ja4, uaFamily, uaVersion, hoh, path, method, country, asn, threat, threatScore; got []'],
    [[{ ...ok, match: { paths: '/' } }], 'rules[0].match: unknown key "paths"; known keys are ip, ja3, ja4, uaFamily, uaVersion, hoh, path, method, country, asn, threat, threatScore'],
    [[{ ...ok, match: { ip: '10.0.0.300/8' } }], 'rules[0].match.ip: "10.0.0.300/8" is not an IP address or CIDR block'],
    [[{ ...ok, match: { ip: ['10.0.0.0/8', '::/200'] } }], 'rules[0].match.ip[1]: "::/200" is not an IP address or CIDR block (the prefix length of an IPv6 block is 0 to 128)'],
    [[{ ...ok, match: { ip: [] } }], 'rules[0].match.ip: is an empty list, which would never match; remove the field or give values'],
    [[{ ...ok, match: { ja3: 'abc' } }], 'rules[0].match.ja3: "abc" is not a JA3 hash (32 hex digits) or JA3 string'],
    [[{ ...ok, match: { ja4: JA4.toUpperCase() } }], `rules[0].match.ja4: "${JA4.toUpperCase()}" is not a JA4 fingerprint (t13d1516h2_8daaf6152771_b0da82dd1658)`],
    [[{ ...ok, match: { uaFamily: '' } }], 'rules[0].match.uaFamily: "" is not a browser name (Chrome, Firefox, …)'],
    [[{ ...ok, match: { uaFamily: ['Chrome', 5] } }], 'rules[0].match.uaFamily[1]: 5 is not a browser name (Chrome, Firefox, …)'],
    [[{ ...ok, match: { uaVersion: '~120' } }], "rules[0].match.uaVersion: \"~120\" is not a version comparison ('<120', '<=119', '>=120', '>120', '=120' or '120')"],
    [[{ ...ok, match: { uaVersion: 120 } }], "rules[0].match.uaVersion: 120 is not a version comparison ('<120', '<=119', '>=120', '>120', '=120' or '120')"],
    [[{ ...ok, match: { uaVersion: ['<120'] } }], "rules[0].match.uaVersion: [\"<120\"] is not a version comparison ('<120', '<=119', '>=120', '>120', '=120' or '120')"],
    [[{ ...ok, match: { hoh: 'xyz' } }], 'rules[0].match.hoh: "xyz" is not a header-order hash (16 hex digits)'],
    [[{ ...ok, match: { path: 'admin' } }], "rules[0].match.path: \"admin\" is not a path prefix starting with '/'"],
    [[{ ...ok, match: { method: 'GET POST' } }], 'rules[0].match.method: "GET POST" is not an HTTP method'],
    [[{ ...ok, match: { country: 'DEU' } }], 'rules[0].match.country: "DEU" is not an ISO 3166-1 alpha-2 country code (DE, US, …)'],
    [[{ ...ok, match: { asn: 'AS64500' } }], 'rules[0].match.asn: "AS64500" is not an autonomous system number (an integer from 1 to 4294967295)'],
    [[{ ...ok, match: { asn: [1, 0] } }], 'rules[0].match.asn[1]: 0 is not an autonomous system number (an integer from 1 to 4294967295)'],
    [[{ ...ok, match: { asn: [] } }], 'rules[0].match.asn: is an empty list, which would never match; remove the field or give values'],
    [[{ ...ok, match: { threat: 'sql' } }], 'rules[0].match.threat: "sql" is not a threat kind (sqli, xss, lfi, rfi, rce, php, java, scanner, script-client, sensitive-file, web-shell, ssrf, prototype-pollution, nosql, impersonation)'],
    [[{ ...ok, match: { threatScore: 0 } }], 'rules[0].match.threatScore: 0 is not a score above 0 (0 would match every request)'],
    [[{ ...ok, match: { threatScore: '5' } }], 'rules[0].match.threatScore: "5" is not a score above 0 (0 would match every request)'],
    [[{ ...ok, mode: 'enforce' }], "rules[0].mode: must be 'monitor' or 'block'; got \"enforce\""],
    [[{ ...ok, action: 'allow', mode: 'block' }], 'rules[0].mode: an allow rule has no mode: it lets the request through in either mode'],
    [[{ ...ok, ttl: '1h' }], 'rules[0].ttl: only ban rules have a ttl'],
    [[{ ...ok, action: 'ban', ttl: '1 hour' }], "rules[0].ttl: \"1 hour\" is not a duration (a number of ms, or a number and a unit: '250ms', '30s', '10m', '4h', '7d')"],
    [[{ ...ok, action: 'ban', ttl: 0 }], 'rules[0].ttl: a ban of 0 ms would end at once'],
    [[{ ...ok, action: 'ban', ttl: -5 }], "rules[0].ttl: -5 is not a duration (a number of ms, or a number and a unit: '250ms', '30s', '10m', '4h', '7d')"]
  ]
  for (const [input, message] of cases) t.throws(() => validateRules(input, 'rules'), { message }, message)
})

test('__proto__ and constructor are unknown keys, never a prototype', async (t) => {
  const ok = '"id": "ok", "action": "block", "match": { "path": "/" }'
  const cases: Array<[string, string]> = [
    [`{ "__proto__": [], "rules": [] }`, 'f: unknown key "__proto__"; known keys are rules'],
    [`[{ ${ok}, "__proto__": { "mode": "monitor" } }]`, 'f[0]: unknown key "__proto__"; known keys are id, action, match, mode, ttl'],
    [`[{ ${ok}, "constructor": { "prototype": { "mode": "monitor" } } }]`, 'f[0]: unknown key "constructor"; known keys are id, action, match, mode, ttl'],
    [`[{ "id": "x", "action": "block", "match": { "__proto__": { "path": "/" } } }]`, 'f[0].match: unknown key "__proto__"; known keys are ip, ja3, ja4, uaFamily, uaVersion, hoh, path, method, country, asn, threat, threatScore'],
    [`[{ "id": "x", "action": "block", "match": { "threat": "__proto__" } }]`, 'f[0].match.threat: "__proto__" is not a threat kind (sqli, xss, lfi, rfi, rce, php, java, scanner, script-client, sensitive-file, web-shell, ssrf, prototype-pollution, nosql, impersonation)'],
    [`[{ "id": "__proto__", "action": "block", "match": { "path": "/" } }, { "id": "__proto__", "action": "block", "match": { "path": "/" } }]`, 'f[1].id: "__proto__" is the id of an earlier rule (f[0])']
  ]
  for (const [json, message] of cases) t.throws(() => validateRules(JSON.parse(json), 'f'), { message }, message)
  // An object whose prototype is not Object.prototype (a class instance, or a literal with __proto__ set).
  const inherited = Object.create({ id: 'x', action: 'block', match: { path: '/' } })
  t.throws(() => validateRules([inherited], 'f'), { message: 'f[0]: must be an object { id, action, match, mode?, ttl? }; got {}' })
  t.throws(() => validateRules([{ __proto__: { path: '/' } }], 'f'), { message: /^f\[0\]: must be an object/ })
  // Fields inherited from a polluted Object.prototype are not read.
  const polluted = Object.prototype as Record<string, unknown>
  polluted.ttl = 'garbage'
  try {
    t.same(validateRules([{ id: 'x', action: 'block', match: { path: '/' } }], 'f'), [{ id: 'x', action: 'block', match: { path: '/' } }])
  } finally {
    delete polluted.ttl
  }
  const nullProto = Object.assign(Object.create(null), { id: 'n', action: 'block', match: { path: '/' } })
  t.same(validateRules([nullProto], 'f'), [{ id: 'n', action: 'block', match: { path: '/' } }], 'a null-prototype object is a plain object')
})

test('parseDuration', async (t) => {
  const good: Array<[number | string, number]> = [[0, 0], [1500, 1500], [2.5, 2.5], ['250ms', 250], ['30s', 30_000], ['10m', 600_000],
    ['4h', 14_400_000], ['7d', 604_800_000], ['1.5h', 5_400_000], ['0s', 0]]
  for (const [value, ms] of good) t.equal(parseDuration(value, 'option x'), ms, String(value))
  const bad: unknown[] = [-1, Infinity, NaN, '30', '', ' 30s', '30 s', '30S', '1e3ms', '-1s', '1w', '.5h', '5.h', null, undefined, {}, ['1s'], '9'.repeat(400) + 'd']
  for (const value of bad) {
    t.throws(() => parseDuration(value as string, 'option x'), { message: /^option x: .* is not a duration \(a number of ms, or a number and a unit: '250ms', '30s', '10m', '4h', '7d'\)$/ }, String(value).slice(0, 20))
  }
})
