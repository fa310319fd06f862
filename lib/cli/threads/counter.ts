/**
 * The counting thread (see index.ts): takes the reading threads' messages in the order the pieces were dealt
 * (piece k from reading thread k mod n), counts each piece's requests, adds up what was read, and once
 * every piece was counted sends the report to the main thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { readBatch } from '../analyse/request.js'
import { InputError } from '../args.js'
import { startCounting, type Counting } from '../count.js'
import { inputName, SAMPLES, summaryOf } from '../input/index.js'
import type { InputSummary } from '../report.js'
import type { CounterData, CounterResult, FromCounter, ToCounter } from './protocol.js'

const main = parentPort as MessagePort
const { options, files, now, ports } = workerData as CounterData

function fail (err: unknown): void {
  main.postMessage({ type: 'failed', message: (err as Error).message, input: err instanceof InputError } satisfies CounterResult)
  for (const port of ports) port.close()
}

/** Adds what a piece of input `file` read to `total`; its line numbers count from the lines of `file` before it. */
function addRead (total: InputSummary, linesBefore: number[], file: number, piece: InputSummary): void {
  const name = inputName(files[file])
  for (const s of piece.unparseableSamples) {
    if (total.unparseableSamples.length === SAMPLES) break
    total.unparseableSamples.push({ ...s, file: name, line: s.line === 0 ? 0 : linesBefore[file] + s.line })
  }
  linesBefore[file] += piece.lines
  total.lines += piece.lines
  total.requests += piece.requests
  total.records += piece.records
  total.accessLogLines += piece.accessLogLines
  total.otherRecords += piece.otherRecords
  total.unparseable += piece.unparseable
  total.untimed += piece.untimed
}

function count (counting: Counting): void {
  const queues: ToCounter[][] = ports.map(() => [])
  const total = summaryOf(files)
  const linesBefore = files.map(() => 0)
  let turn = 0
  let ended = false
  // Takes every message that can be taken in order; the next one may not have come yet.
  const drain = (): void => {
    for (let m = queues[turn].shift(); m !== undefined && !ended; m = queues[turn].shift()) {
      ports[turn].postMessage({ type: 'counted' } satisfies FromCounter)
      if (m.type === 'read') {
        readBatch(m.batch, counting.add)
        addRead(total, linesBefore, m.file, m.stats)
        main.postMessage({ type: 'progress', lines: total.lines } satisfies CounterResult)
        turn = (turn + 1) % ports.length
      } else {
        ended = true
        for (const port of ports) port.close()
        counting.report(total).then((report) => main.postMessage({ type: 'report', report } satisfies CounterResult), fail)
      }
    }
  }
  ports.forEach((port, i) => port.on('message', (m: ToCounter) => {
    queues[i].push(m)
    try {
      drain()
    } catch (err) {
      fail(err)
    }
  }))
}

try {
  count(startCounting(options, now))
} catch (err) {
  fail(err)
}
