import { test } from 'tap'
import * as path from 'node:path'
import * as fs from 'node:fs'
import { once } from 'node:events'
import pino from 'pino'
import Fastify from 'fastify'
import requestInfo = require('../lib/index')
import logstash = require('../lib/logstash')
import { Shipper } from '../lib/ship/logstash/shipper'
import { resolveLogstashOptions } from '../lib/ship/logstash/options'
import { tcpReceiver, httpReceiver } from './receivers'
import { until, tmpDir } from './helper'

const TRANSPORT = path.join(__dirname, '..', 'dist', 'logstash.js')



test('tcp: records arrive complete and in order through the pino transport', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const transport = pino.transport({ target: TRANSPORT, options: { port: receiver.port, countersInterval: 0 } })
  const counters: any[] = []
  transport.on('logstash-counters', (c: any) => counters.push(c))
  const logger = pino(transport)
  const N = 10_000
  for (let i = 0; i < N; i++) logger.info({ i, text: `record ${i} "quoted" \\ é ✓` }, 'hello')
  await until(() => receiver.lines.length >= N, 20_000)
  transport.end()
  await once(transport, 'close')
  const records = receiver.records()
  t.equal(records.length, N, 'every record, once')
  t.ok(records.every((r, i) => r.i === i && r.text === `record ${i} "quoted" \\ é ✓` && r.msg === 'hello'), 'complete and in order')
  t.equal(new Set(records.map((r) => r.record_id)).size, N, 'every record has its own id')
  t.equal(Object.keys(records[0])[0], 'record_id', 'the id is the first member')
  t.ok(counters.length > 0 && counters[counters.length - 1].delivered === N, 'counters reach the application as events')
})

test('http: batches arrive complete and in order, each acknowledged by a 2xx', async (t) => {
  const receiver = await httpReceiver()
  t.teardown(() => receiver.stop())
  const shipper = new Shipper({ mode: 'http', url: receiver.url, batchBytes: 64 * 1024, countersInterval: 0 })
  const logger = pino(shipper)
  const N = 10_000
  for (let i = 0; i < N; i++) logger.info({ i }, 'hello')
  await until(() => receiver.lines.length >= N, 20_000)
  await shipper.close()
  const records = receiver.records()
  t.equal(records.length, N)
  t.ok(records.every((r, i) => r.i === i), 'in order')
  t.ok(receiver.posts > 1 && receiver.posts < N / 10, `batched: ${receiver.posts} POSTs`)
  t.equal(shipper.read().delivered, N)
})

test('http: a batch answered with a non-2xx is retried until it is accepted', async (t) => {
  const receiver = await httpReceiver()
  t.teardown(() => receiver.stop())
  receiver.status = 503
  const shipper = new Shipper({ mode: 'http', url: receiver.url, backoffMin: 10, backoffMax: 50, batchDelay: 5, countersInterval: 0 })
  for (let i = 0; i < 100; i++) shipper.write(JSON.stringify({ i }) + '\n')
  await until(() => receiver.posts >= 3, 5000)
  t.equal(receiver.lines.length, 0, 'nothing counted while refused')
  receiver.status = 200
  await until(() => receiver.lines.length >= 100, 5000)
  await shipper.close()
  t.same(receiver.records().map((r) => r.i), Array.from({ length: 100 }, (_, i) => i), 'all of them, once, in order')
  const c = shipper.read()
  t.equal(c.delivered, 100)
  t.ok(c.retried >= 200, `retried ${c.retried}`)
  t.equal(c.reconnects, 1, 'the recovery is counted')
})

test('tcp: start-up while the receiver is down neither blocks nor loses records', async (t) => {
  const receiver = await tcpReceiver()
  await receiver.stop()
  const shipper = new Shipper({ port: receiver.port, backoffMin: 20, backoffMax: 200, countersInterval: 0 })
  const started = process.hrtime.bigint()
  for (let i = 0; i < 1000; i++) shipper.write(JSON.stringify({ i }) + '\n')
  t.ok(Number(process.hrtime.bigint() - started) / 1e6 < 500, 'writing does not wait for the connection')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(shipper.read().queuedBytes > 0, true, 'records wait in the queue')
  await receiver.start()
  t.teardown(() => receiver.stop())
  await until(() => receiver.lines.length >= 1000, 10_000)
  await shipper.close()
  t.same(receiver.records().map((r) => r.i), Array.from({ length: 1000 }, (_, i) => i))
  t.equal(shipper.read().reconnects, 1)
})

