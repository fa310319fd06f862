/**
 * Reads every input, line by line, into entries: a line starting with `{` is a plugin record, any other an
 * access-log line. A line that is neither is counted, and the first few are kept with the reason; an input
 * that fails part way (a truncated .gz) is reported the same way, and the other inputs are still read.
 */
import { statSync } from 'node:fs'
import type { Entry } from '../entry.js'
import type { InputSummary } from '../report.js'
import { parseAccessLine } from './access-log.js'
import { MAX_LINE, openInput, readLines, type ByteCounter, type LineHandler } from './lines.js'
import { NOT_A_REQUEST, parseRecordLine } from './record.js'

/** Reports how far the reading has got. */
export interface Progress {
  /** Called often; prints at most once a second. */
  tick (stats: InputSummary, bytes: number): void
  done (): void
}

/** Unreadable lines kept, with the reason, in the summary. */
export const SAMPLES = 10
const SAMPLE_LENGTH = 200

/** Total bytes of the files (for a percentage); undefined when standard input is among them. */
export function totalBytes (files: readonly string[]): number | undefined {
  let total = 0
  for (const f of files) {
    if (f === '-') return undefined
    total += statSync(f).size
  }
  return total
}

/** An empty summary of reading `files`. */
export function summaryOf (files: readonly string[]): InputSummary {
  return { files: [...files], lines: 0, requests: 0, records: 0, accessLogLines: 0, otherRecords: 0, unparseable: 0, unparseableSamples: [], untimed: 0 }
}

/** Counts a line that could not be read, and keeps the first few with the reason. */
export function unreadable (stats: InputSummary, file: string, line: number, reason: string, text: string): void {
  stats.unparseable++
  if (stats.unparseableSamples.length < SAMPLES) {
    stats.unparseableSamples.push({ file, line, reason, text: text.length > SAMPLE_LENGTH ? text.slice(0, SAMPLE_LENGTH) + '…' : text })
  }
}

/** The name an input is reported under. */
export function inputName (file: string): string {
  return file === '-' ? '(stdin)' : file
}

/**
 * The line handler of input `name`: counts each line into `stats` and calls `onEntry` with each request's
 * entry, a line starting with `{` being a plugin record and any other an access-log line.
 */
export function lineReader (stats: InputSummary, name: string, onEntry: (entry: Entry) => void, onLine?: () => void): LineHandler {
  return (line, number) => {
    stats.lines++
    if (onLine !== undefined && (stats.lines & 0x3fff) === 0) onLine()
    if (line === undefined) return unreadable(stats, name, number, `longer than ${MAX_LINE} bytes`, '')
    let start = 0
    while (start < line.length && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++
    if (start === line.length) return
    const record = line.charCodeAt(start) === 123
    const entry = record ? parseRecordLine(line) : parseAccessLine(line)
    if (entry === NOT_A_REQUEST) {
      stats.otherRecords++
      return
    }
    if (typeof entry === 'string') return unreadable(stats, name, number, entry, line)
    if (record) stats.records++
    else stats.accessLogLines++
    stats.requests++
    if (entry.time === undefined) stats.untimed++
    onEntry(entry)
  }
}

/** Reads every input on this thread, calling `onEntry` with each request's entry in order. */
export async function readInputs (files: readonly string[], onEntry: (entry: Entry) => void, progress: Progress | undefined): Promise<InputSummary> {
  const stats = summaryOf(files)
  const counter: ByteCounter = { bytes: 0 }
  const tick = progress === undefined ? undefined : () => progress.tick(stats, counter.bytes)
  for (const file of files) {
    const name = inputName(file)
    try {
      await readLines(openInput(file), counter, lineReader(stats, name, onEntry, tick))
    } catch (err) {
      unreadable(stats, name, 0, `read error: ${(err as Error).message}`, '')
    }
  }
  progress?.done()
  return stats
}

/** A progress line on stderr: rewritten in place on a terminal, a line every 10 s otherwise; only past the first second. */
export function stderrProgress (total: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now()
  const tty = stream.isTTY === true
  let shown = started
  let printed = false
  const line = (stats: InputSummary, bytes: number): string => {
    const seconds = (Date.now() - started) / 1000
    const pct = total === undefined || total === 0 ? '' : ` (${Math.min(100, Math.floor(100 * bytes / total))} %)`
    return `request-info: ${stats.lines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(1)} MB${pct}, ` +
      `${Math.round(stats.lines / seconds).toLocaleString('en')} lines/s`
  }
  return {
    tick (stats, bytes) {
      const now = Date.now()
      if (now - started < 1000 || now - shown < (tty ? 1000 : 10_000)) return
      shown = now
      printed = true
      stream.write(tty ? `\r${line(stats, bytes)}\u001b[K` : `${line(stats, bytes)}\n`)
    },
    done () {
      if (printed && tty) stream.write('\n')
    }
  }
}
