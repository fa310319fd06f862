/**
 * A reading thread (see index.ts): reads the pieces of whole lines the main thread deals it, derives each
 * line's request (derive.ts), and sends the counting thread, piece by piece, the requests and what was read.
 * It takes no more pieces while READ_AHEAD of its pieces are still to be counted, so a fast reader never piles
 * up work for a slower counter.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { createDerive } from '../analyse/derive.js'
import { BatchWriter } from '../analyse/request.js'
import type { Entry } from '../entry.js'
import { lineReader, summaryOf, unreadable } from '../input/index.js'
import { MAX_LINE, splitLines } from '../input/lines.js'
import { READ_AHEAD, type FromCounter, type FromReader, type ReaderData, type ToCounter, type ToReader } from './protocol.js'

const main = parentPort as MessagePort
const { paranoia, port } = workerData as ReaderData
const queue: ToReader[] = []
let uncounted = 0
let wake: (() => void) | undefined

main.on('message', (m: ToReader) => {
  queue.push(m)
  wake?.()
})
port.on('message', (_: FromCounter) => {
  uncounted--
  wake?.()
})

/** The next piece, once the counting thread has counted enough of those sent. */
async function next (): Promise<ToReader> {
  while (queue.length === 0 || uncounted >= READ_AHEAD) await new Promise<void>((resolve) => { wake = resolve })
  return queue.shift() as ToReader
}

async function read (): Promise<void> {
  const derive = await createDerive(paranoia)
  // A piece holds at most a chunk and a line: its requests are bounded, and make one batch.
  const writer = new BatchWriter()
  const onEntry = (entry: Entry): void => writer.add(derive(entry))
  for (let m = await next(); m.type !== 'end'; m = await next()) {
    main.postMessage({ type: 'taken' } satisfies FromReader)
    // What was read of this piece alone; the counting thread adds the pieces up in input order.
    const stats = summaryOf([])
    if (m.type === 'lines') await splitLines(m.parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)), lineReader(stats, '', onEntry))
    else if (m.type === 'long') {
      stats.lines++
      unreadable(stats, '', 1, `longer than ${MAX_LINE} bytes`, '')
    } else unreadable(stats, '', 0, `read error: ${m.message}`, '')
    const batch = writer.take()
    uncounted++
    port.postMessage({ type: 'read', file: m.file, batch, stats } satisfies ToCounter, [batch.numbers.buffer as ArrayBuffer])
  }
  port.postMessage({ type: 'end' } satisfies ToCounter)
}

void read()
