import { test } from 'tap'
import Fastify from 'fastify'
import requestInfo = require('../lib/index')
import { afterFlush, build, recordingLogger, settledRecords } from './helper'

const SQLI = "/?id=1'+UNION+SELECT+password+FROM+users--"

function respondRecords (lines: Array<Record<string, any>>, message: string): Array<Record<string, any>> {
  return lines.filter((line) => line.msg === message)
}

test('monitor is the default: a matching block rule is recorded and the request goes on', async (t) => {
  const { app, lines } = await build({ respond: { rules: [{ id: 'no-curl', action: 'block', match: { uaFamily: 'curl' } }] } })
  const res = await app.inject({ url: '/', headers: { 'user-agent': 'curl/8.5.0' } })
  t.equal(res.statusCode, 200)
  t.same(res.json().decision, { action: 'blocked', monitor: true, by: 'rule', id: 'no-curl' })
  const [record] = await settledRecords(lines)
  t.same(record.request_info.decision, { action: 'blocked', monitor: true, by: 'rule', id: 'no-curl' })
  t.equal(app.requestInfo.counters.denied, 0)
  await app.close()
})

test('block mode answers 403 without naming the rule; the record names it', async (t) => {
  const { app, lines } = await build({ shape: 'flat', respond: { mode: 'block', rules: [{ id: 'no-curl', action: 'block', match: { uaFamily: 'curl' } }] } })
  const res = await app.inject({ url: '/', headers: { 'user-agent': 'curl/8.5.0' } })
  t.equal(res.statusCode, 403)
  t.same(res.json(), { statusCode: 403, error: 'Forbidden', message: 'Forbidden' })
  t.notOk(res.body.includes('no-curl'))
  const ok = await app.inject({ url: '/', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().decision, undefined, 'nothing decided for a request no rule matched')
  const records = await settledRecords(lines)
  t.equal(records.length, 2, 'the refused request is recorded too')
  t.same(records[0].decision, { action: 'blocked', monitor: false, by: 'rule', id: 'no-curl' })
  t.equal(records[0].status, 403)
  t.notOk('decision' in records[1])
  t.equal(app.requestInfo.counters.denied, 1)
  await app.close()
})

test('a rule in block mode is enforced under monitor mode, and a monitored rule never hides it', async (t) => {
  const { app } = await build({
    respond: {
      rules: [
        { id: 'watch-all-posts', action: 'block', match: { method: 'GET' } },
        { id: 'block-admin', action: 'block', mode: 'block', match: { path: '/admin' } }
      ]
    }
  }, {}, (app) => app.get('/admin/x', async () => 'secret'))
  const admin = await app.inject({ url: '/admin/x' })
  t.equal(admin.statusCode, 403)
  const other = await app.inject({ url: '/' })
  t.equal(other.statusCode, 200)
  t.same(other.json().decision, { action: 'blocked', monitor: true, by: 'rule', id: 'watch-all-posts' })
  await app.close()
})

test('allow rules win over block rules, bans and rate limits', async (t) => {
  const { app } = await build({
    respond: {
      mode: 'block',
      rules: [
        { id: 'block-everyone', action: 'block', match: { path: '/' } },
        { id: 'office', action: 'allow', match: { ip: ['10.0.0.0/8'] } }
      ],
      rateLimits: [{ id: 'per-ip', max: 1, window: '1m' }]
    }
  })
  await app.requestInfo.ban('10.1.2.3', { mode: 'block' })
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/', remoteAddress: '10.1.2.3' })
    t.equal(res.statusCode, 200)
    t.same(res.json().decision, { action: 'allowed', monitor: false, by: 'rule', id: 'office' })
  }
  const outside = await app.inject({ url: '/', remoteAddress: '192.0.2.1' })
  t.equal(outside.statusCode, 403)
  await app.close()
})

