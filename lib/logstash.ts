import { parentPort } from 'node:worker_threads'
import build from 'pino-abstract-transport'
import { Shipper, COUNTERS_EVENT, type LogstashCounters } from './ship/logstash/shipper.js'
import type { LogstashOptions } from './ship/logstash/options.js'

// Every line is passed on as the text it arrived as: the records are JSON already, and parsing them
// here would cost more than the rest of the transport. pino-abstract-transport wraps anything that is not
// an object, so the parser returns one shared object instead of the parsed line.
const UNPARSED = {}
const keepLine = (): object => UNPARSED

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
    // pino's worker writes strings. A Transform encodes each to a Buffer, which split2 then decodes back
    // to a string: with strings passed through, bench/ measured a third less CPU per record in the worker.
    // split2's StringDecoder returns a string it is given as it is.
    const state = (source as unknown as { _writableState?: { decodeStrings?: boolean } })._writableState
    if (state !== undefined && state.decodeStrings === true) state.decodeStrings = false
    source.on('data', (line: string) => { shipper.add(line) })
    // A record that is not valid UTF-8 JSON still arrives as a line; nothing is dropped here.
    source.on('unknown', (line: string) => { shipper.add(line) })
  }, {
    parse: 'lines',
    parseLine: keepLine,
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
