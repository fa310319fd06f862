import { test, type Test } from 'tap'
import type { Redis } from 'ioredis'
import { RedisStore, type RedisStoreOptions } from '../lib/respond/store/redis'
import type { BanRequest, WindowHit } from '../lib/respond/types'
import {
  commandCounts, redisAvailable, redisClient, settled, sleep, startRedis, within, type RedisServer
} from './helpers/redis-server'

const skip = redisAvailable ? false : 'redis-server is not installed at /usr/bin/redis-server (.ci/run installs it)'
const PREFIX = 'request-info:'

const REQUEST: BanRequest = {
  key: '192.0.2.1', reason: 'rule:test', mode: 'block', ttl: 60_000, escalation: 2, maxTtl: 600_000, recidive: 3_600_000
}

interface Instance {
  store: RedisStore
  client: Redis
  errors: Array<{ err: unknown, step: string }>
  /** Resolves at the store's next reconciliation with the number of bans it holds. */
  nextReconciled (): Promise<number>
}

/**
 * A store on a client of its own (as each instance of a service would have), once it has reconciled with
 * Redis unless `reconciled` is false.
 */
async function instance (
  t: Test, server: RedisServer, options: RedisStoreOptions = {}, reconciled = true, keyPrefix?: string
): Promise<Instance> {
  const redis = redisClient(t, server, keyPrefix === undefined ? {} : { keyPrefix })
  const errors: Instance['errors'] = []
  let waiting: Array<(bans: number) => void> = []
  const store = new RedisStore(redis, {
    timeout: 100,
    ...options,
    events: {
      error: (err, step) => errors.push({ err, step }),
      reconciled: (bans) => {
        const resolve = waiting
        waiting = []
        for (const fn of resolve) fn(bans)
      }
    }
  })
  t.teardown(() => store.close())
  const nextReconciled = (): Promise<number> => settled(new Promise((resolve) => waiting.push(resolve)), 5000, 'reconciliation')
  if (reconciled) await nextReconciled()
  return { store, client: redis, errors, nextReconciled }
}

test('a ban issued on one instance is in force on the other within 1 s, and so is an unban', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  const b = await instance(t, server)
  const admin = redisClient(t, server)

  const now = Date.now()
  const issued = a.store.ban(REQUEST, now)
  t.equal(a.store.banned(REQUEST.key, now)?.key, REQUEST.key, 'in force on the issuing instance before ban() settles')
  const delay = await within(1000, () => b.store.banned(REQUEST.key, Date.now()) !== undefined)
  t.ok(delay < 1000, `in force on the other instance after ${delay.toFixed(1)} ms`)
  const ban = await issued
  t.match(ban, { key: REQUEST.key, reason: 'rule:test', since: now, until: now + 60_000, offences: 1, mode: 'block' })
  t.same(b.store.banned(REQUEST.key, now), ban, 'the other instance holds the ban Redis returned')
  t.same(a.store.list(now), [ban])
  t.same(b.store.list(now), [ban])
  t.same(JSON.parse(await admin.hget(PREFIX + 'bans', REQUEST.key) as string), ban, 'stored in the bans hash')

  const lifting = b.store.unban(REQUEST.key)
  t.equal(b.store.banned(REQUEST.key, now), undefined, 'lifted on the instance that unbans at once')
  const unbanDelay = await within(1000, () => a.store.banned(REQUEST.key, Date.now()) === undefined)
  t.ok(unbanDelay < 1000, `lifted on the other instance after ${unbanDelay.toFixed(1)} ms`)
  t.equal(await lifting, true)
  t.equal(await a.store.unban(REQUEST.key), false, 'no ban left to lift')
  t.equal(await admin.hlen(PREFIX + 'bans'), 0)

  const unreadable = { ...REQUEST, key: '192.0.2.3', reason: 'r'.repeat(2000) }
  await t.rejects(a.store.ban(unreadable, now), /ban: reason "r+" is longer than 1024 characters/, 'a ban other instances could not read is refused')
  await t.rejects(a.store.ban({ ...REQUEST, key: '' }, now), /ban: key "" is not a key of 1 to 256 characters/)
  t.equal(a.store.banned(unreadable.key, now), undefined)
  t.same(a.errors, [])
  t.same(b.errors, [])
  t.comment(`propagation: ban ${delay.toFixed(1)} ms, unban ${unbanDelay.toFixed(1)} ms`)
})

