// The Logstash transport in whole processes: an application that ends by itself, a restart that replays the
// spool the previous process left, the event loop of an application whose sink is down, and the counters
// reaching the application. The child processes run the built package (dist/) as plain Node.js, from the
// scripts in test/fixtures/logstash.
import { t as rootTest, test, type Test } from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import pino from 'pino'
import { httpReceiver, tcpReceiver } from './receivers'
import { until } from './helper'

const root = join(__dirname, '..')
const fixtures = join(__dirname, 'fixtures', 'logstash')
const TRANSPORT = join(root, 'dist', 'logstash.js')
const REQUESTS = 200

// Six child processes, two of them logging for several seconds, on a 2-core machine shared with other test files.
rootTest.setTimeout(240_000)

interface Run { code: number | null, stdout: string, stderr: string }

/**
 * Runs a fixture script in a plain Node.js process: without the test runner's loaders and coverage hooks,
 * which would slow it down and change what the event-loop test measures.
 */
async function runFixture (script: string, args: Record<string, unknown>): Promise<Run> {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key !== 'NODE_OPTIONS' && !key.startsWith('_TAPJS_') && !key.startsWith('TAP')) env[key] = value
  }
  const child = spawn(process.execPath, [join(fixtures, script), JSON.stringify(args)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const [code] = await once(child, 'exit') as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** Every record in the spool's segment files, oldest segment first. */
function spooled (dir: string): Array<Record<string, any>> {
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((name) => name.endsWith('.ndjson')).sort()
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)))
}

/** A spool directory that does not exist yet, inside a temporary directory removed after the test. */
function spoolDirFor (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'fri-lsproc-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'spool')
}

const pathOf = (record: Record<string, any>): string => record.url?.path ?? record.path
const paths = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, n) => `/${prefix}/${n}`)

test('an application that ends by itself has shipped every access record over http', async (t) => {
  const receiver = await httpReceiver()
  t.teardown(() => receiver.stop())
  const run = await runFixture('app.js', { transport: { mode: 'http', url: receiver.url, countersInterval: 0 }, requests: REQUESTS, prefix: 'a' })
  t.equal(run.code, 0, `the process ended by itself, without an error\n${run.stderr}`)
  const records = receiver.records()
  t.equal(records.length, REQUESTS, 'exactly one record per request, nothing else')
  t.ok(records.every((r) => r.msg === 'request completed'), 'all of them access records')
  t.same(records.map(pathOf), paths('a', REQUESTS), 'in the order of the requests')
  const ids = records.map((r) => r.record_id)
  t.ok(ids.every((id) => typeof id === 'string' && id !== ''), 'each with a record_id')
  t.equal(new Set(ids).size, REQUESTS, 'no two with the same record_id')
})

test('a process restart with a non-empty spool replays it before the new records', async (t) => {
  const receiver = await httpReceiver()
  t.teardown(() => receiver.stop())
  await receiver.stop()
  const spoolDir = spoolDirFor(t)
  const transport = { mode: 'http', url: receiver.url, spoolDir, countersInterval: 0 }

  const down = await runFixture('app.js', { transport: { ...transport, closeTimeout: 500 }, requests: REQUESTS, prefix: 'first' })
  t.equal(down.code, 0, `with the receiver down, the process still ended by itself\n${down.stderr}`)
  const kept = spooled(spoolDir)
  t.ok(readdirSync(spoolDir).some((name) => /^segment-\d+\.ndjson$/.test(name)), 'the spool holds segment files')
  t.same(kept.map(pathOf), paths('first', REQUESTS), 'with every record, in order')
  t.equal(receiver.lines.length, 0, 'nothing was delivered')

  await receiver.start()
  const up = await runFixture('app.js', { transport, requests: 5, prefix: 'second' })
  t.equal(up.code, 0, `the second process ended by itself\n${up.stderr}`)
  const records = receiver.records()
  t.same(records.map(pathOf), [...paths('first', REQUESTS), ...paths('second', 5)], 'the spooled records first, then the new ones, in order')
  t.same(records.slice(0, REQUESTS).map((r) => r.record_id), kept.map((r) => r.record_id), 'the spooled records keep the ids they were given')
  t.same(spooled(spoolDir), [], 'the spool is empty once delivered')
})

