import { parentPort } from 'node:worker_threads'
import build from 'pino-abstract-transport'
import { Shipper, COUNTERS_EVENT, type LogstashCounters } from './ship/logstash/shipper.js'
import type { LogstashOptions } from './ship/logstash/options.js'

// pino's worker (thread-stream) waits 10 s for a transport to end, then stops it: the shipper must have
// spooled what it holds by then.
const MAX_WORKER_CLOSE_TIMEOUT = 8000

/**
 * The pino transport: `transport: { target: 'fastify-request-info/logstash', options }`. It runs in pino's
 * worker thread and ships every line to Logstash over tcp or http; see LogstashOptions. Its counters reach the
 * application as a 'logstash-counters' event on the transport stream (thread-stream forwards EVENT messages).
 */
function logstashTransport (options: LogstashOptions): ReturnType<typeof build> {
  const closeTimeout = options?.closeTimeout
  if (typeof closeTimeout === 'number' && closeTimeout > MAX_WORKER_CLOSE_TIMEOUT) {
    throw new TypeError(`fastify-request-info/logstash: option closeTimeout must be at most ${MAX_WORKER_CLOSE_TIMEOUT} in a pino ` +
      `transport, which pino gives 10 s to end before it stops the worker; got ${closeTimeout}`)
  }
  const shipper = new Shipper(options)
  shipper.on(COUNTERS_EVENT, (counters: LogstashCounters) => {
    parentPort?.postMessage({ code: 'EVENT', name: COUNTERS_EVENT, args: [counters] })
  })
  return build((source) => {
    // The stream would split what pino writes into lines with a regular expression and pass them on one
    // by one through an object stream. The shipper finds the line ends itself (indexOf) and joins the
    // records of a batch into one string for the socket; bench/ measured the stream's splitting as the
    // largest part of the transport's CPU per record. So the chunks go to the shipper whole, and the stream
    // keeps the rest of its work: the worker's lifecycle, close() at the end, errors.
    // pino's worker writes strings; without decodeStrings a Transform would encode each one to a Buffer
    // first, only for it to be decoded again.
    const state = (source as unknown as { _writableState?: { decodeStrings?: boolean } })._writableState
    if (state !== undefined) state.decodeStrings = false
    source._transform = (chunk: Buffer | string, _encoding, callback) => {
      shipper.write(typeof chunk === 'string' ? chunk : chunk.toString())
      callback()
    }
    // Nothing is read from the stream, but it ends (and calls close()) only once its readable side has.
    source.resume()
  }, {
    metadata: false,
    close: async () => { await shipper.close() }
  })
}

/**
 * A pino destination that ships in the application's own thread, without a worker: the cheapest path
 * (no copy into a worker's buffer), at the price of doing the network and spool work on the event loop.
 * `pino(createLogstashStream(options))` or `Fastify({ logger: { stream: createLogstashStream(options) } })`.
 * Held records are delivered (or spooled) when the event loop empties, and spooled at process exit.
 */
function createLogstashStream (options: LogstashOptions): Shipper {
  const shipper = new Shipper(options)
  const beforeExit = (): void => { shipper.close().catch(() => {}) }
  const exit = (): void => { shipper.closeNow() }
  process.once('beforeExit', beforeExit)
  process.once('exit', exit)
  const close = shipper.close.bind(shipper)
  shipper.close = async () => {
    process.off('beforeExit', beforeExit)
    process.off('exit', exit)
    await close()
  }
  return shipper
}

logstashTransport.createLogstashStream = createLogstashStream
logstashTransport.COUNTERS_EVENT = COUNTERS_EVENT
logstashTransport.default = logstashTransport

// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace logstashTransport {
  export type { LogstashOptions, LogstashCounters, Shipper }
}

export = logstashTransport
