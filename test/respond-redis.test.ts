import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import requestInfo = require('../lib/index')
import { recordingLogger, until } from './helper'
import { redisAvailable, startRedis, type RedisServer } from './helpers/redis-server'

if (!redisAvailable) {
  test('respond layer on Redis', (t) => {
    t.plan(0, 'redis-server is not installed (Debian package redis-server; .ci/run installs it)')
  })
} else {
  run()
}

function client (server: RedisServer): Redis {
  return new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 50, enableOfflineQueue: false, lazyConnect: false })
}

/** An instance of the service: the plugin on its own Redis client, as a second process would have. */
async function instance (server: RedisServer, respond: requestInfo.RespondOptions = {}): Promise<{ app: FastifyInstance, redis: Redis, lines: Array<Record<string, any>> }> {
  const redis = client(server)
  await until(() => redis.status === 'ready', 5000)
  const { logger, lines } = recordingLogger()
  const app = Fastify()
  await app.register(requestInfo, { logger, respond: { mode: 'block', ...respond, redis: { client: redis, ...respond.redis } } })
  app.get('/', async () => 'ok')
  await app.ready()
  return { app, redis, lines }
}

async function close (...instances: Array<{ app: FastifyInstance, redis: Redis }>): Promise<void> {
  for (const { app, redis } of instances) {
    await app.close()
    redis.disconnect()
  }
}

async function status (app: FastifyInstance, ip: string): Promise<number> {
  return (await app.inject({ url: '/', remoteAddress: ip })).statusCode
}