test('with the sink down, logging does not delay the event loop more than with the sink up', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const records = 30_000
  // A small memory queue, so that with the sink down most records spill to the spool (in the worker).
  const transport = (port: number, spoolDir: string): Record<string, unknown> =>
    ({ mode: 'tcp', port, spoolDir, queueBytes: 256 * 1024, closeTimeout: 500, countersInterval: 0 })
  const measure = async (name: string, port: number, spoolDir: string): Promise<Record<string, number>> => {
    const run = await runFixture('loop-delay.js', { transport: transport(port, spoolDir), records, seconds: 3 })
    t.equal(run.code, 0, `${name}: the process ended by itself\n${run.stderr}`)
    const delay = JSON.parse(run.stdout.trim().split('\n').pop() as string)
    // The histogram holds the time between two samples taken every 10 ms: 10 ms means no delay at all.
    t.comment(`event-loop delay, sink ${name}: p50 ${delay.p50} ms, p99 ${delay.p99} ms, max ${delay.max} ms (${records} records in ${delay.seconds} s)`)
    return delay
  }

  const upSpool = spoolDirFor(t)
  const up = await measure('up', receiver.port, upSpool)
  t.equal(receiver.lines.length, records, 'sink up: every record was delivered')
  t.same(spooled(upSpool), [], 'sink up: nothing left in the spool')

  const downPort = receiver.port
  await receiver.stop()
  const downSpool = spoolDirFor(t)
  const down = await measure('down', downPort, downSpool)
  t.equal(spooled(downSpool).length, records, 'sink down: every record is in the spool')
  t.ok(down.p99 < up.p99 + 20, `sink-down p99 ${down.p99} ms is below sink-up p99 ${up.p99} ms + 20 ms`)
})

test('the counters reach the application as events on the transport stream', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const { COUNTERS_EVENT } = require(TRANSPORT) as { COUNTERS_EVENT: string }
  t.equal(COUNTERS_EVENT, 'logstash-counters', 'the event name is exported')
  const stream = pino.transport({ target: TRANSPORT, options: { mode: 'tcp', port: receiver.port, countersInterval: 0 } })
  const events: Array<Record<string, number>> = []
  stream.on(COUNTERS_EVENT, (counters: Record<string, number>) => events.push(counters))
  const logger = pino(stream)
  const records = 500
  for (let n = 0; n < records; n++) logger.info({ n }, 'counted')

  // The transport reports once a second while it runs.
  await until(() => events.some((c) => c.delivered === records), 30_000)
  const reported = events.find((c) => c.delivered === records) as Record<string, number>
  t.equal(receiver.lines.length, records, 'the records had arrived')
  t.match(reported, { delivered: records, dropped: 0, queuedBytes: 0, spooledBytes: 0 }, 'delivered is the number of records; nothing held or lost')
  const closed = once(stream, 'close')
  stream.end()
  await closed
})

test('regression: an application shipping in its own thread ends by itself, its records delivered or spooled', async (t) => {
  const receiver = await httpReceiver()
  t.teardown(() => receiver.stop())
  const up = await runFixture('in-process.js', { stream: { mode: 'http', url: receiver.url, countersInterval: 0 }, records: 20 })
  t.equal(up.code, 0, 'sink up: the process ended by itself')
  t.equal(receiver.records().filter((r) => r.msg === 'in-process').length, 20, 'sink up: the records were delivered')

  const tcp = await tcpReceiver()
  await tcp.stop()
  const spoolDir = mkdtempSync(join(tmpdir(), 'fri-inproc-'))
  t.teardown(() => rmSync(spoolDir, { recursive: true, force: true }))
  const started = Date.now()
  const down = await runFixture('in-process.js', { stream: { port: tcp.port, spoolDir, countersInterval: 0 }, records: 20 })
  t.equal(down.code, 0, 'sink down: the process ended by itself')
  t.ok(Date.now() - started < 5000, `sink down: without waiting out closeTimeout (${Date.now() - started} ms)`)
  const spooled = readdirSync(spoolDir).map((f) => readFileSync(join(spoolDir, f), 'utf8')).join('').split('\n').filter(Boolean)
  t.equal(spooled.length, 20, 'sink down: the records are in the spool')
})

test('a closeTimeout pino would cut short is refused when the transport starts', async (t) => {
  const logstash = require(TRANSPORT)
  t.throws(() => logstash({ port: 1, closeTimeout: 9000 }), /option closeTimeout must be at most 8000 in a pino transport/)
})
