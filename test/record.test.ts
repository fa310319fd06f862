import { test } from 'tap'
import { build, settledRecords } from './helper'

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'
const SECRET_COOKIE = 'session=7f3a9c1e-secret'
const SECRET_AUTH = 'Bearer eyJhbGciOi.secret.token'

async function oneRecord (options: any, headers: Record<string, string> = {}, serverOptions: any = {}, url = '/?token=abc') {
  const { app, lines } = await build(options, serverOptions)
  const res = await app.inject({ url, headers: { 'user-agent': UA, cookie: SECRET_COOKIE, authorization: SECRET_AUTH, ...headers } })
  await app.close()
  return { info: res.json(), record: (await settledRecords(lines))[0], raw: JSON.stringify((await settledRecords(lines))[0]) }
}

function dottedKeys (value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return []
  return Object.entries(value).flatMap(([k, v]) => (k.includes('.') ? [path + k] : []).concat(dottedKeys(v, path + k + '/')))
}

test('ECS shape: nested objects with the ECS names', async (t) => {
  const { record, info } = await oneRecord({ serviceName: 'shop' }, { host: 'shop.example:8443', referer: 'https://a.example/', accept: 'text/html' })
  t.same(dottedKeys(record), [], 'no dotted keys: Logstash would keep them as literal names')
  t.same(record.ecs, { version: '9.4.0' })
  t.same(record.event, { kind: 'event', category: ['web'], type: ['access'], dataset: 'shop.access', outcome: 'success', duration: record.event.duration })
  t.equal(record.service.name, 'shop')
  t.same(record.source, { ip: '127.0.0.1' })
  t.same(record.client, { ip: '127.0.0.1' })
  t.same(record.http.request, { method: 'GET', id: 'req-1', referrer: 'https://a.example/' })
  t.same(record.http.response, { status_code: 200 })
  t.same(record.url, { path: '/', domain: 'shop.example' })
  t.equal(record.user_agent.original, UA)
  t.equal(record.user_agent.name, 'Mobile Safari')
  t.equal(record.user_agent.version, '17.4')
  t.same(record.user_agent.os, { name: 'iOS', version: '17.4', full: 'iOS 17.4' })
  t.same(record.user_agent.device, { name: 'iPhone' })
  t.equal(record.request_info.uah, info.uah)
  t.equal(record.request_info.ach, info.ach)
  t.equal(record.request_info.ho, info.ho)
  t.equal(record.request_info.hoh, info.hoh)
  t.equal(record.request_info.ac, 'text/html')
  t.equal(record.msg, 'request completed')
})

test('event.duration is the response time in nanoseconds', async (t) => {
  const { app, lines } = await build({ shape: 'ecs' })
  app.get('/wait', async () => { await new Promise((resolve) => setTimeout(resolve, 30)); return 'ok' })
  await app.inject('/wait')
  const [record] = (await settledRecords(lines))
  t.ok(record.event.duration >= 29e6 && record.event.duration < 5e9, `${record.event.duration} ns`)
  await app.close()
})

test('flat shape: the requestInfo names at the top level', async (t) => {
  const { record, info } = await oneRecord({ shape: 'flat', serviceName: 'shop' })
  for (const key of ['serviceName', 'ip', 'realIp', 'reqId', 'method', 'path', 'host', 'ua', 'uah', 'uai', 'ho', 'hoh', 'status', 'responseTime']) {
    t.ok(key in record, key)
  }
  t.equal(record.realIp, info.realIp)
  t.equal(record.status, 200)
  t.same(record.uai.browser, info.uai.browser)
  t.same(record.uai.os, info.uai.os)
  t.same(record.uai.device, { vendor: 'Apple', model: 'iPhone', type: 'mobile' })
  t.equal(record.uai.cpu, undefined, 'empty objects are left out')
  t.equal(record.query, undefined)
})

test('Cookie and Authorization values are never written', async (t) => {
  for (const shape of ['ecs', 'flat']) {
    const { raw } = await oneRecord({ shape })
    t.notMatch(raw, /secret/, `${shape}: no cookie or authorization value`)
  }
})

test('the query string is left out unless logQuery is on', async (t) => {
  const off = await oneRecord({})
  t.notMatch(off.raw, /token=abc/)
  t.equal(off.record.url.path, '/')
  const on = await oneRecord({ logQuery: true })
  t.equal(on.record.url.query, 'token=abc')
  const flat = await oneRecord({ logQuery: true, shape: 'flat' })
  t.equal(flat.record.query, 'token=abc')
})

const PROXIED = { trustProxy: ['127.0.0.1'] }

