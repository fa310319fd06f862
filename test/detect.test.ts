import { test } from 'tap'
import { createDetection, threatScore } from '../lib/detect/index'
import { decodeRaw, decodeValue, decodedChars, percentDecode, decodeEntities } from '../lib/detect/decode'
import { Char, charClasses } from '../lib/detect/chars'
import { isRegexSpace, withoutSpaces, withoutUnit } from '../lib/detect/units'
import { active, excerpt, report, EXCERPT_LENGTH } from '../lib/detect/report'
import { ANYWHERE, Place, type Detector, type Inspected, type Rule } from '../lib/detect/types'

const SETTINGS = { paranoia: 1 as const, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }

/** A detector that keeps every value it is given and reports its rule on values containing `evil`. */
function probe (places = ANYWHERE, triggers = 0, paranoia: 1 | 2 = 1): Detector & { seen: Inspected[] } {
  const rule: Rule = { id: `sqli-probe-${paranoia}`, kind: 'sqli', paranoia, score: 5, summary: 'test' }
  const seen: Inspected[] = []
  return {
    kind: 'sqli',
    rules: [rule],
    places,
    triggers,
    seen,
    inspect (value, scope, out) {
      seen.push(value)
      const at = value.text.indexOf('evil')
      if (active(rule, scope) && at !== -1) report(out, rule, value, at, 4)
    }
  }
}

test('decodeValue: two levels of percent-encoding, + as space, overlong UTF-8, %u, NULs, entities, case', async (t) => {
  t.equal(decodeValue('%2e%2E%2f', false), '../')
  t.equal(decodeValue('%252e%252e%252f', false), '../', 'double encoding')
  t.equal(decodeValue('%25252e', false), '%2e', 'a third level is left')
  t.equal(decodeValue('a+b%2bc', true), 'a b+c', '+ is a space in a query, %2b is a plus')
  t.equal(decodeValue('a+b', false), 'a+b', '+ stays in a path')
  t.equal(decodeValue('%c0%ae%c0%ae%c0%af', false), '../', 'two-byte overlong')
  t.equal(decodeValue('%e0%80%ae', false), '.', 'three-byte overlong')
  t.equal(decodeValue('%u002e%U002E/', false), '../', 'IIS %u')
  t.equal(decodeValue('%F0%9F%98%80', false), '\u{1f600}', 'four-byte UTF-8')
  t.equal(decodeValue('%ff%fe%c3', false), '\u00ff\u00fe\u00e3', 'invalid bytes stand for themselves')
  t.equal(decodeValue('%zz%4%', false), '%zz%4%', 'invalid escapes are kept')
  t.equal(decodeValue('ev%00il\u0000', false), 'evil', 'NULs removed, raw or encoded')
  t.equal(decodeValue('&lt;SCRIPT&gt;', false), '<script>')
  t.equal(decodeValue('&#x3C;&#60&#0000106;&#X6A&colon;', false), '<<jj:')
  t.equal(decodeValue('%26lt%3b', false), '<', 'an entity hidden behind percent-encoding')
  t.equal(decodeValue('&unknown; &#99999999;', false), '&unknown; &#99999999;', 'what is no reference stays')
  t.equal(decodeValue('PlainText', false), 'plaintext')
  t.equal(percentDecode('%41%', false), 'A%')
  t.equal(decodeEntities('no references'), 'no references')
})

test('decodeValue stays linear on long hostile input', async (t) => {
  for (const unit of ['%', '%2', '%25', '%u', '&#', '&#x', '&a', '%c0', '%e0%80']) {
    const text = unit.repeat(Math.ceil(65536 / unit.length))
    t.type(decodeValue(text, true), 'string', `${unit} x 64 KB decodes`)
  }
  t.equal(decodeValue('a'.repeat(20000) + '%41', false), 'a'.repeat(20000) + 'a', 'long output is built in chunks')
})

