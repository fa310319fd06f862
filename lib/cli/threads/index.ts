/**
 * A report made on worker threads. Splitting lines, parsing them and running the detectors on them (derive.ts)
 * take most of the time and need nothing from other lines; the behaviour windows and the tables must see the
 * requests in input order. So this thread reads the inputs (gunzipping them), cuts them into pieces of whole
 * lines and deals the pieces round the reading threads (reader.ts); each derives its pieces' requests and
 * sends them to the counting thread (counter.ts), which takes them piece by piece in the order they were dealt,
 * counts them and builds the report: the same report as on one thread.
 *
 * Memory: at most PIECES_AHEAD pieces and BATCHES_AHEAD batches per reading thread are in flight, whatever
 * the input's size, and each worker's young generation (where V8 puts what it allocates first) is capped at
 * YOUNG_MB: V8 lets it grow with the work done, so that peak memory would otherwise keep growing with the
 * input long after the tables stopped.
 */
import { extname, join } from 'node:path'
import { MessageChannel, Worker } from 'node:worker_threads'
import { InputError, type CliOptions } from '../args.js'
import { summaryOf, type Progress } from '../input/index.js'
import { decompressed, openInput, wholeLines, type ByteCounter } from '../input/lines.js'
import type { Report } from '../report.js'
import { PIECES_AHEAD, type CounterData, type CounterResult, type ReaderData, type ToReader } from './protocol.js'

const YOUNG_MB = 12

/** A worker module beside this one: .js when built, .ts when run from the sources (the tests). */
function workerModule (name: string): string {
  return join(__dirname, name + extname(__filename))
}

/** Reads `files` and makes the report of `options` with `readers` reading threads and a counting thread. */
export async function reportOnThreads (options: CliOptions, files: readonly string[], readers: number, progress: Progress | undefined,
  now: Date): Promise<Report> {
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_MB }
  const channels = Array.from({ length: readers }, () => new MessageChannel())
  const reading = channels.map(({ port1 }) => new Worker(workerModule('reader'), {
    workerData: { paranoia: options.paranoia, port: port1 } satisfies ReaderData, transferList: [port1], resourceLimits
  }))
  const ports = channels.map(({ port2 }) => port2)
  const counter = new Worker(workerModule('counter'), {
    workerData: { options, files, now, ports } satisfies CounterData, transferList: ports, resourceLimits
  })
  const bytes: ByteCounter = { bytes: 0 }
  const seen = summaryOf(files)
  const ahead = reading.map(() => 0)
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const report = new Promise<Report>((resolve, reject) => {
    const fail = (err: Error): void => {
      failure ??= err
      reject(failure)
      wake?.()
    }
    for (const worker of [...reading, counter]) {
      worker.on('error', fail)
      worker.on('exit', (code) => fail(new Error(`a worker thread stopped (exit code ${code})`)))
    }
    reading.forEach((worker, i) => worker.on('message', () => {
      ahead[i]--
      wake?.()
    }))
    counter.on('message', (m: CounterResult) => {
      if (m.type === 'progress') {
        seen.lines = m.lines
        progress?.tick(seen, bytes.bytes)
      } else if (m.type === 'report') resolve(m.report)
      else fail(m.input ? new InputError(m.message) : new Error(m.message))
    })
  })
  // Awaited once everything was sent; a failure before then stops the sending.
  report.catch(() => {})
  let turn = 0
  const send = async (m: ToReader): Promise<void> => {
    while (ahead[turn] >= PIECES_AHEAD && failure === undefined) await new Promise<void>((resolve) => { wake = resolve })
    if (failure !== undefined) throw failure
    ahead[turn]++
    reading[turn].postMessage(m, m.type === 'lines' ? [...new Set(m.parts.map((p) => p.buffer as ArrayBuffer))] : [])
    turn = (turn + 1) % reading.length
  }
  try {
    for (let file = 0; file < files.length; file++) {
      try {
        for await (const piece of wholeLines(decompressed(openInput(files[file]), bytes))) {
          await send(piece === undefined ? { type: 'long', file } : { type: 'lines', file, parts: piece })
        }
      } catch (err) {
        if (err === failure) throw err
        await send({ type: 'error', file, message: (err as Error).message })
      }
    }
    for (const worker of reading) worker.postMessage({ type: 'end' } satisfies ToReader)
    const made = await report
    progress?.done()
    return made
  } finally {
    await Promise.all([...reading, counter].map(async (worker) => await worker.terminate()))
  }
}