test('rate-limit counts are shared, and the previous window is read once it turns', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  const b = await instance(t, server)
  const admin = redisClient(t, server)
  const W = 200
  // A time at the start of both windows, so that the expected counts do not depend on the clock.
  const T = Math.floor(Date.now() / 60_000) * 60_000
  const hits: WindowHit[] = [{ key: 'ip:192.0.2.1', window: W }, { key: 'user:alice', window: 60_000 }]

  t.same(await a.store.hit([], T), [], 'no windows, nothing sent')
  t.same(await a.store.hit(hits, T), [{ current: 1, previous: 0 }, { current: 1, previous: 0 }])
  t.same(await b.store.hit(hits, T + 1), [{ current: 2, previous: 0 }, { current: 2, previous: 0 }], 'the other instance adds to the same count')
  t.same(await a.store.hit(hits, T + 150), [{ current: 3, previous: 0 }, { current: 3, previous: 0 }])
  const key = `${PREFIX}rl:ip:192.0.2.1:${T / W}`
  const life = await admin.pttl(key)
  t.ok(life > 0 && life <= 2 * W, `the window's key lives two windows (${life} ms left)`)

  t.same(await b.store.hit(hits, T + W), [{ current: 1, previous: 3 }, { current: 4, previous: 0 }], 'the window turned: its count is now the previous one')
  t.same(await a.store.hit(hits, T + 3 * W), [{ current: 1, previous: 0 }, { current: 5, previous: 0 }], 'a window with no hits before')

  // A server that lost its scripts (SCRIPT FLUSH, a failover) still counts: EVAL is sent instead.
  await admin.script('FLUSH')
  t.same(await b.store.hit(hits, T + 3 * W + 1), [{ current: 2, previous: 0 }, { current: 6, previous: 0 }])

  await sleep(2 * W + 50)
  t.equal(await admin.exists(key), 0, 'the key is gone after two windows')
})

test('escalation counts the offences of every instance', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  const b = await instance(t, server)
  const admin = redisClient(t, server)
  const request: BanRequest = { ...REQUEST, ttl: 1000, escalation: 2, maxTtl: 5000, recidive: 60_000 }
  const now = Date.now()

  const lengths: number[] = []
  for (const store of [a.store, b.store, a.store, b.store]) {
    const ban = await store.ban(request, now)
    lengths.push(ban.until - ban.since)
    await within(1000, () => a.store.banned(request.key, now)?.offences === ban.offences && b.store.banned(request.key, now)?.offences === ban.offences)
  }
  t.same(lengths, [1000, 2000, 4000, 5000], 'each ban by either instance doubles the last, up to maxTtl')
  t.equal(await admin.get(`${PREFIX}offences:${request.key}`), '4')
  const remembered = await admin.pttl(`${PREFIX}offences:${request.key}`)
  t.ok(remembered > 50_000 && remembered <= 60_000, `offences are remembered for recidive (${remembered} ms left)`)

  // An instance that has never seen this source: the count it escalates by is the shared one.
  await a.store.unban(request.key)
  const c = await instance(t, server)
  t.equal(c.store.banned(request.key, now), undefined)
  const fifth = await c.store.ban(request, now)
  t.equal(fifth.offences, 5)
  t.equal(fifth.until - fifth.since, 5000)
})

