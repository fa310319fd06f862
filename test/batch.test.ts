import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import Fastify from 'fastify'
import requestInfo = require('../lib/index')

test('records reach the stream in batches, each record once', async (t) => {
  const writes: string[] = []
  const stream = new Writable({ write (chunk, _e, cb) { writes.push(String(chunk)); cb() } })
  const app = Fastify()
  await app.register(requestInfo, { logger: pino({}, stream), shape: 'flat' })
  app.get('/:n', async () => 'ok')
  await Promise.all([1, 2, 3, 4, 5].map((n) => app.inject(`/${n}`)))
  await new Promise((resolve) => setTimeout(resolve, 25))
  const lines = writes.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line))
  t.same(lines.map((l) => l.path).sort(), ['/1', '/2', '/3', '/4', '/5'])
  t.ok(writes.length < 5, `${writes.length} writes for 5 records`)
  t.equal(app.requestInfo.counters.records, 5)
  await app.close()
})

test('records still held are written on fastify.close()', async (t) => {
  const lines: string[] = []
  const app = Fastify()
  await app.register(requestInfo, { logger: pino({}, { write: (line: string) => { lines.push(line) } }) })
  app.get('/', async () => 'ok')
  await app.inject('/')
  t.equal(lines.length, 0, 'held for a few milliseconds')
  await app.close()
  t.equal(lines.length, 1)
})

/**
 * Runs, in a plain node process with the built package (npm test builds first), a server that answers one
 * injected request and then runs `after` (a statement on the inject promise); returns the exit code and the
 * records its logger wrote to a file.
 */
function recordsOfProcess (after: string): { code: number, records: Array<Record<string, any>> } {
  const file = join(mkdtempSync(join(tmpdir(), 'fri-process-')), 'records.ndjson')
  const script = `
    const Fastify = require('fastify'); const pino = require('pino'); const requestInfo = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))})
    const app = Fastify()
    app.register(requestInfo, { logger: pino(pino.destination({ dest: ${JSON.stringify(file)}, sync: true })) })
    app.get('/', async () => 'ok')
    app.inject('/')${after}`
  let code = 0
  try {
    execFileSync(process.execPath, ['-e', script], { cwd: join(__dirname, '..'), stdio: 'pipe', timeout: 10000 })
  } catch (err) {
    code = (err as { status: number }).status
  }
  return { code, records: readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) }
}

test('records still held are written when the process exits at once', async (t) => {
  const { code, records } = recordsOfProcess('.then(() => process.exit(3))')
  t.equal(code, 3, 'the process exited right after the response')
  t.equal(records.length, 1)
  t.equal(records[0].msg, 'request completed')
})

test('held records do not keep the process alive, and are written when it ends by itself', async (t) => {
  const { code, records } = recordsOfProcess('')
  t.equal(code, 0, 'the process ended by itself, within the timeout')
  t.equal(records.length, 1)
})
