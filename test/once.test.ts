import { test } from 'tap'
import { connect } from 'node:net'
import Fastify from 'fastify'
import pino from 'pino'
import requestInfo = require('../lib/index')
import { build, accessRecords, settledRecords, recordingLogger, until, afterFlush } from './helper'

test('a handler that throws: one record with status 500', async (t) => {
  const { app, lines } = await build({}, {}, (server) => {
    server.get('/throw', async () => { throw new Error('handler failed') })
  })
  const res = await app.inject('/throw')
  t.equal(res.statusCode, 500)
  const records = (await settledRecords(lines))
  t.equal(records.length, 1)
  t.equal(records[0].http.response.status_code, 500)
  t.equal(records[0].event.outcome, 'failure')
  await app.close()
})

test('an onRequest hook registered before the plugin answers early: one record, built late', async (t) => {
  const { logger, lines } = recordingLogger()
  const app = Fastify()
  app.addHook('onRequest', async (_request, reply) => { reply.code(401).send('no') })
  await app.register(requestInfo, { logger })
  app.get('/', async () => 'ok')
  const res = await app.inject({ url: '/', headers: { 'user-agent': 'curl/8.5.0' } })
  t.equal(res.statusCode, 401)
  const records = (await settledRecords(lines))
  t.equal(records.length, 1)
  t.equal(records[0].http.response.status_code, 401)
  t.equal(records[0].user_agent.original, 'curl/8.5.0')
  await app.close()
})

test('an onRequest hook registered before the plugin throws: one record', async (t) => {
  const { logger, lines } = recordingLogger()
  const app = Fastify()
  app.addHook('onRequest', async () => { throw new Error('hook failed') })
  await app.register(requestInfo, { logger })
  app.get('/', async () => 'ok')
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.equal((await settledRecords(lines)).length, 1)
  await app.close()
})

test('preHandler and onSend hooks that throw: one record each', async (t) => {
  const { app, lines } = await build({}, {}, (server) => {
    server.get('/pre', { preHandler: async () => { throw new Error('pre') } }, async () => 'ok')
    server.get('/send', { onSend: async () => { throw new Error('send') } }, async () => 'ok')
  })
  t.equal((await app.inject('/pre')).statusCode, 500)
  t.equal((await app.inject('/send')).statusCode, 500)
  t.same((await settledRecords(lines)).map((r) => r.url.path), ['/pre', '/send'])
  await app.close()
})

test('the client aborts before the response: one record marked aborted', async (t) => {
  const { logger, lines } = recordingLogger()
  const app = Fastify()
  await app.register(requestInfo, { logger, shape: 'flat' })
  let release: () => void = () => {}
  let handlerDone = false
  let entered = false
  app.get('/slow', async () => {
    entered = true
    await new Promise<void>((resolve) => { release = resolve })
    handlerDone = true
    return 'late'
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const socket = connect(port, '127.0.0.1')
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nUser-Agent: impatient\r\n\r\n')
  await until(() => entered)
  socket.destroy()
  await until(() => accessRecords(lines).length === 1)
  release()
  await until(() => handlerDone)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const records = (await settledRecords(lines))
  t.equal(records.length, 1, 'logged once, not again when the handler finishes')
  t.equal(records[0].msg, 'request aborted')
  t.equal(records[0].aborted, true)
  t.equal(records[0].status, undefined)
  t.equal(records[0].ua, 'impatient')
  t.ok(records[0].responseTime >= 0)
  t.equal(app.requestInfo.counters.aborted, 1)
  await app.close()
})

test('a failure in option skip is logged and the request goes on, recorded', async (t) => {
  const { app, lines } = await build({ skip: () => { throw new Error('skip broke') } })
  const res = await app.inject('/')
  t.equal(res.statusCode, 200)
  t.equal((await settledRecords(lines)).length, 1)
  const errors = lines.filter((l) => l.level === 50)
  t.equal(errors.length, 1)
  t.equal(errors[0].err.message, 'skip broke')
  t.equal(errors[0].reqId, 'req-1')
  t.equal(app.requestInfo.counters.errors, 1)
  await app.close()
})

test('a failure in option recordLevel: logged once, the record still written at info', async (t) => {
  const { app, lines } = await build({ recordLevel: () => { throw new Error('level broke') } })
  t.equal((await app.inject('/')).statusCode, 200)
  const records = (await settledRecords(lines))
  t.equal(records.length, 1)
  t.equal(records[0].level, 30)
  t.equal(lines.filter((l) => l.level === 50).length, 1)
  await app.close()

  const unknown = await build({ recordLevel: () => 'verbose' as any })
  t.equal((await unknown.app.inject('/')).statusCode, 200)
  t.equal((await settledRecords(unknown.lines)).length, 1)
  t.match(unknown.lines.find((l) => l.level === 50)?.err.message, /not a pino level/)
  await unknown.app.close()
})

test('a failure while building requestInfo: logged once, request served, partial record written', async (t) => {
  const { app, lines } = await build({}, {}, (server) => {
    // Breaks the plugin's header-order step on purpose: rawHeaders is not iterable.
    server.addHook('onRequest', async (request) => { (request.raw as any).rawHeaders = null })
  })
  const res = await app.inject({ url: '/', headers: { 'user-agent': 'curl/8.5.0' } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().ua, 'curl/8.5.0', 'fields built before the failure remain')
  const records = (await settledRecords(lines))
  t.equal(records.length, 1)
  t.equal(records[0].user_agent.original, 'curl/8.5.0')
  t.equal(lines.filter((l) => l.level === 50).length, 1)
  t.equal(app.requestInfo.counters.errors, 1)
  await app.close()
})

test('a logger whose destination throws never fails the request; the loss is counted', async (t) => {
  const failing = pino({}, { write () { throw new Error('disk full') } })
  const app = Fastify()
  await app.register(requestInfo, { logger: failing })
  app.get('/', async () => 'ok')
  const res = await app.inject('/')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'ok')
  await afterFlush()
  t.equal(app.requestInfo.counters.errors, 1)
  t.equal(app.requestInfo.counters.lost, 1)
  t.equal(app.requestInfo.counters.records, 0)
  await app.close()
})

test('a logger that is not pino gets the record as an object', async (t) => {
  const calls: Array<[string, Record<string, any>, string]> = []
  const logger: any = { level: 'info', child: () => logger }
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace']) {
    logger[level] = (obj: Record<string, any>, msg: string) => { calls.push([level, obj, msg]) }
  }
  const app = Fastify()
  await app.register(requestInfo, { logger, recordLevel: 'warn' })
  app.get('/', async () => 'ok')
  await app.inject({ url: '/', headers: { 'user-agent': 'curl/8.5.0' } })
  t.equal(calls.length, 1)
  t.equal(calls[0][0], 'warn')
  t.equal(calls[0][2], 'request completed')
  t.equal(calls[0][1].user_agent.original, 'curl/8.5.0')
  t.equal(calls[0][1].http.response.status_code, 200)
  await app.close()
})