test('decodeValue gives the same text on long input as on short', async (t) => {
  // Values of BULK (64) characters and more are decoded through a typed array: each case is checked at both sizes.
  const cases: Array<[string, string, boolean]> = [
    ['%', '%', false], ['%u', '%u', false], ['%2', '%2', true], ['a%', 'a%', false], ['&', '&', false], ['&#', '&#', false],
    ['&a', '&a', false], ['%41', 'a', false], ['a%41', 'aa', false], ['%2541', 'a', false], ['%252541', '%41', false],
    ['&lt;', '<', false], ['&#60', '<', false], ['&#x3c;', '<', false], ['%26lt;', '<', false], ['&LBRACK;', '[', false],
    ['%c0%ae', '.', false], ['%e0%80%ae', '.', false], ['%f0%9f%98%80', '\u{1f600}', false], ['%c3', '\u00e3', false],
    ['%u002E', '.', false], ['a+b%2b', 'a b+', true], ['%%41', '%a', false], ['%%3441', 'd1', false], ['%4%41', 'j', false],
    ['%00x\u0000&#0;', 'x', false], ['\ud83d&#128512;', '\ud83d\u{1f600}', false]
  ]
  for (const [unit, decoded, plus] of cases) {
    t.equal(decodeValue(unit, plus), decoded, `${JSON.stringify(unit)} decodes`)
    t.equal(decodeValue(unit.repeat(4096), plus), decoded.repeat(4096), `${JSON.stringify(unit)} x 4096 decodes alike`)
  }
  t.equal(decodeValue('%' + 'z'.repeat(100) + '%25%34%31', false), '%' + 'z'.repeat(100) + 'a', 'a second level far from the first %')
  t.equal(percentDecode('%41%'.repeat(100), false), 'A%'.repeat(100))
  t.equal(decodeEntities('&#0;&lt'.repeat(100)), '\u0000<'.repeat(100), 'decodeEntities keeps NULs')
})

test('a decimal reference ends at the end of the value', async (t) => {
  t.equal(decodeValue('&#60', false), '<')
  t.equal(decodeValue('x&#0000106', false), 'xj')
  t.equal(decodeEntities('&#60'), '<')
})

test('decodeValue: long plain stretches between escapes are moved whole, and decodedChars gives the bits of the text', async (t) => {
  // Stretches longer than the loop copies one by one (16) are found by indexOf: escapes, `+` and `&` after them
  // are decoded all the same, at the first level, the second and in entities.
  const pad = 'Xy'.repeat(40)
  const cases: Array<[string, string, boolean]> = [
    [pad + '%41' + pad + '%2B' + pad + '+' + pad, (pad + 'a' + pad + '+' + pad + ' ' + pad).toLowerCase(), true],
    [pad + '+' + pad + '+', (pad + ' ' + pad + ' ').toLowerCase(), true],
    [pad + '+' + pad, (pad + '+' + pad).toLowerCase(), false],
    ['%25' + pad + '%2541' + pad + '%41', ('%' + pad + 'a' + pad + 'a').toLowerCase(), false],
    [pad + '%26lt;' + pad + '%00' + pad, (pad + '<' + pad + pad).toLowerCase(), false],
    [pad + '&#x3C;' + pad + '\u00C4\u212A', (pad + '<' + pad + '\u00e4\u212a').toLowerCase(), false],
    [pad + '%u0130' + pad, (pad + '\u0130' + pad).toLowerCase(), false]
  ]
  for (const [raw, decoded, plus] of cases) {
    for (const value of [raw, raw.repeat(50)]) {
      const text = decodeValue(value, plus)
      t.equal(text, value === raw ? decoded : decoded.repeat(50), `${JSON.stringify(raw.slice(80, 100))} decodes`)
      t.equal(decodedChars(), charClasses(text), 'the bits of the decoded text')
    }
  }
  t.equal(decodeEntities(pad + '&lt;' + pad + '\u0000' + pad + '&#0;'), pad + '<' + pad + '\u0000' + pad + '\u0000', 'decodeEntities moves stretches too, and keeps NULs')
  t.equal(decodeValue(pad + '&lt;' + pad + '\u0000' + pad + '&gt', false), (pad + '<' + pad + pad + '>').toLowerCase(), 'entities after long stretches, NULs dropped')
  // After a long value, the scratch array holds its tail: a short value is searched within its own length.
  decodeValue('%2526' + '&amp;'.repeat(20000) + '\u0000', false)
  t.equal(decodeValue('%2541' + 'x'.repeat(40) + '%26lt;', false), 'a' + 'x'.repeat(40) + '<')
  t.equal(decodeValue('%2541' + 'x'.repeat(40) + '%25', false), 'a' + 'x'.repeat(40) + '%')
  const header = { raw: pad + '%3C' + pad }
  t.equal(decodeRaw(header), (pad + '<' + pad).toLowerCase())
  t.equal(decodeRaw({ raw: pad + '%2F' }), (pad + '/').toLowerCase())
  t.equal(decodeRaw(header), (pad + '<' + pad).toLowerCase(), 'a value decoded again (as rce and lfi do with headers)')
  t.equal(decodeRaw({ raw: header.raw.toUpperCase() }), (pad + '<' + pad).toLowerCase(), 'another value')
  t.equal(decodeValue('PLAIN text', false), 'plain text')
  t.equal(decodedChars(), Char.space, 'bits of a text only lowercased')
  t.equal(decodeValue('A%41', false), 'aa')
  t.equal(decodedChars(), 0)
})

