/** The messages between the main thread, the reading threads and the counting thread (see index.ts). */
import type { MessagePort } from 'node:worker_threads'
import type { Batch } from '../analyse/request.js'
import type { CliOptions } from '../args.js'
import type { InputSummary, Report } from '../report.js'

// Pieces the main thread sends a reading thread ahead of what it took, and pieces a reading thread sends the
// counting thread ahead of what it counted: all that is held in between, whatever the input's size.
export const PIECES_AHEAD = 4
export const READ_AHEAD = 4

/** A reading thread's workerData: its port to the counting thread. */
export interface ReaderData {
  readonly paranoia: CliOptions['paranoia']
  readonly port: MessagePort
}

/** The counting thread's workerData: a port from each reading thread, in the order pieces are dealt. */
export interface CounterData {
  readonly options: CliOptions
  readonly files: readonly string[]
  readonly now: Date
  readonly ports: readonly MessagePort[]
}

/**
 * Main to a reading thread, in input order, dealt round the reading threads: whole lines of input `file`
 * (wholeLines), a line too long to read, the error that ended an input, and the end of all inputs.
 */
export type ToReader =
  | { readonly type: 'lines', readonly file: number, readonly parts: Uint8Array[] }
  | { readonly type: 'long', readonly file: number }
  | { readonly type: 'error', readonly file: number, readonly message: string }
  | { readonly type: 'end' }

/** Reading thread to main: a piece was taken. */
export interface FromReader {
  readonly type: 'taken'
}

/**
 * Reading thread to the counting thread, for each piece: its requests, and what was read (line numbers count
 * from the piece's first line, 0 for an error that ended the input); `end` after the last piece. One message
 * a piece: a message costs more than the few hundred requests it carries.
 */
export type ToCounter =
  | { readonly type: 'read', readonly file: number, readonly batch: Batch, readonly stats: InputSummary }
  | { readonly type: 'end' }

/** Counting thread to a reading thread: one more of its pieces was counted. */
export interface FromCounter {
  readonly type: 'counted'
}

/** Counting thread to main: lines counted so far; the report; or why there is none (`input`: an InputError). */
export type CounterResult =
  | { readonly type: 'progress', readonly lines: number }
  | { readonly type: 'report', readonly report: Report }
  | { readonly type: 'failed', readonly message: string, readonly input: boolean }