test('Redis down: hit() rejects at once, bans are checked and issued locally; back: state reconciles', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  const b = await instance(t, server)
  const admin = redisClient(t, server)
  const hits: WindowHit[] = [{ key: 'ip:192.0.2.1', window: 1000 }]
  const earlier = { ...REQUEST, key: '198.51.100.7' }
  const during = { ...REQUEST, key: '203.0.113.9' }

  await b.store.ban(earlier, Date.now())
  await within(1000, () => a.store.banned(earlier.key, Date.now()) !== undefined)
  await admin.save()
  await server.stop()
  await within(2000, () => a.client.status !== 'ready' && b.client.status !== 'ready')

  // The user's client has ioredis's offline queue on: the store must not queue behind it.
  const start = performance.now()
  await t.rejects(a.store.hit(hits, Date.now()), /not ready/)
  const elapsed = performance.now() - start
  t.ok(elapsed < 100, `hit() rejected after ${elapsed.toFixed(1)} ms, before its timeout`)
  t.equal(a.store.banned(earlier.key, Date.now())?.key, earlier.key, 'bans are still checked')

  const local = await settled(a.store.ban(during, Date.now()), 100, 'ban() while Redis is down')
  t.match(local, { key: during.key, offences: 1 }, 'ban() resolves with the local ban')
  t.equal(a.store.banned(during.key, Date.now()), local, 'and it is in force here')
  t.equal(b.store.banned(during.key, Date.now()), undefined, 'not on the other instance yet')
  await sleep(200) // reconnection attempts every 20 ms, each an error on the subscriber
  const steps = a.errors.map((e) => e.step)
  t.equal(steps.filter((step) => step === 'ban').length, 1, 'the failed ban is reported')
  t.equal(steps.filter((step) => step === 'subscriber').length, 1, 'the lost subscription is reported once, not per retry')

  const reconciled = [a.nextReconciled(), b.nextReconciled()]
  await server.restart()
  await Promise.all(reconciled)
  const delay = await within(1000, () => b.store.banned(during.key, Date.now()) !== undefined)
  t.comment(`the ban issued during the outage reached the other instance ${delay.toFixed(1)} ms after its reconciliation`)
  t.same(b.store.banned(during.key, Date.now()), a.store.banned(during.key, Date.now()), 'both hold the ban Redis returned')
  t.equal(a.store.banned(earlier.key, Date.now())?.key, earlier.key, 'the ban from before the outage is still in force')
  t.same((await admin.hkeys(PREFIX + 'bans')).sort(), [earlier.key, during.key])

  // Subscriptions are back: a new ban travels by pub/sub again.
  const after = { ...REQUEST, key: '192.0.2.77' }
  const now = Date.now()
  void a.store.ban(after, now)
  const again = await within(1000, () => b.store.banned(after.key, now) !== undefined)
  t.comment(`after the restart a ban reached the other instance in ${again.toFixed(1)} ms`)
  t.same(await a.store.hit(hits, now), [{ current: 1, previous: 0 }], 'counting works again')

  // A second outage is reported again.
  const before = a.errors.length
  await server.stop()
  await within(2000, () => a.client.status !== 'ready')
  await a.store.unban(after.key)
  t.equal(a.errors.slice(before).filter((e) => e.step === 'unban').length, 1)
  const back = a.nextReconciled()
  await server.restart()
  await back
  await within(1000, () => b.store.banned(after.key, Date.now()) === undefined)
  t.pass('the unban made during the second outage reached the other instance')
})