for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
  test(`memory queue full, no spool, ${overflow}: drops are counted and reported once the sink is back`, async (t) => {
    const receiver = await httpReceiver()
    t.teardown(() => receiver.stop())
    receiver.status = 503
    const shipper = new Shipper({ mode: 'http', url: receiver.url, queueBytes: 4096, overflow, backoffMin: 10, backoffMax: 20, batchDelay: 1, countersInterval: 0 })
    shipper.write(JSON.stringify({ i: 0 }) + '\n')
    await until(() => receiver.posts >= 1, 5000) // record 0 is now in flight, outside the queue
    const line = (i: number): string => JSON.stringify({ i, pad: 'x'.repeat(60) }) + '\n'
    for (let i = 1; i <= 200; i++) shipper.write(line(i))
    const dropped = shipper.read().dropped
    t.ok(dropped > 100 && dropped < 200, `${dropped} dropped`)
    receiver.status = 200
    await until(() => receiver.lines.some((l) => l.includes('records dropped')), 5000)
    await until(() => receiver.records().filter((r) => r.i !== undefined).length === 201 - dropped, 5000)
    await shipper.close()
    const records = receiver.records()
    const kept = records.filter((r) => r.i !== undefined).map((r) => r.i)
    t.equal(kept[0], 0, 'the record in flight is delivered')
    const expected = overflow === 'drop-newest'
      ? Array.from({ length: 200 - dropped }, (_, k) => k + 1)
      : Array.from({ length: 200 - dropped }, (_, k) => k + 1 + dropped)
    t.same(kept.slice(1), expected, overflow === 'drop-newest' ? 'the oldest are kept' : 'the newest are kept')
    const loss = records.find((r) => r.msg === 'records dropped') ?? {}
    t.equal(loss.level, 40)
    t.equal(loss.transport.dropped, dropped, 'the loss record counts every dropped record')
    t.equal(loss.transport.policy, overflow)
    t.ok(Date.parse(loss.transport.since) <= Date.parse(loss.transport.until))
  })
}

test('spool: records beyond the memory queue wait on disk and are delivered in order', async (t) => {
  const receiver = await tcpReceiver()
  await receiver.stop()
  const dir = tmpDir(t, 'fri-spool-')
  const shipper = new Shipper({ port: receiver.port, queueBytes: 8192, spoolDir: dir, segmentBytes: 16 * 1024, backoffMin: 20, backoffMax: 100, countersInterval: 0 })
  for (let i = 0; i < 5000; i++) shipper.write(JSON.stringify({ i, pad: 'y'.repeat(40) }) + '\n')
  const c = shipper.read()
  t.equal(c.dropped, 0)
  t.ok(c.spooledBytes > 100_000, `${c.spooledBytes} bytes spooled`)
  t.ok(fs.readdirSync(dir).length > 5, 'in several segments')
  await receiver.start()
  t.teardown(() => receiver.stop())
  await until(() => receiver.lines.length >= 5000, 15_000)
  await shipper.close()
  t.same(receiver.records().map((r) => r.i), Array.from({ length: 5000 }, (_, i) => i), 'every record once, in order')
  t.same(fs.readdirSync(dir), [], 'delivered segments are deleted')
})

