import { test } from 'tap'
import Fastify, { LogController } from 'fastify'
import requestInfo = require('../lib/index')
import { build, afterFlush, settledRecords } from './helper'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

test('requestInfo carries the fingerprint of the request', async (t) => {
  const { app } = await build({ serviceName: 'shop', publicPrefix: '/api' })
  const res = await app.inject({
    url: '/?q=1',
    headers: { 'user-agent': CHROME, accept: 'text/html', referer: 'https://example.com/a', host: 'shop.example:8080' }
  })
  const info = res.json()
  t.equal(info.serviceName, 'shop')
  t.equal(info.ip, '127.0.0.1')
  t.equal(info.realIp, '127.0.0.1')
  t.same(info.ips, [])
  t.equal(info.reqId, 'req-1')
  t.equal(info.method, 'GET')
  t.equal(info.path, '/api/')
  t.equal(info.query, 'q=1')
  t.equal(info.host, 'shop.example:8080')
  t.equal(info.referer, 'https://example.com/a')
  t.equal(info.ua, CHROME)
  t.match(info.uah, /^[0-9a-f]{16}$/)
  t.equal(info.uai.browser.name, 'Chrome')
  t.equal(info.uai.browser.major, '131')
  t.equal(info.uai.os.name, 'Windows')
  t.equal(info.ac, 'text/html')
  t.match(info.ach, /^[0-9a-f]{16}$/)
  t.equal(info.ho, 'TaBp', 'user-agent, accept, referer, host in the order inject sends them')
  t.match(info.hoh, /^[0-9a-f]{16}$/)
  t.not(info.uah, info.ach)
  await app.close()
})

test('hashes are stable xxhash64 values', async (t) => {
  const { app } = await build()
  const a = (await app.inject({ url: '/', headers: { 'user-agent': 'x', accept: '*/*' } })).json()
  const b = (await app.inject({ url: '/', headers: { 'user-agent': 'x', accept: '*/*' } })).json()
  t.equal(a.uah, b.uah)
  t.equal(a.ach, b.ach)
  t.equal(a.hoh, b.hoh)
  // xxhash64 of "x" with seed 0, as every xxhash64 implementation computes it
  t.equal(a.uah, '5c80c09683041123')
  await app.close()
})

test('one record per request, written at response with status and response time', async (t) => {
  const { app, lines } = await build()
  await app.inject({ url: '/', headers: { 'user-agent': CHROME } })
  await app.inject({ url: '/missing' })
  const records = (await settledRecords(lines))
  t.equal(records.length, 2)
  t.equal(records[0].http.response.status_code, 200)
  t.equal(records[1].http.response.status_code, 404)
  t.equal(records[1].url.path, '/missing')
  t.ok(records[0].event.duration > 0)
  t.equal(app.requestInfo.counters.records, 2)
  await app.close()
})

test('application fields and custom fields reach the record', async (t) => {
  const { app, lines } = await build({ shape: 'flat' }, {}, (server) => {
    server.get('/login', async (request) => {
      request.requestInfo.user = 'u-42'
      request.requestInfo.mfa = true
      request.requestInfo.captcha = false
      ;(request.requestInfo.custom as Record<string, unknown>).tenant = 'acme'
      return 'ok'
    })
  })
  await app.inject({ url: '/login' })
  const [record] = (await settledRecords(lines))
  t.equal(record.user, 'u-42')
  t.equal(record.mfa, true)
  t.equal(record.captcha, false)
  t.same(record.custom, { tenant: 'acme' })
  await app.close()
})

test('skip(request) leaves a request out of the log but still builds requestInfo', async (t) => {
  let seen = ''
  const { app, lines } = await build({ skip: (request) => request.url === '/health' }, {}, (server) => {
    server.get('/health', async (request) => { seen = request.requestInfo.hoh; return 'ok' })
  })
  await app.inject({ url: '/health' })
  await app.inject({ url: '/' })
  const records = (await settledRecords(lines))
  t.equal(records.length, 1)
  t.equal(records[0].url.path, '/')
  t.match(seen, /^[0-9a-f]{16}$/)
  t.equal(app.requestInfo.counters.skipped, 1)
  await app.close()
})

test('recordLevel chooses the level from the status code', async (t) => {
  const { app, lines } = await build({
    recordLevel: (status) => status === undefined || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'
  }, {}, (server) => { server.get('/boom', async () => { throw new Error('boom') }) })
  await app.inject('/')
  await app.inject('/nope')
  await app.inject('/boom')
  t.same((await settledRecords(lines)).map((r) => r.level), [30, 40, 50])
  await app.close()

  const fixed = await build({ recordLevel: 'debug' })
  await fixed.app.inject('/')
  t.equal((await settledRecords(fixed.lines))[0].level, 20)
  await fixed.app.close()
})

test('the Fastify logger is used when no logger is given', async (t) => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } }, logController: new LogController({ disableRequestLogging: true }) })
  await app.register(requestInfo)
  app.get('/', async () => 'ok')
  await app.inject('/')
  await afterFlush()
  const records = lines.map((l) => JSON.parse(l)).filter((r) => r.msg === 'request completed')
  t.equal(records.length, 1, 'one line per request: Fastify\'s own request logging is off')
  t.equal(lines.length, 1)
  await app.close()
})

test('a disabled Fastify logger without a logger option warns once at registration', async (t) => {
  const warnings: Error[] = []
  const onWarning = (w: Error): void => { warnings.push(w) }
  process.on('warning', onWarning)
  const app = Fastify()
  await app.register(requestInfo)
  await new Promise((resolve) => setImmediate(resolve))
  process.off('warning', onWarning)
  t.equal(warnings.filter((w) => (w as any).code === 'FASTIFY_REQUEST_INFO_NO_LOGGER').length, 1)
  await app.close()
})
