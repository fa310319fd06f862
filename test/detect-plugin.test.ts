import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import Fastify from 'fastify'
import requestInfo = require('../lib/index')
import { build, recordingLogger, settledRecords } from './helper'

const CORPUS = join(__dirname, '..', '..', 'shared', 'corpus')

test('an attack in the query string reaches requestInfo, the counters and the record', async (t) => {
  const { app, lines } = await build()
  const res = await app.inject({ url: "/?id=1'+UNION+SELECT+password+FROM+users--" })
  const info = res.json()
  t.ok(info.threats.some((x: any) => x.kind === 'sqli' && x.where === 'query:id'), 'an sqli finding in query:id')
  t.ok(info.threatScore >= 5)
  t.equal(app.requestInfo.counters.attacks, 1)
  const [record] = await settledRecords(lines)
  t.same(record.request_info.threats, info.threats, 'the record carries the findings')
  t.equal(record.request_info.threat_score, info.threatScore)
  await app.close()
})

test('a benign request has no findings and its record no threat fields', async (t) => {
  // inject() sends none of a browser's other headers: the impersonation check is for another test.
  const { app, lines } = await build({ shape: 'flat', detect: { impersonation: false } })
  const res = await app.inject({ url: '/?q=hello+world&page=2', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', referer: 'https://example.com/a?b=c' } })
  t.same(res.json().threats, [])
  t.equal(res.json().threatScore, 0)
  const [record] = await settledRecords(lines)
  t.notOk('threats' in record)
  t.notOk('threatScore' in record)
  t.equal(app.requestInfo.counters.attacks, 0)
  await app.close()
})

test('flat records carry threats and threatScore', async (t) => {
  const { app, lines } = await build({ shape: 'flat' })
  await app.inject({ url: '/?file=../../../../etc/passwd' })
  const [record] = await settledRecords(lines)
  t.ok(record.threats.some((x: any) => x.kind === 'lfi'))
  t.ok(record.threatScore >= 5)
  await app.close()
})

test('bodies are inspected after parsing: JSON and text', async (t) => {
  const { logger, lines } = recordingLogger()
  const app = Fastify()
  await app.register(requestInfo, { logger })
  app.post('/', async (request) => request.requestInfo)
  const json = await app.inject({ method: 'POST', url: '/', payload: { name: 'Ann', comment: '<script>alert(1)</script>' } })
  t.ok(json.json().threats.some((x: any) => x.kind === 'xss' && x.where === 'body:comment'))
  const text = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'text/plain' }, payload: "x'; DROP TABLE users; --" })
  t.ok(text.json().threats.some((x: any) => x.kind === 'sqli' && x.where === 'body'))
  const records = await settledRecords(lines)
  t.equal(records.length, 2)
  t.ok(records.every((r) => r.request_info.threat_score >= 5), 'body findings reach the record')
  await app.close()
})

test('option detect.bodyLimit: longer bodies are inspected up to it and counted', async (t) => {
  const { logger } = recordingLogger()
  const app = Fastify()
  await app.register(requestInfo, { logger, detect: { bodyLimit: 100 } })
  app.post('/', async (request) => request.requestInfo)
  const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'text/plain' }, payload: 'a'.repeat(200) + '<script>alert(1)</script>' })
  t.same(res.json().threats, [], 'the attack past the limit is not seen')
  t.equal(app.requestInfo.counters.bodiesTruncated, 1)
  await app.close()
})

test('option detect: false leaves requests unchecked; bodyLimit 0 leaves bodies alone', async (t) => {
  const { logger } = recordingLogger()
  const off = Fastify()
  await off.register(requestInfo, { logger, detect: false })
  off.get('/', async (request) => request.requestInfo)
  t.same((await off.inject({ url: '/?id=1+union+select+1,2--' })).json().threats, [])
  await off.close()
  const noBody = Fastify()
  await noBody.register(requestInfo, { logger, detect: { bodyLimit: 0 } })
  noBody.post('/', async (request) => request.requestInfo)
  t.same((await noBody.inject({ method: 'POST', url: '/', payload: { x: '<script>alert(1)</script>' } })).json().threats, [])
  await noBody.close()
})