test('spool: close while the sink is down writes what is held; a new transport replays it first', async (t) => {
  const receiver = await httpReceiver()
  await receiver.stop()
  const dir = tmpDir(t, 'fri-spool-')
  const first = new Shipper({ mode: 'http', url: receiver.url, spoolDir: dir, closeTimeout: 200, backoffMin: 10, countersInterval: 0 })
  for (let i = 0; i < 300; i++) first.write(JSON.stringify({ i }) + '\n')
  await first.close()
  t.equal(first.read().dropped, 0)
  const spooled = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('').split('\n').filter(Boolean)
  t.equal(spooled.length, 300, 'all 300 records are on disk')
  await receiver.start()
  t.teardown(() => receiver.stop())
  const second = new Shipper({ mode: 'http', url: receiver.url, spoolDir: dir, countersInterval: 0 })
  second.write(JSON.stringify({ i: 300 }) + '\n')
  await until(() => receiver.lines.length >= 301, 10_000)
  await second.close()
  t.same(receiver.records().map((r) => r.i), Array.from({ length: 301 }, (_, i) => i), 'spooled records first, then the new one')
})

test('spool full: drop-oldest gives up the oldest segment and counts its records', async (t) => {
  const receiver = await httpReceiver()
  await receiver.stop()
  const dir = tmpDir(t, 'fri-spool-')
  const shipper = new Shipper({ mode: 'http', url: receiver.url, spoolDir: dir, queueBytes: 2048, spoolBytes: 8192, segmentBytes: 2048, overflow: 'drop-oldest', backoffMin: 10, countersInterval: 0, closeTimeout: 100 })
  for (let i = 0; i < 1000; i++) shipper.write(JSON.stringify({ i, pad: 'z'.repeat(30) }) + '\n')
  const c = shipper.read()
  t.ok(c.dropped > 500, `${c.dropped} dropped`)
  t.ok(c.spooledBytes <= 8192, 'the spool stays within spoolBytes')
  await shipper.close()
})

test('periodic counters record', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const shipper = new Shipper({ port: receiver.port, countersInterval: 50 })
  shipper.write('{"a":1}\n')
  await until(() => receiver.lines.some((l) => l.includes('transport counters')), 5000)
  await shipper.close()
  const record = receiver.records().find((r) => r.msg === 'transport counters') ?? {}
  t.same(Object.keys(record.transport), ['delivered', 'retried', 'dropped', 'queued_bytes', 'spooled_bytes', 'reconnects'])
  t.equal(record.event.kind, 'metric')
})

test('lines that are not JSON objects are kept as the message of a record', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const shipper = new Shipper({ port: receiver.port, countersInterval: 0 })
  shipper.write('plain text "line"\n{}\n{"split":')
  shipper.write('true}\n\n')
  await until(() => receiver.lines.length >= 3, 5000)
  await shipper.close()
  const records = receiver.records()
  t.equal(records[0].msg, 'plain text "line"')
  t.same(Object.keys(records[1]), ['record_id'])
  t.equal(records[2].split, true, 'a record split over two writes is joined')
})

test('options are checked at construction with messages naming the option', async (t) => {
  t.throws(() => resolveLogstashOptions({}), /option port is required in tcp mode/)
  t.throws(() => resolveLogstashOptions({ mode: 'http' }), /option url is required in http mode/)
  t.throws(() => resolveLogstashOptions({ mode: 'udp' as 'tcp', port: 1 }), /option mode must be one of 'tcp', 'http'; got 'udp'/)
  t.throws(() => resolveLogstashOptions({ port: 70000 }), /option port must be a whole number from 1 to 65535/)
  t.throws(() => resolveLogstashOptions({ mode: 'http', url: 'ftp://x/' }), /option url must be an absolute http: or https: URL/)
  t.throws(() => resolveLogstashOptions({ port: 1, queueBytes: -1 }), /option queueBytes must be a whole number >= 1024; got -1/)
  t.throws(() => resolveLogstashOptions({ port: 1, cert: '-----BEGIN CERTIFICATE-----' }), /options cert and key must be given together/)
  t.throws(() => resolveLogstashOptions({ port: 1, ca: '/nonexistent/ca.pem' }), /option ca is neither PEM text nor a readable file/)
  t.throws(() => resolveLogstashOptions({ port: 1, idKey: 'a"b' }), /option idKey must be/)
  t.throws(() => resolveLogstashOptions({ port: 1, overflow: 'block' as 'drop-newest' }), /option overflow must be one of 'drop-newest', 'drop-oldest'/)
  t.equal(resolveLogstashOptions({ port: 1 }).overflow, 'drop-newest')
})