test('charClasses', async (t) => {
  t.equal(charClasses('abc'), 0)
  t.equal(charClasses("a'b"), Char.quote)
  t.equal(charClasses('1 <x>'), Char.digit | Char.space | Char.lt | Char.gt)
  t.equal(charClasses('\u0001é+'), Char.control | Char.nonAscii | Char.plus)
  // Long texts go through a typed array: the same bits, including for characters past U+00FF.
  t.equal(charClasses('a'.repeat(1000) + "'"), Char.quote)
  t.equal(charClasses('\u0127'.repeat(1000)), Char.nonAscii, 'U+0127 is not a quote')
  t.equal(charClasses('1 <x>\u0001é+'.repeat(100)), Char.digit | Char.space | Char.lt | Char.gt | Char.control | Char.nonAscii | Char.plus)
})

test('excerpt is bounded and keeps the match', async (t) => {
  const text = 'x'.repeat(200) + 'evil' + 'y'.repeat(200)
  const cut = excerpt(text, 200, 4)
  t.equal(cut.length, EXCERPT_LENGTH)
  t.ok(cut.includes('evil'))
  t.equal(excerpt('short evil', 6, 4), 'short evil')
  t.ok(excerpt(text, 400, 4).length <= EXCERPT_LENGTH)
})

test('every place of a request reaches the detectors, with its name and decoded text', async (t) => {
  const d = probe()
  const detection = createDetection(SETTINGS, [d])
  const threats = detection.request({
    url: '/a%2Fb?Q1=v%2531&flag&=empty&n%61me=x+y',
    headers: {
      'user-agent': 'UA/1', referer: 'http://r/', cookie: 'sid=abc; theme = dark ;bare',
      'x-forwarded-for': '1.2.3.4', 'x-custom': 'Hello%41', ':path': '/a', host: 'h', 'content-length': '0',
      accept: ['a', 'b']
    }
  })
  t.same(threats, [])
  const seen = d.seen.map((v) => [v.place, v.name, v.text])
  t.same(seen, [
    [Place.path, '', '/a/b'],
    [Place.queryName, 'q1', 'q1'], [Place.query, 'q1', 'v1'],
    [Place.queryName, 'flag', 'flag'],
    [Place.query, '', 'empty'],
    [Place.queryName, 'name', 'name'], [Place.query, 'name', 'x y'],
    [Place.userAgent, 'user-agent', 'ua/1'],
    [Place.referer, 'referer', 'http://r/'],
    [Place.cookieName, 'sid', 'sid'], [Place.cookie, 'sid', 'abc'], [Place.cookieName, 'theme', 'theme'], [Place.cookie, 'theme', 'dark'],
    [Place.cookie, '', 'bare'],
    [Place.forwarded, 'x-forwarded-for', '1.2.3.4'],
    [Place.otherHeader, 'x-custom', 'hello%41'],
    [Place.otherHeader, 'accept', 'a'], [Place.otherHeader, 'accept', 'b']
  ], 'other headers are lowercased, not decoded; host, content-length and pseudo-headers are not read')
})