test('a ban rule bans the source: that request and the next ones get 403, and a ban record is written once', async (t) => {
  const { app, lines } = await build({
    respond: { mode: 'block', rules: [{ id: 'sqlmap', action: 'ban', ttl: '10m', match: { threat: 'sqli' } }] }
  })
  const first = await app.inject({ url: SQLI, remoteAddress: '198.51.100.7' })
  t.equal(first.statusCode, 403)
  await afterFlush()
  const next = await app.inject({ url: '/', remoteAddress: '198.51.100.7' })
  t.equal(next.statusCode, 403)
  const records = await settledRecords(lines)
  t.same(records[1].request_info.decision, { action: 'banned', monitor: false, by: 'ban', id: 'sqlmap' })
  const bans = respondRecords(lines, 'ban issued')
  t.equal(bans.length, 1)
  t.equal(bans[0].event.action, 'ban')
  t.equal(bans[0].source.ip, '198.51.100.7')
  t.equal(bans[0].request_info.ban.reason, 'sqlmap')
  t.equal(Date.parse(bans[0].request_info.ban.until) - Date.parse(bans[0].request_info.ban.since), 600_000)
  const other = await app.inject({ url: '/', remoteAddress: '198.51.100.8' })
  t.equal(other.statusCode, 200, 'another source is not banned')
  t.equal(app.requestInfo.counters.bans, 1)
  await app.close()
})

test('IPv6 bans cover the /64', async (t) => {
  const { app } = await build({ respond: { mode: 'block' } })
  const ban = await app.requestInfo.ban('2001:db8:1:2::1', { ttl: '1h', reason: 'abuse desk' })
  t.equal(ban.key, '2001:db8:1:2::/64')
  t.equal(ban.reason, 'abuse desk')
  t.equal((await app.inject({ url: '/', remoteAddress: '2001:db8:1:2:ffff::9' })).statusCode, 403)
  t.equal((await app.inject({ url: '/', remoteAddress: '2001:db8:1:3::1' })).statusCode, 200)
  t.same(app.requestInfo.bans().map((b) => b.key), ['2001:db8:1:2::/64'])
  t.equal(await app.requestInfo.unban('2001:db8:1:2::77'), true)
  t.equal(await app.requestInfo.unban('2001:db8:1:2::77'), false)
  t.equal((await app.inject({ url: '/', remoteAddress: '2001:db8:1:2:ffff::9' })).statusCode, 200)
  t.same(app.requestInfo.bans(), [])
  await app.close()
})

test('repeat offenders get longer bans', async (t) => {
  const { app } = await build({ respond: { ban: { ttl: '1h', escalation: 3, maxTtl: '5h' } } })
  const lengths: number[] = []
  for (let i = 0; i < 3; i++) {
    const ban = await app.requestInfo.ban('203.0.113.5')
    lengths.push(ban.until - ban.since)
    t.equal(ban.offences, i + 1)
    await app.requestInfo.unban('203.0.113.5')
  }
  t.same(lengths, [3600_000, 3 * 3600_000, 5 * 3600_000], '×3 each time, capped at maxTtl')
  await app.close()
})

test('rate limit per client: 429 with Retry-After past max, one record when it goes over', async (t) => {
  const { app, lines } = await build({ respond: { mode: 'block', rateLimits: [{ id: 'per-ip', max: 3, window: '1m' }] } })
  const statuses: number[] = []
  let last
  for (let i = 0; i < 5; i++) {
    last = await app.inject({ url: '/', remoteAddress: '192.0.2.10' })
    statuses.push(last.statusCode)
  }
  t.same(statuses, [200, 200, 200, 429, 429])
  const retry = Number(last!.headers['retry-after'])
  t.ok(retry >= 1 && retry <= 120, `Retry-After ${retry} s`)
  t.match(last!.json().message, /^Rate limit exceeded, retry in \d+ seconds?$/)
  t.equal((await app.inject({ url: '/', remoteAddress: '192.0.2.11' })).statusCode, 200, 'another client has its own window')
  const records = await settledRecords(lines)
  t.same(records[3].request_info.decision, { action: 'rate-limited', monitor: false, by: 'limit', id: 'per-ip', retry_after: records[3].request_info.decision.retry_after })
  const limited = respondRecords(lines, 'rate limit exceeded')
  t.equal(limited.length, 1, 'one record for the crossing, not one per refused request')
  t.equal(limited[0].request_info.rate_limit.id, 'per-ip')
  t.equal(limited[0].request_info.rate_limit.subject, '192.0.2.10')
  t.equal(limited[0].request_info.rate_limit.max, 3)
  t.equal(app.requestInfo.counters.limitsExceeded, 1)
  t.equal(app.requestInfo.counters.denied, 2)
  await app.close()
})

