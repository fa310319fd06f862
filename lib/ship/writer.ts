import type { FastifyBaseLogger } from 'fastify'
import type { RecordLevel } from '../options.js'

/** Writes records: `members` are the JSON members of the record (no braces), `msg` the message. */
export interface RecordWriter {
  write: (level: RecordLevel, members: string, msg: string) => void
  /** Hands the records still held to the logger's stream. */
  flush: () => void
}

/** What the writer reports: records handed to the logger, and records lost with the error that lost them. */
export interface RecordWriterEvents {
  written: (count: number) => void
  failed: (err: unknown, count: number) => void
}

// Records are held at most this long, and handed over at once past MAX_BATCH characters.
const MAX_DELAY_MS = 10
const MAX_BATCH = 65536

// Writers holding records, flushed when the process exits: 'exit' listeners run synchronously, and this
// one is put first so that the records reach a pino transport before its own exit handler ends it.
const holding = new Set<() => void>()
let exitHookInstalled = false
function flushAllOnExit (): void {
  for (const flush of holding) flush()
}

/** Top-level keys the record may have; a pino serializer on any of them must see the object. */
const RECORD_KEYS = ['ecs', 'event', 'service', 'source', 'client', 'network', 'http', 'url', 'user_agent', 'tls', 'user',
  'request_info', 'serviceName', 'ip', 'realIp', 'ips', 'reqId', 'method', 'path', 'query', 'host', 'referer', 'ua', 'uai',
  'uah', 'ssl', 'sslh', 'ja4', 'h2', 'fingerprintSource', 'sni', 'alpn', 'tlsVersion', 'ac', 'ach', 'ho', 'hoh', 'threats', 'threatScore', 'status', 'responseTime', 'aborted',
  'mfa', 'captcha', 'custom']

type Slots = Record<string, any>

/**
 * Finds a pino logger's internal state by symbol description. The symbols are private to each copy of
 * pino (`pino.symbols` of another copy would not match the application's logger), so they are looked up
 * on the instance itself, along its prototype chain (child loggers inherit from their parent).
 */
function pinoSymbols (logger: object): Map<string, symbol> | undefined {
  const symbols = new Map<string, symbol>()
  for (let o: object | null = logger; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const symbol of Object.getOwnPropertySymbols(o)) {
      const name = symbol.description
      if (name !== undefined && name.startsWith('pino.') && !symbols.has(name)) symbols.set(name, symbol)
    }
  }
  const needed = ['pino.lsCache', 'pino.time', 'pino.chindings', 'pino.stream', 'pino.end', 'pino.messageKey', 'pino.stringifiers',
    'pino.formatters', 'pino.serializers', 'pino.hooks']
  return needed.every((name) => symbols.has(name)) ? symbols : undefined
}

/** The stream a pino logger writes to, or undefined for another logger. */
export function pinoStream (logger: object): unknown {
  const symbol = pinoSymbols(logger)?.get('pino.stream')
  return symbol === undefined ? undefined : (logger as Record<symbol, unknown>)[symbol]
}

/**
 * Whether a line built from pino's own level prefix, time, bindings and line end is what `logger[level]`
 * would write. Anything that transforms or observes the logged object (mixin, formatters.log, redaction,
 * hooks, nestedKey, multistream metadata, a serializer on one of the record's keys) needs the object path.
 */
function exactLinePossible (read: (name: string) => any): boolean {
  const hooks = read('pino.hooks') as Slots
  const serializers = read('pino.serializers') as Slots
  return !read('pino.mixin') && !read('pino.nestedKey') && !(read('pino.formatters') as Slots).log &&
    Reflect.ownKeys(read('pino.stringifiers') as object).length === 0 && !hooks.logMethod && !hooks.streamWrite &&
    (read('pino.stream') as Slots)[Symbol.for('pino.metadata') as unknown as string] !== true &&
    !RECORD_KEYS.some((key) => typeof serializers[key] === 'function')
}

/**
 * Returns the record writer for `logger`. With a plain pino logger the line is assembled here and handed to
 * the logger's stream: pino would otherwise JSON.stringify each nested object of a record whose shape is
 * known in advance, which bench/ measured as the largest per-request cost of the plugin. Any other logger
 * (or a pino configured with a feature listed in exactLinePossible) gets the object, `logger[level](obj, msg)`.
 */
export function createRecordWriter (logger: FastifyBaseLogger, events: RecordWriterEvents): RecordWriter {
  const symbols = pinoSymbols(logger)
  const state = logger as unknown as Record<symbol, any>
  const read = (name: string): any => state[symbols?.get(name) as symbol]
  if (symbols === undefined || !exactLinePossible(read)) {
    return {
      write (level, members, msg) {
        try {
          logger[level](JSON.parse(`{${members}}`), msg)
          events.written(1)
        } catch (err) {
          events.failed(err, 1)
        }
      },
      flush () {}
    }
  }

  const pinoLogger = logger as FastifyBaseLogger & { levels: { values: Record<string, number> }, isLevelEnabled: (level: string) => boolean }
  const lsCache = symbols.get('pino.lsCache') as symbol
  const time = symbols.get('pino.time') as symbol
  const chindings = symbols.get('pino.chindings') as symbol
  const stream = symbols.get('pino.stream') as symbol
  const end = read('pino.end') as string
  const messageKey = JSON.stringify(read('pino.messageKey'))
  const msgPrefix = (read('pino.msgPrefix') as string | undefined) ?? ''

  // Records go to the stream in batches, one write per MAX_DELAY_MS at most: a pino transport pays a fixed
  // cost per write (a copy into its shared buffer, a wake-up of its worker thread), which bench/ measured as
  // a large part of the per-request cost, at a moderate steady rate most of all (one request per write).
  // The timer does not keep the process alive: records still held when it exits are written then.
  let batch = ''
  let count = 0
  let scheduled = false
  function flush (): void {
    scheduled = false
    if (count === 0) return
    const lines = batch
    const written = count
    batch = ''
    count = 0
    holding.delete(flush)
    // Runs outside any request: a failing stream must not become an uncaught exception.
    try {
      state[stream].write(lines)
      events.written(written)
    } catch (err) {
      events.failed(err, written)
    }
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.prependListener('exit', flushAllOnExit)
  }

  return {
    write (level, members, msg) {
      if (!pinoLogger.isLevelEnabled(level)) return
      // State is read per line, as pino does: setBindings() and a changed stream take effect at once.
      batch += state[lsCache][pinoLogger.levels.values[level]] + state[time]() + state[chindings] + ',' + members + ',' +
        messageKey + ':' + JSON.stringify(msgPrefix + msg) + end
      count++
      if (batch.length > MAX_BATCH) flush()
      else if (!scheduled) {
        scheduled = true
        holding.add(flush)
        setTimeout(flush, MAX_DELAY_MS).unref()
      }
    },
    flush
  }
}