test('a detector sees only its places and values with one of its trigger characters', async (t) => {
  const d = probe(Place.query, Char.quote)
  createDetection(SETTINGS, [d]).request({ url: "/evil'?a=b&c=d'", headers: { 'user-agent': "x'" } })
  t.same(d.seen.map((v) => v.text), ["d'"])
})

test('a rule is reported once per request, where it first matched; the score sums the findings', async (t) => {
  const detection = createDetection(SETTINGS, [probe()])
  const threats = detection.request({ url: '/evil?a=evil&b=evil', headers: {} })
  t.same(threats, [{ kind: 'sqli', rule: 'sqli-probe-1', where: 'path', excerpt: '/evil', score: 5 }])
  t.equal(threatScore(threats), 5)
  t.equal(threatScore([]), 0)
})

test('where names each place', async (t) => {
  const detection = createDetection(SETTINGS, [probe(Place.query)])
  t.equal(detection.request({ url: '/?id=evil', headers: {} })[0].where, 'query:id')
  const cookie = createDetection(SETTINGS, [probe(Place.cookie)])
  t.equal(cookie.request({ url: '/', headers: { cookie: 'a=1; s=evil' } })[0].where, 'cookie:s')
  const cookieName = createDetection(SETTINGS, [probe(Place.cookieName)])
  t.equal(cookieName.request({ url: '/', headers: { cookie: 'a=1; evil=1' } })[0].where, 'cookie-name')
  const header = createDetection(SETTINGS, [probe(Place.otherHeader)])
  t.equal(header.request({ url: '/', headers: { 'x-api-version': 'evil' } })[0].where, 'header:x-api-version')
  const name = createDetection(SETTINGS, [probe(Place.queryName)])
  t.equal(name.request({ url: '/?evil=1', headers: {} })[0].where, 'query-name')
  const long = createDetection(SETTINGS, [probe(Place.query)])
  t.equal(long.request({ url: `/?${'n'.repeat(500)}=evil`, headers: {} })[0].where, 'query:' + 'n'.repeat(64), 'names are cut to 64')
})

test('paranoia and disable decide which rules run', async (t) => {
  t.same(createDetection(SETTINGS, [probe(ANYWHERE, 0, 2)]).request({ url: '/evil', headers: {} }), [], 'a PL2 rule does not run at PL1')
  t.equal(createDetection({ ...SETTINGS, paranoia: 2 }, [probe(ANYWHERE, 0, 2)]).request({ url: '/evil', headers: {} }).length, 1)
  const off = probe()
  t.same(createDetection({ ...SETTINGS, disable: ['sqli-probe-1'] }, [off]).request({ url: '/evil', headers: {} }), [])
  t.equal(off.seen.length, 0, 'a detector whose rules are all off is not called')
})

test('User-Agent findings are cached per User-Agent and frozen', async (t) => {
  const d = probe(Place.userAgent)
  const detection = createDetection(SETTINGS, [d])
  const a = detection.request({ url: '/', headers: { 'user-agent': 'evil/1' } })
  const b = detection.request({ url: '/', headers: { 'user-agent': 'evil/1' } })
  t.equal(d.seen.length, 1, 'inspected once')
  t.equal(a[0], b[0])
  t.ok(Object.isFrozen(a[0]))
})