test('a stricter limit on the login route, and windows that slide', async (t) => {
  const { app } = await build({
    respond: {
      mode: 'block',
      rateLimits: [
        { id: 'per-ip', max: 100, window: '1m' },
        { id: 'login', max: 2, window: 400, path: '/login', method: 'POST' }
      ]
    }
  }, {}, (app) => app.post('/login', async () => 'ok'))
  const post = () => app.inject({ method: 'POST', url: '/login', remoteAddress: '192.0.2.20' })
  t.same([(await post()).statusCode, (await post()).statusCode, (await post()).statusCode], [200, 200, 429])
  t.equal((await app.inject({ url: '/', remoteAddress: '192.0.2.20' })).statusCode, 200, 'other routes only count in per-ip')
  // Two windows later both fixed windows have passed.
  await new Promise((resolve) => setTimeout(resolve, 850))
  t.equal((await post()).statusCode, 200)
  await app.close()
})

test('per-user limits read requestInfo.user set by an application hook', async (t) => {
  const { logger } = recordingLogger()
  const app = Fastify()
  await app.register(requestInfo, { logger, respond: { mode: 'block', rateLimits: [{ id: 'per-user', key: 'user', max: 2, window: '1m' }] } })
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-user']
    if (typeof user === 'string') request.requestInfo.user = user
  })
  app.get('/', async () => 'ok')
  const as = async (user?: string) => (await app.inject({ url: '/', headers: user === undefined ? {} : { 'x-user': user } })).statusCode
  t.same([await as('ann'), await as('ann'), await as('ann')], [200, 200, 429])
  t.equal(await as('bob'), 200, 'each user has a window')
  t.same([await as(), await as(), await as()], [200, 200, 200], 'requests without a user are not counted')
  await app.close()
})

test('a route limit counts all clients of the route together', async (t) => {
  const { app } = await build({ respond: { mode: 'block', rateLimits: [{ id: 'export', key: 'route', max: 2, window: '1m', path: '/export' }] } },
    {}, (app) => app.get('/export/:id', async () => 'ok'))
  const from = async (ip: string, id: string) => (await app.inject({ url: `/export/${id}`, remoteAddress: ip })).statusCode
  t.same([await from('192.0.2.1', 'a'), await from('192.0.2.2', 'b'), await from('192.0.2.3', 'c')], [200, 200, 429])
  await app.close()
})

test('rules on threats see the body: an attack in a JSON body is blocked before the handler', async (t) => {
  const { logger } = recordingLogger()
  const app = Fastify()
  let handled = 0
  await app.register(requestInfo, { logger, respond: { mode: 'block', rules: [{ id: 'attacks', action: 'block', match: { threatScore: 5 } }] } })
  app.post('/', async () => { handled++; return 'ok' })
  const res = await app.inject({ method: 'POST', url: '/', payload: { q: "1' UNION SELECT password FROM users--" } })
  t.equal(res.statusCode, 403)
  t.equal(handled, 0)
  const fine = await app.inject({ method: 'POST', url: '/', payload: { q: 'hello' } })
  t.equal(fine.statusCode, 200)
  t.equal(handled, 1)
  await app.close()
})

