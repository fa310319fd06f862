import { test } from 'tap'
import Fastify from 'fastify'
import requestInfo = require('../lib/index')
import { build, accessRecords, settledRecords, rawRequest, recordingLogger, until } from './helper'
import { TRUNCATED } from '../lib/ship/record'

// Every case: the request is answered, exactly one record is written, nothing throws, the record is bounded.
async function listening (options: requestInfo.RequestInfoOptions = {}) {
  const { logger, lines } = recordingLogger()
  const app = Fastify()
  await app.register(requestInfo, { logger, ...options })
  app.get('/', async (request) => ({ ho: request.requestInfo.ho, ua: request.requestInfo.ua }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  return { app, lines, port }
}

test('a 64 KB User-Agent: hashed in full, parsed within bounds, cut in the record', async (t) => {
  const { app, lines } = await build({ maxValueLength: 256 })
  const ua = 'Mozilla/5.0 ' + 'A'.repeat(64 * 1024)
  const res = await app.inject({ url: '/', headers: { 'user-agent': ua, referer: 'r'.repeat(70000) } })
  t.equal(res.statusCode, 200)
  const info = res.json()
  t.equal(info.ua.length, ua.length, 'the full value stays in memory')
  t.match(info.uah, /^[0-9a-f]{16}$/)
  const records = (await settledRecords(lines))
  t.equal(records.length, 1)
  const original: string = records[0].user_agent.original
  t.equal(original.length, 256 + TRUNCATED.length)
  t.ok(original.endsWith(TRUNCATED))
  t.ok(records[0].http.request.referrer.endsWith(TRUNCATED))
  t.ok(JSON.stringify(records[0]).length < 4096, 'record size bounded')
  await app.close()
})

test('binary and invalid UTF-8 bytes in header values on a real socket', async (t) => {
  const { app, lines, port } = await listening()
  const bytes = Buffer.concat([
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: '),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82, 0x80, 0x9f]),
    Buffer.from('\r\nAccept: '),
    Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]),
    Buffer.from('\r\nConnection: close\r\n\r\n')
  ])
  const answer = await rawRequest(port, bytes)
  t.match(answer, /^HTTP\/1.1 200/)
  await until(() => accessRecords(lines).length === 1)
  const [record] = (await settledRecords(lines))
  t.equal(record.user_agent.original.length, 10, 'each byte kept as one latin1 character')
  t.equal(record.request_info.ac.length, 5)
  t.match(record.request_info.uah, /^[0-9a-f]{16}$/)
  await app.close()
})

test('500 headers: every one in the header order, bounded work', async (t) => {
  const { app, lines, port } = await listening()
  let head = 'GET / HTTP/1.1\r\nHost: x\r\n'
  for (let i = 0; i < 500; i++) head += `X-Custom-${i}: ${i}\r\n`
  const answer = await rawRequest(port, head + 'Connection: close\r\n\r\n')
  t.match(answer, /^HTTP\/1.1 200/)
  await until(() => accessRecords(lines).length === 1)
  const [record] = (await settledRecords(lines))
  t.equal(record.request_info.ho, 'p' + '*'.repeat(500) + 'i')
  await app.close()
})

test('headers named __proto__, constructor and prototype', async (t) => {
  const { app, lines, port } = await listening({ fingerprintHeaders: { ja3: '__proto__', ja4: 'constructor' } })
  const answer = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n__proto__: {"polluted":1}\r\nconstructor: x\r\n' +
    'prototype: y\r\nhasOwnProperty: z\r\nUser-Agent: curl/8.5.0\r\nConnection: close\r\n\r\n')
  t.match(answer, /^HTTP\/1.1 200/)
  await until(() => accessRecords(lines).length === 1)
  const [record] = (await settledRecords(lines))
  t.equal(record.request_info.ho, 'p**Ti', 'the fingerprint headers are left out, the others unknown')
  t.equal(({} as any).polluted, undefined, 'no prototype pollution')
  t.equal(app.requestInfo.counters.errors, 0)
  t.equal(app.requestInfo.counters.untrustedFingerprintHeaders, 1)
  await app.close()
})

test('duplicated headers appear in the header order once per occurrence', async (t) => {
  const { app, lines, port } = await listening()
  const answer = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\r\nUser-Agent: b\r\nAccept: x\r\naccept: y\r\nConnection: close\r\n\r\n')
  t.match(answer, /^HTTP\/1.1 200/)
  await until(() => accessRecords(lines).length === 1)
  const [record] = (await settledRecords(lines))
  t.equal(record.request_info.ho, 'pTTaai')
  t.equal(record.user_agent.original, 'a', 'Node keeps the first User-Agent')
  t.equal(record.request_info.ac, 'x, y', 'Node joins repeated Accept headers')
  await app.close()
})

test('no User-Agent and no Host (HTTP/1.0)', async (t) => {
  const { app, lines, port } = await listening()
  const answer = await rawRequest(port, 'GET / HTTP/1.0\r\n\r\n')
  t.match(answer, /^HTTP\/1.1 200/)
  await until(() => accessRecords(lines).length === 1)
  const [record] = (await settledRecords(lines))
  t.equal(record.user_agent, undefined)
  t.equal(record.url.domain, undefined)
  t.equal(record.request_info.ho, '')
  t.match(record.request_info.hoh, /^[0-9a-f]{16}$/)
  await app.close()
})

test('a long path with hostile characters is cut in the record and serialised as valid JSON', async (t) => {
  const { app, lines } = await build({ maxValueLength: 64 })
  const res = await app.inject({ url: '/' + '%22%0a"\\'.repeat(20000) })
  t.equal(res.statusCode, 404)
  const [record] = (await settledRecords(lines))
  t.equal(record.url.path.length, 64 + TRUNCATED.length)
  await app.close()
})