test('Redis restarted empty and the first instance back holds no ban: the others still store theirs back', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  const admin = redisClient(t, server)
  await a.store.ban(REQUEST, Date.now())
  t.same(await admin.hkeys(PREFIX + 'bans'), [REQUEST.key])

  // a stays away (its client closed) while Redis restarts empty and a new instance, with no ban, comes first.
  a.client.disconnect()
  await server.stop()
  await server.restart()
  const late = await instance(t, server)
  t.equal(late.store.list(Date.now()).length, 0, 'the new instance found no ban')
  t.ok(await admin.exists(PREFIX + 'bans:epoch'), 'and named the new data set')

  const back = a.nextReconciled()
  await a.client.connect()
  t.equal(await back, 1, 'a still holds its ban after reconciling')
  t.same(await admin.hkeys(PREFIX + 'bans'), [REQUEST.key], 'a stored it back, though another instance restored first')
  await within(1000, () => late.store.banned(REQUEST.key, Date.now()) !== undefined)
  t.pass('and published it to the other instance')

  // Redis kept its data this time: a ban lifted there while a was away stays lifted.
  a.client.disconnect()
  await admin.hdel(PREFIX + 'bans', REQUEST.key)
  await admin.zrem(PREFIX + 'bans:ends', REQUEST.key)
  const again = a.nextReconciled()
  await a.client.connect()
  t.equal(await again, 0, 'a takes the shared bans as they are')
  t.same(await admin.hkeys(PREFIX + 'bans'), [], 'and stores nothing back into the data set it knew')
})

test('changes waiting for Redis are bounded by maxBans, the oldest dropped', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server, { maxBans: 2 })
  const admin = redisClient(t, server)
  await server.stop()
  await within(2000, () => a.client.status !== 'ready')
  for (const key of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) await a.store.ban({ ...REQUEST, key }, Date.now())
  t.match(a.errors.filter((e) => e.step === 'pending'), [{ err: /more than 2 bans and unbans wait for Redis/ }], 'reported once')
  const back = a.nextReconciled()
  await server.restart()
  await back
  t.same((await admin.hkeys(PREFIX + 'bans')).sort(), ['192.0.2.2', '192.0.2.3'], 'the two latest reached Redis')
  t.same(a.store.list(Date.now()).map((ban) => ban.key).sort(), ['192.0.2.2', '192.0.2.3'])
})

test('a hung Redis: hit() rejects after its timeout, ban() resolves locally, the late answer is applied', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  const b = await instance(t, server)
  t.teardown(() => server.resume())

  server.pause()
  const start = performance.now()
  await t.rejects(a.store.hit([{ key: 'ip:192.0.2.1', window: 1000 }], Date.now()), /no answer within 100 ms/)
  const elapsed = performance.now() - start
  t.ok(elapsed >= 95 && elapsed < 1000, `hit() rejected after ${elapsed.toFixed(1)} ms (timeout 100 ms)`)

  const now = Date.now()
  const local = await settled(a.store.ban(REQUEST, now), 1000, 'ban() while Redis hangs')
  t.match(local, { key: REQUEST.key, offences: 1 })
  t.equal(a.store.banned(REQUEST.key, now), local)
  server.resume()
  await within(1000, () => b.store.banned(REQUEST.key, Date.now()) !== undefined)
  t.same(b.store.banned(REQUEST.key, now), a.store.banned(REQUEST.key, now), 'the script ran once Redis answered, and both hold its ban')
})

