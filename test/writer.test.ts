import { test } from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import { createRecordWriter } from '../lib/ship/writer'

const MEMBERS = '"event":{"kind":"event","duration":12},"url":{"path":"/a\\"b"},"request_info":{"ho":"pTa"}'

function capture (): { stream: Writable, lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _e, cb) { lines.push(String(chunk)); cb() } })
  return { stream, lines }
}

const EVENTS = { written () {}, failed (err: unknown) { throw err } }

// The fixed clock makes pino's line and the writer's line comparable byte for byte.
const fixedTime = (): string => ',"time":1700000000000'

const CONFIGS: Array<[string, pino.LoggerOptions, (l: pino.Logger) => pino.Logger]> = [
  ['defaults', { timestamp: fixedTime }, (l) => l],
  ['messageKey, no base, level labels', { timestamp: fixedTime, messageKey: 'message', base: null, formatters: { level: (label) => ({ level: label }) } }, (l) => l],
  ['msgPrefix and crlf', { timestamp: fixedTime, msgPrefix: '[edge] ', crlf: true }, (l) => l],
  ['child bindings', { timestamp: fixedTime }, (l) => l.child({ component: 'edge', zone: 'eu' })],
  ['setBindings after creation', { timestamp: fixedTime }, (l) => { const c = l.child({ a: 1 }); c.setBindings({ a: 2 }); return c }],
  ['custom levels', { timestamp: fixedTime, customLevels: { audit: 35 } }, (l) => l]
]

test('the direct line is byte for byte what pino writes for the same record', async (t) => {
  for (const [name, options, derive] of CONFIGS) {
    const ours = capture()
    const theirs = capture()
    const writer = createRecordWriter(derive(pino(options, ours.stream)) as any, EVENTS)
    const reference = derive(pino(options, theirs.stream))
    writer.write('warn', MEMBERS, 'request completed')
    reference.warn(JSON.parse(`{${MEMBERS}}`), 'request completed')
    writer.write('debug', MEMBERS, 'below the level')
    writer.flush()
    await new Promise((resolve) => setImmediate(resolve))
    t.same(ours.lines, theirs.lines, name)
    t.equal(ours.lines.length, 1, `${name}: levels below the logger's are not written`)
  }
})

test('loggers whose features need the object get it through logger[level]', async (t) => {
  const cases: Array<[string, pino.LoggerOptions]> = [
    ['mixin', { mixin: () => ({ extra: true }) }],
    ['formatters.log', { formatters: { log: (o) => ({ ...o, extra: true }) } }],
    ['redact', { redact: ['url.path'] }],
    ['nestedKey', { nestedKey: 'payload' }],
    ['hooks.logMethod', { hooks: { logMethod (args, method) { method.apply(this, args) } } }],
    ['serializer on a record key', { serializers: { url: () => ({ path: '[hidden]' }) } }]
  ]
  for (const [name, options] of cases) {
    const ours = capture()
    const theirs = capture()
    const writer = createRecordWriter(pino({ ...options, timestamp: fixedTime }, ours.stream) as any, EVENTS)
    writer.write('info', MEMBERS, 'request completed')
    writer.flush()
    pino({ ...options, timestamp: fixedTime }, theirs.stream).info(JSON.parse(`{${MEMBERS}}`), 'request completed')
    await new Promise((resolve) => setImmediate(resolve))
    t.same(ours.lines, theirs.lines, name)
    t.equal(ours.lines.length, 1, name)
  }
})
