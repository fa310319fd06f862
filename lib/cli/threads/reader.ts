/**
 * A reading thread (see index.ts): reads the pieces of whole lines the main thread deals it, derives each
 * line's request (derive.ts), and sends the counting thread, piece by piece, the requests in batches and what
 * was read. It takes no more pieces while BATCHES_AHEAD messages are still to be counted, so a fast reader
 * never piles up work for a slower counter.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { createDerive } from '../analyse/derive.js'
import { BatchWriter } from '../analyse/request.js'
import type { Entry } from '../entry.js'
import { lineReader, summaryOf, unreadable } from '../input/index.js'
import { MAX_LINE, splitLines } from '../input/lines.js'
import { BATCHES_AHEAD, type FromCounter, type FromReader, type ReaderData, type ToCounter, type ToReader } from './protocol.js'

// Requests per batch: enough that a message's own cost is spread thin, few enough to keep memory flat.
const BATCH = 1024

const main = parentPort as MessagePort
const { paranoia, port } = workerData as ReaderData
const queue: ToReader[] = []
let uncounted = 0
let wake: (() => void) | undefined

main.on('message', (m: ToReader) => {
  queue.push(m)
  wake?.()
})
port.on('message', (m: FromCounter) => {
  if (m.type === 'counted') uncounted--
  wake?.()
})

/** The next piece, once the counting thread has counted enough of what was sent. */
async function next (): Promise<ToReader> {
  while (queue.length === 0 || uncounted >= BATCHES_AHEAD) await new Promise<void>((resolve) => { wake = resolve })
  return queue.shift() as ToReader
}

function send (m: ToCounter, transfer: ArrayBuffer[] = []): void {
  uncounted++
  port.postMessage(m, transfer)
}

async function read (): Promise<void> {
  const derive = await createDerive(paranoia)
  const writer = new BatchWriter(BATCH)
  const flush = (): void => {
    if (writer.empty) return
    const batch = writer.take()
    send({ type: 'batch', batch }, [batch.numbers.buffer as ArrayBuffer])
  }
  const onEntry = (entry: Entry): void => {
    writer.add(derive(entry))
    if (writer.full) flush()
  }
  for (let m = await next(); m.type !== 'end'; m = await next()) {
    main.postMessage({ type: 'taken' } satisfies FromReader)
    // What was read of this piece alone; the counting thread adds the pieces up in input order.
    const stats = summaryOf([])
    if (m.type === 'lines') await splitLines(m.parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)), lineReader(stats, '', onEntry))
    else if (m.type === 'long') {
      stats.lines++
      unreadable(stats, '', 1, `longer than ${MAX_LINE} bytes`, '')
    } else unreadable(stats, '', 0, `read error: ${m.message}`, '')
    flush()
    send({ type: 'read', file: m.file, stats })
  }
  send({ type: 'end' })
}

void read()