test('behaviour alerts ban their source; an allowed source is never banned', async (t) => {
  const { app, lines } = await build({
    detect: { behaviour: { attackThreshold: 3 } },
    respond: { mode: 'block', ban: { scenarios: ['repeated-attacks'], ttl: '1h' }, rules: [{ id: 'scanner-we-run', action: 'allow', match: { ip: '192.0.2.200' } }] }
  })
  for (let i = 0; i < 3; i++) await app.inject({ url: `${SQLI}&n=${i}`, remoteAddress: '192.0.2.99' })
  for (let i = 0; i < 3; i++) await app.inject({ url: `${SQLI}&n=${i}`, remoteAddress: '192.0.2.200' })
  await afterFlush()
  t.equal(respondRecords(lines, 'behaviour alert').length, 2, 'both sources alerted')
  const bans = respondRecords(lines, 'ban issued')
  t.same(bans.map((b) => [b.source.ip, b.request_info.ban.reason]), [['192.0.2.99', 'repeated-attacks']])
  t.equal((await app.inject({ url: '/', remoteAddress: '192.0.2.99' })).statusCode, 403)
  t.equal((await app.inject({ url: '/', remoteAddress: '192.0.2.200' })).statusCode, 200)
  await app.close()
})

test('a monitored ban is recorded and not enforced', async (t) => {
  const { app } = await build({ respond: {} })
  await app.requestInfo.ban('192.0.2.50')
  const res = await app.inject({ url: '/', remoteAddress: '192.0.2.50' })
  t.equal(res.statusCode, 200)
  t.same(res.json().decision, { action: 'banned', monitor: true, by: 'ban', id: 'manual' })
  await app.close()
})

test('the ban API needs option respond, and checks its options', async (t) => {
  const { app } = await build()
  await t.rejects(app.requestInfo.ban('192.0.2.1'), /needs option respond/)
  t.throws(() => app.requestInfo.bans(), /needs option respond/)
  await app.close()
  const on = await build({ respond: true })
  await t.rejects(on.app.requestInfo.ban('192.0.2.1', { ttl: 'soon' }), /ttl/)
  await t.rejects(on.app.requestInfo.ban('192.0.2.1', { mode: 'maybe' as any }), /mode must be 'monitor' or 'block'/)
  await on.app.close()
})

test('option respond is validated at registration, naming the option', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ mode: 'enforce' }, /option respond\.mode must be 'monitor' or 'block'/],
    [{ colour: 1 }, /unknown option 'respond\.colour'/],
    [{ rateLimits: [{ id: 'a', max: 0, window: 1000 }] }, /respond\.rateLimits\[0\]\.max must be an integer/],
    [{ rateLimits: [{ id: 'a', max: 1 }] }, /respond\.rateLimits\[0\]\.window is required/],
    [{ rateLimits: [{ id: 'a', max: 1, window: 1000 }, { id: 'a', max: 2, window: 1000 }] }, /'a' is the id of an earlier limit/],
    [{ rateLimits: [{ id: 'a', max: 1, window: 1000, key: 'cookie' }] }, /key must be 'ip', 'user' or 'route'/],
    [{ ban: { scenarios: ['distributed-attack'] } }, /not a scenario keyed by source/],
    [{ ban: { ttl: '2h', maxTtl: '1h' } }, /maxTtl must be at least respond\.ban\.ttl/],
    [{ redis: { client: {} } }, /respond\.redis\.client must be an ioredis client/],
    [{ failClosed: 'yes' }, /respond\.failClosed must be a boolean/],
    [{ rules: [{ id: 'x', action: 'block', match: { ip: '10.0.0.300/8' } }] }, /10\.0\.0\.300\/8/],
    [{ rulesFile: '/nonexistent/rules.yaml' }, /rules\.yaml/]
  ]
  for (const [respond, message] of cases) {
    const app = Fastify()
    await t.rejects(async () => { await app.register(requestInfo, { logger: recordingLogger().logger, respond } as any).ready() }, message, JSON.stringify(respond))
    await app.close()
  }
})