test('the plugin makes the transport counters reachable as fastify.requestInfo.transport', async (t) => {
  const receiver = await httpReceiver()
  t.teardown(() => receiver.stop())
  const stream = logstash.createLogstashStream({ mode: 'http', url: receiver.url, batchDelay: 1, countersInterval: 0 })
  const app = Fastify({ logger: { stream }, logController: new Fastify.LogController({ disableRequestLogging: true }) })
  await app.register(requestInfo)
  app.get('/', async () => 'ok')
  t.equal(app.requestInfo.transport, undefined, 'nothing reported yet')
  for (let i = 0; i < 20; i++) await app.inject('/')
  await until(() => (app.requestInfo.transport?.delivered ?? 0) >= 20, 5000)
  t.equal(receiver.records().filter((r) => r.msg === 'request completed').length, 20, 'the access records were shipped')
  t.equal(app.requestInfo.transport?.dropped, 0)
  await app.close()
  await stream.close()
})

test('a record larger than maxRecordBytes is replaced by one saying so, and counted', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const shipper = new Shipper({ port: receiver.port, maxRecordBytes: 4096, countersInterval: 0 })
  const big = JSON.stringify({ big: 'b'.repeat(10_000) })
  shipper.write(big + '\n' + JSON.stringify({ after: 1 }) + '\n')
  await until(() => receiver.lines.length >= 3, 5000)
  await shipper.close()
  const [replaced, after] = receiver.records()
  t.equal(replaced.msg, 'record too large')
  t.equal(replaced.transport.oversized_bytes, big.length)
  t.equal(replaced.transport.excerpt.length, 1024)
  t.equal(after.after, 1, 'the next record follows')
  t.equal(receiver.records()[2].transport.dropped, 1, 'the loss is reported')
  t.equal(shipper.read().dropped, 1)
})

test('regression: the replay window is sent in its first order, however many reconnects fail', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const shipper = new Shipper({ port: receiver.port, backoffMin: 10, backoffMax: 30, countersInterval: 0 })
  for (let i = 0; i < 5; i++) {
    shipper.write(JSON.stringify({ i }) + '\n')
    await until(() => receiver.lines.length === i + 1, 5000)
  }
  await receiver.stop(true)
  shipper.write(JSON.stringify({ i: 5 }) + '\n') // meets the broken connection
  await until(() => shipper.read().retried >= 10, 5000) // several failed attempts while the receiver is down
  receiver.lines.length = 0
  await receiver.start()
  await until(() => receiver.lines.length >= 6, 5000)
  await shipper.close()
  t.same(receiver.records().map((r) => r.i), [0, 1, 2, 3, 4, 5], 'the window, then the new record, in order')
})

test('regression: one large batch does not empty the replay window', async (t) => {
  const receiver = await tcpReceiver()
  t.teardown(() => receiver.stop())
  const shipper = new Shipper({ port: receiver.port, replayBytes: 4096, backoffMin: 10, backoffMax: 30, countersInterval: 0 })
  // One batch of 6 KB (written in one turn), then small records one by one.
  shipper.write(Array.from({ length: 60 }, (_, i) => JSON.stringify({ i, pad: 'q'.repeat(80) })).join('\n') + '\n')
  await until(() => receiver.lines.length === 60, 5000)
  for (let i = 60; i < 65; i++) {
    shipper.write(JSON.stringify({ i }) + '\n')
    await until(() => receiver.lines.length === i + 1, 5000)
  }
  await receiver.stop(true)
  receiver.lines.length = 0
  await receiver.start()
  shipper.write(JSON.stringify({ i: 65 }) + '\n')
  await until(() => receiver.records().some((r) => r.i === 65), 5000)
  await shipper.close()
  const order = receiver.records().map((r) => r.i)
  t.same(order, Array.from({ length: 66 }, (_, i) => i), 'the large batch is still in the window, and all is sent again in order')
})