test('option detect.disable switches a rule off', async (t) => {
  const { app } = await build()
  const found = (await app.inject({ url: '/?id=1+union+select+1,2--' })).json().threats
  await app.close()
  const rules = found.filter((x: any) => x.kind === 'sqli').map((x: any) => x.rule)
  t.ok(rules.length > 0)
  const { app: tuned } = await build({ detect: { disable: rules } })
  const left = (await tuned.inject({ url: '/?id=1+union+select+1,2--' })).json().threats
  t.notOk(left.some((x: any) => rules.includes(x.rule)), 'the disabled rules do not report')
  await tuned.close()
})

test('options detect are validated with messages naming the option', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ paranoia: 5 }, /option detect.paranoia must be 1, 2, 3 or 4; got 5/],
    [{ disable: 'sqli' }, /option detect.disable must be an array of rule ids/],
    [{ disable: ['no-such-rule'] }, /option detect.disable names no rule: 'no-such-rule'/],
    [{ threshold: 0 }, /option detect.threshold must be an integer from 1 to 1000; got 0/],
    [{ bodyLimit: -1 }, /option detect.bodyLimit must be an integer from 0 to 16777216; got -1/],
    [{ bodyLmit: 1 }, /unknown option 'detect.bodyLmit'/],
    ['yes', /option detect must be a boolean or an object/]
  ]
  for (const [detect, message] of cases) {
    const app = Fastify()
    app.register(requestInfo, { detect: detect as any })
    await t.rejects(async () => { await app.ready() }, message)
    await app.close()
  }
})

test('the seed\'s attack lines, replayed as requests, give the right findings', { skip: existsSync(CORPUS) ? false : `no shared corpus at ${CORPUS}` }, async (t) => {
  const { readSeedLines } = require('../eval/corpus.js')
  const { app, lines } = await build()
  const expected = ['sqli', 'lfi', 'lfi', 'lfi', 'lfi', 'lfi', 'rfi', 'rfi', 'rfi']
  const seeds = readSeedLines(join(CORPUS, 'seed-access.log'))
  t.equal(seeds.length, expected.length)
  for (const seed of seeds) await app.inject({ method: seed.method, url: seed.uri, headers: { 'user-agent': seed.ua } })
  // Most are 404s here: the record, written for every request, carries the findings.
  const records = await settledRecords(lines)
  t.equal(records.length, seeds.length)
  for (const [i, record] of records.entries()) {
    const threats = record.request_info.threats ?? []
    t.ok(threats.some((x: any) => x.kind === expected[i]), `line ${i + 1}: ${expected[i]} found in ${seeds[i].uri.slice(0, 60)}`)
    t.ok(record.request_info.threat_score >= 5, `line ${i + 1} is an attack`)
  }
  await app.close()
})

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

test('a script client claiming to be Chrome gets an impersonation finding; option detect.impersonation: false turns it off', async (t) => {
  const curlLike = { host: 'example.com', 'user-agent': CHROME, accept: '*/*' }
  const { app, lines } = await build()
  const info = (await app.inject({ url: '/', headers: curlLike })).json()
  const found = info.threats.find((x: any) => x.kind === 'impersonation')
  t.ok(found, 'found')
  t.equal(found.where, 'client')
  t.match(found.excerpt, /Chrome/)
  t.equal(info.threatScore, found.score)
  t.ok(found.score < 5, 'not an attack on its own')
  const [record] = await settledRecords(lines)
  t.same(record.request_info.threats, [found])
  await app.close()
  const { app: off } = await build({ detect: { impersonation: false } })
  t.same((await off.inject({ url: '/', headers: curlLike })).json().threats, [])
  await off.close()
})

test('options detect.impersonation are validated', async (t) => {
  for (const [value, message] of [
    ['on', /option detect.impersonation must be a boolean or an object/],
    [{ learn: 1 }, /option detect.impersonation.learn must be a boolean; got 1/],
    [{ maxFamilies: 0 }, /option detect.impersonation.maxFamilies must be an integer from 1 to 4096; got 0/],
    [{ size: 1 }, /unknown option 'detect.impersonation.size'/]
  ] as Array<[unknown, RegExp]>) {
    const app = Fastify()
    app.register(requestInfo, { detect: { impersonation: value as any } })
    await t.rejects(async () => { await app.ready() }, message)
    await app.close()
  }
})