function run (): void {
  test('a ban issued on one instance is enforced on the other within 1 s', async (t) => {
    const server = await startRedis(t.teardown)
    const a = await instance(server)
    const b = await instance(server)
    t.equal(await status(b.app, '198.51.100.1'), 200)
    const start = Date.now()
    await a.app.requestInfo.ban('198.51.100.1', { ttl: '1h', reason: 'abuse' })
    t.equal(await status(a.app, '198.51.100.1'), 403, 'at once on the instance that banned')
    await until(() => b.app.requestInfo.bans().length === 1, 1000)
    const delay = Date.now() - start
    t.ok(delay < 1000, `enforced on the other instance after ${delay} ms`)
    t.equal(await status(b.app, '198.51.100.1'), 403)
    t.same(b.app.requestInfo.bans().map((ban) => [ban.key, ban.reason]), [['198.51.100.1', 'abuse']])
    await b.app.requestInfo.unban('198.51.100.1')
    await until(() => a.app.requestInfo.bans().length === 0, 1000)
    t.equal(await status(a.app, '198.51.100.1'), 200, 'the unban reaches the other instance too')
    await close(a, b)
  })

  test('a ban rule on one instance holds on the other', async (t) => {
    const server = await startRedis(t.teardown)
    const rules: requestInfo.Rule[] = [{ id: 'wp', action: 'ban', match: { path: '/wp-login.php' } }]
    const a = await instance(server, { rules })
    const b = await instance(server, { rules })
    t.equal((await a.app.inject({ url: '/wp-login.php', remoteAddress: '203.0.113.9' })).statusCode, 403)
    await until(() => b.app.requestInfo.bans().length === 1, 1000)
    t.equal(await status(b.app, '203.0.113.9'), 403)
    await close(a, b)
  })

  test('rate-limit counts are shared', async (t) => {
    const server = await startRedis(t.teardown)
    const rateLimits = [{ id: 'per-ip', max: 4, window: '1m' }]
    const a = await instance(server, { rateLimits })
    const b = await instance(server, { rateLimits })
    const seen = [await status(a.app, '192.0.2.1'), await status(b.app, '192.0.2.1'), await status(a.app, '192.0.2.1'), await status(b.app, '192.0.2.1')]
    t.same(seen, [200, 200, 200, 200])
    t.equal(await status(a.app, '192.0.2.1'), 429, 'the fifth request, whichever instance gets it')
    t.equal(await status(b.app, '192.0.2.1'), 429)
    t.equal(await status(b.app, '192.0.2.2'), 200, 'another client counts on its own')
    await close(a, b)
  })

  test('one Redis command per request for rate limiting, none for the ban check', async (t) => {
    const server = await startRedis(t.teardown)
    const a = await instance(server, { rateLimits: [{ id: 'per-ip', max: 1000, window: '1m' }, { id: 'per-route', key: 'route', max: 1000, window: '1m' }] })
    const b = await instance(server)
    const admin = client(server)
    await until(() => admin.status === 'ready', 5000)
    await b.app.requestInfo.ban('192.0.2.66')
    await until(() => a.app.requestInfo.bans().length === 1, 1000)
    await admin.config('RESETSTAT')
    for (let i = 0; i < 50; i++) await status(a.app, '192.0.2.1')
    for (let i = 0; i < 20; i++) await status(b.app, '192.0.2.1')
    const stats = commandStats(await admin.info('commandstats'))
    delete stats.info
    delete stats['config|resetstat']
    // commandstats also counts the commands a script runs: the rate-limit script's INCR, GET and PEXPIRE.
    const { evalsha, incr, get, pexpire, ...others } = stats
    t.equal(evalsha, 50, 'one EVALSHA per request with rate limits, for both of its windows')
    t.equal(incr, 100, 'the script counted 2 windows per request')
    t.equal(get, 100)
    t.ok(pexpire >= 2 && pexpire <= 4, 'expiry set once per window key')
    t.same(others, {}, `nothing else was sent: no command for the 70 ban checks (${JSON.stringify(stats)})`)
    admin.disconnect()
    await close(a, b)
  })

  test('Redis stopped mid-traffic: requests are served; back again: bans reconcile', async (t) => {
    const server = await startRedis(t.teardown)
    const rateLimits = [{ id: 'per-ip', max: 1000, window: '1m' }]
    const a = await instance(server, { rateLimits })
    const b = await instance(server, { rateLimits })
    const closed = await instance(server, { rateLimits, failClosed: true })
    // Closed on failure too: clients left retrying would keep the file from ending.
    let open = true
    t.teardown(async () => { if (open) await close(a, b, closed) })
    await a.app.requestInfo.ban('203.0.113.1', { ttl: '1h' })
    await until(() => b.app.requestInfo.bans().length === 1, 1000)
    await server.stop()
    const during: number[] = []
    for (let i = 0; i < 20; i++) during.push(await status(a.app, '192.0.2.1'), await status(b.app, '192.0.2.1'))
    t.ok(during.every((s) => s === 200), 'every request served while Redis is down')
    t.equal(await status(closed.app, '192.0.2.1'), 503, 'failClosed answers 503 meanwhile')
    t.ok(a.app.requestInfo.counters.storeErrors > 0, `store errors counted: ${a.app.requestInfo.counters.storeErrors}`)
    t.equal(await status(b.app, '203.0.113.1'), 403, 'bans held locally are still enforced')
    await a.app.requestInfo.ban('203.0.113.2', { ttl: '1h', reason: 'during the outage' })
    t.equal(await status(a.app, '203.0.113.2'), 403)
    await server.restart()
    // Reconnection takes a few 50 ms retries, longer on a loaded machine (CI runs test files side by side).
    await until(() => b.app.requestInfo.bans().length === 2, 15_000)
    t.same(b.app.requestInfo.bans().map((ban) => ban.key).sort(), ['203.0.113.1', '203.0.113.2'], 'the other instance has both bans')
    t.equal(await status(b.app, '203.0.113.2'), 403)
    // Each instance reconnects on its own schedule: this one has reconciled once it holds both bans.
    await until(() => closed.redis.status === 'ready' && closed.app.requestInfo.bans().length === 2, 15_000)
    t.equal(await status(closed.app, '192.0.2.1'), 200, 'failClosed serves again')
    open = false
    await close(a, b, closed)
  })
}

/** `INFO commandstats` as { command: calls }. */
function commandStats (info: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[match[1]] = Number(match[2])
  return out
}