test('ip: truncate keeps IPv4 /24 and IPv6 /48 in the record, the full address in memory', async (t) => {
  const v4 = await oneRecord({ ip: 'truncate' }, { 'x-forwarded-for': '203.0.113.77' }, PROXIED)
  t.equal(v4.record.source.ip, '203.0.113.0')
  t.equal(v4.record.network.forwarded_ip, '127.0.0.0')
  t.same(v4.record.request_info.ips, ['127.0.0.0', '203.0.113.0'])
  t.equal(v4.info.realIp, '203.0.113.77')
  t.notMatch(v4.raw, /203\.0\.113\.77/)
  const cases: Array<[string, string]> = [
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::'],
    ['::1', '0:0:0::'],
    ['fe80::1%eth0', 'fe80:0:0::']
  ]
  for (const [address, expected] of cases) {
    const v6 = await oneRecord({ ip: 'truncate', shape: 'flat' }, { 'x-forwarded-for': address }, PROXIED)
    t.equal(v6.record.realIp, expected, address)
  }
})

test('ip: hmac writes a keyed hash, stable per key, as source.address', async (t) => {
  const key = 'a-secret-key-of-32-bytes-length!'
  const a = await oneRecord({ ip: 'hmac', ipHmacKey: key }, { 'x-forwarded-for': '203.0.113.77' }, PROXIED)
  const b = await oneRecord({ ip: 'hmac', ipHmacKey: key }, { 'x-forwarded-for': '203.0.113.77' }, PROXIED)
  const c = await oneRecord({ ip: 'hmac', ipHmacKey: 'another-secret-key-0123456789' }, { 'x-forwarded-for': '203.0.113.77' }, PROXIED)
  t.match(a.record.source.address, /^[0-9a-f]{64}$/)
  t.equal(a.record.source.ip, undefined)
  t.equal(a.record.client, undefined)
  t.equal(a.record.source.address, b.record.source.address)
  t.not(a.record.source.address, c.record.source.address)
  t.notMatch(a.raw, /203\.0\.113\.77|127\.0\.0\.1/)
})

test('ip: none writes no address at all', async (t) => {
  const none = await oneRecord({ ip: 'none' }, { 'x-forwarded-for': '203.0.113.77' }, PROXIED)
  t.equal(none.record.source, undefined)
  t.equal(none.record.request_info.ips, undefined)
  t.notMatch(none.raw, /203\.0\.113|127\.0\.0/)
  const flat = await oneRecord({ ip: 'none', shape: 'flat' }, { 'x-forwarded-for': '203.0.113.77' }, PROXIED)
  t.equal(flat.record.ip, undefined)
  t.equal(flat.record.realIp, undefined)
  t.equal(flat.info.realIp, '203.0.113.77')
})

test('an address Fastify resolved from a malformed X-Forwarded-For is written as source.address', async (t) => {
  const r = await oneRecord({}, { 'x-forwarded-for': 'not-an-ip' }, PROXIED)
  t.equal(r.info.realIp, 'not-an-ip')
  t.same(r.record.source, { address: 'not-an-ip' })
  t.equal(r.record.client, undefined)
})

test('user goes to ECS user.id, app fields to request_info', async (t) => {
  const { app, lines } = await build({}, {}, (server) => {
    server.get('/me', async (request) => {
      request.requestInfo.user = 42
      request.requestInfo.mfa = true
      ;(request.requestInfo.custom as Record<string, unknown>).plan = 'pro'
      return 'ok'
    })
  })
  await app.inject('/me')
  const [record] = (await settledRecords(lines))
  t.same(record.user, { id: '42' })
  t.equal(record.request_info.mfa, true)
  t.same(record.request_info.custom, { plan: 'pro' })
  await app.close()
})

test('edge values: an IPv6 literal Host, a non-IP address under truncate', async (t) => {
  const v6 = await oneRecord({}, { host: '[2001:db8::1]:3000' })
  t.equal(v6.record.url.domain, '2001:db8::1')
  const broken = await oneRecord({}, { host: '[2001:db8::1' })
  t.equal(broken.record.url.domain, '[2001:db8::1')
  const notIp = await oneRecord({ ip: 'truncate' }, { 'x-forwarded-for': 'not-an-ip' }, PROXIED)
  t.equal(notIp.record.source, undefined, 'nothing to truncate: nothing written')
  t.same(notIp.record.request_info.ips, ['127.0.0.0'])
})

test('custom fields that cannot be serialised are replaced, counted and logged; the record is written', async (t) => {
  const { app, lines } = await build({ shape: 'flat' }, {}, (server) => {
    server.get('/cycle', async (request) => {
      const custom = request.requestInfo.custom as Record<string, unknown>
      custom.self = custom
      custom.big = 10n
      return 'ok'
    })
  })
  t.equal((await app.inject('/cycle')).statusCode, 200)
  const [record] = (await settledRecords(lines))
  t.equal(record.custom, '[unserialisable]')
  t.equal(record.status, 200)
  t.equal(app.requestInfo.counters.errors, 1)
  t.match(lines.find((l) => l.level === 50)?.msg, /serialising requestInfo.custom .* failed/)
  await app.close()
})