test('behaviour: a burst of 404s from one source gives one alert record and marks the source', async (t) => {
  const { app, lines } = await build()
  for (let i = 0; i < 15; i++) await app.inject({ url: `/missing-${i}`, remoteAddress: '203.0.113.7' })
  await app.inject({ url: '/missing-x', remoteAddress: '198.51.100.1' })
  await settledRecords(lines)
  const alerts = lines.filter((l) => l.msg === 'behaviour alert')
  t.equal(alerts.length, 1, 'one alert, not one per request')
  const [alert] = alerts
  t.equal(alert.level, 40, 'at warn')
  t.equal(alert.event.kind, 'alert')
  t.equal(alert.event.action, 'http-probing')
  t.equal(alert.source.ip, '203.0.113.7')
  t.equal(alert.request_info.alert.count, 11, 'the 11th distinct 404 overflows a bucket of 10')
  t.ok(alert.request_info.alert.evidence.length > 0)
  t.ok(alert.request_info.alert.evidence.every((e: any) => e.url.startsWith('/missing-') && e.status === 404))
  t.same(app.requestInfo.marked('203.0.113.7'), ['http-probing'])
  t.same(app.requestInfo.marked('198.51.100.1'), [])
  t.equal(app.requestInfo.counters.alerts, 1)
  await app.close()
})

test('behaviour: three attacks from one source raise repeated-attacks, with the requests as evidence and no query strings', async (t) => {
  const { app, lines } = await build({ shape: 'flat' })
  const ids: string[] = []
  for (const url of ["/?id=1'+union+select+1,2--", '/?f=../../../../etc/passwd', '/?x=<script>alert(1)</script>']) {
    const res = await app.inject({ url, remoteAddress: '2001:db8:1:2::7' })
    ids.push(res.json().reqId)
  }
  await settledRecords(lines)
  const alert = lines.find((l) => l.msg === 'behaviour alert' && l.alert.scenario === 'repeated-attacks')
  if (alert === undefined) throw new Error('no repeated-attacks alert')
  t.equal(alert.alert.source, '2001:db8:1:2::/64', 'IPv6 sources are their /64')
  t.same(alert.alert.evidence.map((e: any) => e.reqId), ids)
  t.ok(alert.alert.evidence.every((e: any) => e.url === '/'), 'the query string stays out without logQuery')
  t.same(app.requestInfo.marked('2001:db8:1:2::99'), ['repeated-attacks'])
  await app.close()
})

test('behaviour: option ip masks the alert\'s source as it masks the records', async (t) => {
  const { app, lines } = await build({ ip: 'truncate' })
  for (let i = 0; i < 11; i++) await app.inject({ url: `/nothing-${i}`, remoteAddress: '203.0.113.7' })
  await settledRecords(lines)
  const alert = lines.find((l) => l.msg === 'behaviour alert')
  if (alert === undefined) throw new Error('no alert')
  t.equal(alert.source.ip, '203.0.113.0')
  t.equal(alert.request_info.alert.source, '203.0.113.0')
  await app.close()
})

test('options detect.behaviour are validated; false turns the windows off', async (t) => {
  for (const [value, message] of [
    [{ maxByte: 1 }, /option detect.behaviour: unknown setting 'maxByte'/],
    [{ attackThreshold: 0 }, /option detect.behaviour: attackThreshold/],
    [{ now: () => 0 }, /option detect.behaviour takes no now or attackScore/],
    ['yes', /option detect.behaviour must be a boolean or an object/]
  ] as Array<[unknown, RegExp]>) {
    const app = Fastify()
    app.register(requestInfo, { detect: { behaviour: value as any } })
    await t.rejects(async () => { await app.ready() }, message)
    await app.close()
  }
  const { app, lines } = await build({ detect: { behaviour: false } })
  for (let i = 0; i < 15; i++) await app.inject({ url: `/missing-${i}`, remoteAddress: '203.0.113.7' })
  await settledRecords(lines)
  t.equal(lines.filter((l) => l.msg === 'behaviour alert').length, 0)
  t.same(app.requestInfo.marked('203.0.113.7'), [])
  await app.close()
})
