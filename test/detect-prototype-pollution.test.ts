import { test } from 'tap'
import { createDetection } from '../lib/detect/index'
import { prototypePollution } from '../lib/detect/signatures/prototype-pollution'

const detection = createDetection({ paranoia: 1, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [prototypePollution])
const found = (url: string, headers: Record<string, string> = {}) => detection.request({ url, headers }).map((f) => [f.rule, f.where])

test('__proto__ as a step of a parameter name, cookie or JSON key', async (t) => {
  t.same(found('/?a[__proto__][admin]=1'), [['prototype-pollution-proto', 'query-name']])
  t.same(found('/?__proto__.polluted=1'), [['prototype-pollution-proto', 'query-name']])
  t.same(found('/?__proto__%5Btest%5D=x'), [['prototype-pollution-proto', 'query-name']], 'percent-encoded brackets')
  t.same(found('/?__PROTO__[x]=1'), [['prototype-pollution-proto', 'query-name']], 'case')
  t.same(found('/', { cookie: 'c=__proto__.foo=bar' }), [['prototype-pollution-proto', 'cookie:c']])
  t.same(found('/', { cookie: 'c=__\\u0070\\u0072oto__.foo=bar' }), [['prototype-pollution-proto', 'cookie:c']], 'JavaScript escapes')
  t.same(found('/?q=' + encodeURIComponent('{"then":"$1:__proto__:then"}')), [['prototype-pollution-proto', 'query:q']], 'React Flight reference')
  const out: ReturnType<typeof detection.request> = []
  detection.body(JSON.parse('{"user":{"__proto__":{"isAdmin":true}}}'), 'application/json', out)
  t.same(out.map((f) => [f.kind, f.rule, f.where, f.score]), [['prototype-pollution', 'prototype-pollution-proto', 'body-name', 5]])
})

test('constructor.prototype and constructor.constructor', async (t) => {
  t.same(found('/?a[constructor][prototype][x]=1'), [['prototype-pollution-constructor', 'query-name']])
  t.same(found('/?constructor.prototype.x=1'), [['prototype-pollution-constructor', 'query-name']])
  t.same(found('/?x=' + encodeURIComponent("''.constructor.constructor('alert(1)')()")), [['prototype-pollution-constructor', 'query:x']])
})

test('prose and ordinary names stay quiet', async (t) => {
  for (const url of ['/?q=what+is+the+__proto__+property', '/?q=constructor+and+prototype+in+javascript', '/?proto=1',
    '/?a[b][c]=1', '/?constructor=bob', '/?q=class+constructor.']) {
    t.same(found(url), [], url)
  }
})

test('long hostile values are read once, and a step after decoys is still found', async (t) => {
  const body = (text: string) => {
    const out: ReturnType<typeof detection.request> = []
    detection.body(text, 'text/plain', out)
    return out.map((f) => f.rule)
  }
  const start = Date.now()
  t.same(body('constructor' + ' '.repeat(60000) + 'x'), [], 'a run of spaces after constructor (was quadratic)')
  t.same(body('x.constructor' + ' '.repeat(60000) + 'prototype'), ['prototype-pollution-constructor'], 'spaces alone separate the steps')
  t.same(body('constructor . . . . prototype'), [], 'separators spread wider than six characters')
  t.same(body('constructor  ]["  prototype'), ['prototype-pollution-constructor'])
  t.same(body('constructor.x '.repeat(4000) + '"constructor"]["prototype"'), ['prototype-pollution-constructor'], 'after 4000 decoys')
  t.same(body('\\u0027'.repeat(10000)), [], 'escapes of no name letter are not decoded')
  t.same(body('\\u0027'.repeat(10000) + '[\\u005f\\x5fproto__]'), ['prototype-pollution-proto'], 'escapes after 10000 others')
  t.same(body('\\x5f\\x5fproto\\x5f\\x5f.x'), ['prototype-pollution-proto'], '\\x escapes alone')
  t.ok(Date.now() - start < 1000, 'in linear time')
})