test('malformed messages and stored bans are reported and ignored', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  const admin = redisClient(t, server)
  const now = Date.now()
  const valid = { key: '192.0.2.5', reason: 'rule:x', since: now, until: now + 60_000, offences: 1, mode: 'block' }
  const malformed: Array<[string, RegExp]> = [
    ['not json', /is not JSON/],
    ['[1,2]', /not a JSON object/],
    ['null', /not a JSON object/],
    ['{"key":"192.0.2.6"}', /since/],
    [JSON.stringify({ ...valid, key: '192.0.2.6', mode: 'evil' }), /mode: "evil"/],
    [JSON.stringify({ ...valid, key: '192.0.2.6', until: 'never' }), /until/],
    [JSON.stringify({ ...valid, key: '192.0.2.6', until: now - 1 }), /until/],
    [JSON.stringify({ ...valid, key: '192.0.2.6', offences: 0 }), /offences/],
    [JSON.stringify({ ...valid, key: 'k'.repeat(300) }), /message\.key/],
    [JSON.stringify({ ...valid, key: 7 }), /message\.key/],
    [JSON.stringify({ ...valid, reason: 'r'.repeat(2000) }), /reason/],
    [`{"__proto__":${JSON.stringify({ ...valid, key: '192.0.2.6' })}}`, /since/],
    [JSON.stringify({ unban: '' }), /unban/],
    [JSON.stringify({ unban: { key: 'x' } }), /unban/],
    ['x'.repeat(100_000), /100000 characters is longer than 16384/]
  ]
  for (const [message] of malformed) await admin.publish(PREFIX + 'bans', message)
  // Messages on one channel arrive in order: once this one is applied, the others have been read.
  await admin.publish(PREFIX + 'bans', JSON.stringify(valid))
  await within(1000, () => a.store.banned(valid.key, Date.now()) !== undefined)
  const reported = a.errors.filter((e) => e.step === 'message')
  t.equal(reported.length, malformed.length, 'each malformed message is reported')
  malformed.forEach(([, pattern], i) => t.match(String(reported[i]?.err), pattern, `message ${i} is named`))
  t.same(a.store.list(Date.now()).map((ban) => ban.key), [valid.key], 'only the valid ban was applied')
  t.equal(({} as Record<string, unknown>).key, undefined, 'no prototype was changed')

  // Stored bans are read as carefully by an instance that starts.
  await admin.hset(PREFIX + 'bans', 'garbage', '{"key":', '192.0.2.8', JSON.stringify({ ...valid, key: '192.0.2.9' }),
    '192.0.2.10', JSON.stringify({ ...valid, key: '192.0.2.10' }))
  const b = await instance(t, server)
  t.same(b.store.list(Date.now()).map((ban) => ban.key), ['192.0.2.10'], 'the malformed stored bans are skipped')
  t.match(b.errors, [{ step: 'reconcile' }], 'and reported')

  // A bans key of another type cannot be read at all: reported, and the store goes on with what it holds.
  await admin.del(PREFIX + 'bans')
  await admin.set(PREFIX + 'bans', 'not a hash')
  const c = await instance(t, server, {}, false)
  await within(1000, () => c.errors.length > 0)
  t.match(c.errors, [{ step: 'reconcile', err: /WRONGTYPE/ }])
  t.same(await c.store.hit([{ key: 'ip:192.0.2.1', window: 1000 }], Date.now()), [{ current: 1, previous: 0 }], 'counting goes on')
})

test('Redis commands: one EVALSHA per hit() whatever its windows, none for ban checks, one per ban()', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const a = await instance(t, server)
  await instance(t, server)
  const admin = redisClient(t, server)
  const N = 200
  const M = 100_000
  const hits: WindowHit[] = [
    { key: 'ip:192.0.2.1', window: 1000 }, { key: 'user:alice', window: 60_000 }, { key: 'route:/login:192.0.2.1', window: 10_000 }
  ]
  await a.store.ban(REQUEST, Date.now())

  await admin.config('RESETSTAT')
  let created = 0
  for (let i = 0; i < N; i++) {
    for (const count of await a.store.hit(hits, Date.now())) if (count.current === 1) created++
  }
  t.same(await commandCounts(admin), {
    'config|resetstat': 1, evalsha: N, incr: N * hits.length, get: N * hits.length, pexpire: created
  }, `${N} hit() calls of ${hits.length} windows: ${N} EVALSHA (INCR, GET and PEXPIRE run inside the script)`)

  await admin.config('RESETSTAT')
  let found = 0
  for (let i = 0; i < M; i++) {
    if (a.store.banned(REQUEST.key, Date.now()) !== undefined) found++
    if (a.store.banned(`198.51.100.${i % 256}`, Date.now()) !== undefined) found++
  }
  t.equal(found, M)
  t.same(await commandCounts(admin), { 'config|resetstat': 1 }, `${2 * M} banned() calls: no command`)

  await admin.config('RESETSTAT')
  await a.store.ban({ ...REQUEST, key: '192.0.2.2' }, Date.now())
  const counts = await commandCounts(admin)
  t.equal(counts.evalsha, 1, 'ban(): one EVALSHA')
  t.equal(counts.publish, 1, 'which publishes the ban')
  t.equal(counts.eval, undefined, 'the script was loaded: no EVAL')
})