test('bodies: JSON members and values, form pairs, text, the character budget', async (t) => {
  const d = probe(Place.body | Place.bodyName)
  const detection = createDetection({ ...SETTINGS, bodyLimit: 40 }, [d])
  const out: ReturnType<typeof detection.request> = []
  t.equal(detection.body({ user: { name: 'Ann', tags: ['x', 'evil'] }, n: 1, z: null }, 'application/json', out), true)
  t.same(d.seen.map((v) => [v.place, v.name, v.text]), [
    [Place.bodyName, 'user', 'user'], [Place.bodyName, 'name', 'name'], [Place.body, 'name', 'ann'],
    [Place.bodyName, 'tags', 'tags'], [Place.body, 'tags', 'x'], [Place.body, 'tags', 'evil'],
    [Place.bodyName, 'n', 'n'], [Place.bodyName, 'z', 'z']
  ])
  t.same(out.map((x) => x.where), ['body:tags'])
  d.seen.length = 0
  t.equal(detection.body('a=1&b=x+evil', 'application/x-www-form-urlencoded; charset=utf-8', []), true)
  t.same(d.seen.map((v) => [v.place, v.name, v.text]), [[Place.bodyName, 'a', 'a'], [Place.body, 'a', '1'], [Place.bodyName, 'b', 'b'], [Place.body, 'b', 'x evil']])
  d.seen.length = 0
  t.equal(detection.body('x'.repeat(100), 'text/plain', []), false, 'a longer text is cut to the budget')
  t.equal(d.seen[0].text.length, 40)
  t.equal(detection.body({ a: 'y'.repeat(100) }, 'application/json', []), false, 'so is a longer JSON body')
  let deep: Record<string, unknown> = { v: 'evil' }
  for (let i = 0; i < 100; i++) deep = { d: deep }
  t.equal(createDetection(SETTINGS, [probe(Place.body)]).body(deep, 'application/json', []), false, 'nesting past 32 levels is not walked')
  t.equal(detection.body(Buffer.from('evil'), 'application/octet-stream', []), true, 'a Buffer is not inspected')
  t.equal(detection.body(42, 'application/json', []), true)
})

test('__proto__ as a JSON key is walked as data, and nothing is polluted', async (t) => {
  const d = probe(Place.bodyName | Place.body)
  createDetection(SETTINGS, [d]).body(JSON.parse('{"__proto__":{"polluted":"evil"}}'), 'application/json', [])
  t.same(d.seen.map((v) => v.name), ['__proto__', 'polluted', 'polluted'])
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('past 256 parameters, cookies or body members the rest is inspected as one value, so nothing is hidden', async (t) => {
  const d = probe()
  const detection = createDetection(SETTINGS, [d])
  const query = Array.from({ length: 300 }, (_, i) => `p${i}=v`).join('&') + '&last=evil'
  const threats = detection.request({ url: '/?' + query, headers: {} })
  t.same(threats.map((x) => x.where), ['query-name'], 'found in the rest (read as names first)')
  t.equal(d.seen.filter((v) => v.place === Place.query).length, 256 + 1, '256 values, then the rest as one')
  t.equal(d.seen.at(-1)?.name, '(rest)')
  t.ok(d.seen.at(-1)?.text.endsWith('last=evil'))

  const cookies = Array.from({ length: 300 }, (_, i) => `c${i}=v`).join('; ') + '; s=evil'
  const c = probe(Place.cookie)
  t.same(createDetection(SETTINGS, [c]).request({ url: '/', headers: { cookie: cookies } }).map((x) => x.where), ['cookie:(rest)'])
  t.equal(c.seen.length, 257, '256 cookies, then the rest')
  t.ok(c.seen[0].text.startsWith('c256=v'), 'the rest starts where the inspected cookies stop')

  const body: Record<string, string> = {}
  for (let i = 0; i < 300; i++) body[`k${i}`] = 'v'
  body.last = 'evil'
  const b = probe(Place.body)
  const out: ReturnType<typeof detection.request> = []
  t.equal(createDetection(SETTINGS, [b]).body(body, 'application/json', out), true)
  t.same(out.map((x) => x.where), ['body:(rest)'])
})

test('units: rewriting a value in one loop gives what a native replace gives', async (t) => {
  const spaces = ' \t\n\v\f\r\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'
  const texts = ['a b', 'c^m^d', 'x' + spaces + 'y\u180ez', ('a+ ^\u0101\t').repeat(5000)]
  texts.forEach((text, i) => {
    t.equal(withoutSpaces(text), text.replace(/\s+/g, ''), `text ${i} without spaces`)
    t.equal(withoutUnit(text, 0x5e), text.replace(/\^/g, ''), `text ${i} without ^`)
  })
  for (let c = 0; c < 0x10000; c++) if (isRegexSpace(c) !== /\s/.test(String.fromCharCode(c))) t.fail(`U+${c.toString(16)}`)
  const long = 'z'.repeat(100000)
  t.equal(withoutUnit(long, 0x5e), long, 'the scratch array grows')
  t.equal(withoutUnit('a^', 0x5e), 'a', 'and a short value after a long one is read alone')
})