test('close() unsubscribes and closes its own connection only, once', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const admin = redisClient(t, server)
  await admin.ping()
  const sockets = (): number => process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length
  const pubsubClients = async (): Promise<number> => (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub') as string).split('\n').filter(Boolean).length

  const baseline = sockets()
  const a = await instance(t, server)
  t.equal(sockets(), baseline + 2, 'the client and its duplicate')
  t.equal(await pubsubClients(), 1)
  const listeners = a.client.listenerCount('ready')

  await Promise.all([a.store.close(), a.store.close()])
  await a.store.close()
  await within(1000, () => sockets() === baseline + 1)
  t.equal(await pubsubClients(), 0, 'the subscription is gone from the server')
  t.equal(a.client.status, 'ready', "the user's client is left open")
  t.equal(await a.client.ping(), 'PONG')
  t.equal(a.client.listenerCount('ready'), listeners - 1, "the store no longer listens to the user's client")

  // Closed while Redis is down: the duplicate stops reconnecting.
  const b = await instance(t, server)
  await server.stop()
  await within(1000, () => b.client.status !== 'ready')
  await settled(b.store.close(), 1000, 'close() while Redis is down')
  await server.restart()
  await within(2000, () => b.client.status === 'ready')
  t.equal(await pubsubClients(), 0, 'no subscription came back')
  await within(1000, () => sockets() === baseline + 2)
  t.pass('the user\'s clients only are connected')
})

test("services told apart by ioredis's keyPrefix do not share bans", { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const one = [await instance(t, server, {}, true, 'one:'), await instance(t, server, {}, true, 'one:')]
  const two = await instance(t, server, {}, true, 'two:')
  const admin = redisClient(t, server)
  const now = Date.now()
  await one[0]?.store.ban(REQUEST, now)
  await within(1000, () => one[1]?.store.banned(REQUEST.key, now) !== undefined)
  await two.store.ban({ ...REQUEST, key: '192.0.2.2' }, now)
  // A marker published after both bans: messages on one channel arrive in order, so once each instance holds
  // its channel's marker, it has read every ban published there before.
  const marker = { key: '192.0.2.99', reason: 'marker', since: now, until: now + 60_000, offences: 1, mode: 'block' }
  await admin.publish(`one:${PREFIX}bans`, JSON.stringify(marker))
  await admin.publish(`two:${PREFIX}bans`, JSON.stringify(marker))
  await within(1000, () => one[1]?.store.banned(marker.key, now) !== undefined && two.store.banned(marker.key, now) !== undefined)
  t.same(two.store.list(now).map((ban) => ban.key).sort(), ['192.0.2.2', marker.key])
  t.same(one[1]?.store.list(now).map((ban) => ban.key).sort(), [REQUEST.key, marker.key])
  t.same(await admin.hkeys(`one:${PREFIX}bans`), [REQUEST.key])
  t.same(await admin.hkeys(`two:${PREFIX}bans`), ['192.0.2.2'])
})

test('options and clients the store refuses', { skip }, async (t) => {
  const server = await startRedis(t.teardown.bind(t))
  const redis = redisClient(t, server, { lazyConnect: true })
  t.throws(() => new RedisStore({ ...redis, isCluster: true } as never), /Redis Cluster is not supported/)
  t.throws(() => new RedisStore(redis, { timeout: 0 }), /options\.timeout: 0 is not a positive number/)
  t.throws(() => new RedisStore(redis, { timeout: Infinity }), /options\.timeout/)
  t.throws(() => new RedisStore(redis, { maxBans: 1.5 }), /options\.maxBans: 1\.5/)
  t.throws(() => new RedisStore(redis, { prefix: 7 as never }), /options\.prefix/)
  t.equal(redis.status, 'wait', 'nothing was connected')
})
