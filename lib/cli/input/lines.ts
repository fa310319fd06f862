import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'

/** Longest line read; a longer one is reported as such and skipped up to its line break. */
export const MAX_LINE = 64 * 1024
// Bytes read from a file, or gunzipped, at a time.
const CHUNK = 256 * 1024

/** Called for each line: its text (without the line break) or undefined when it was too long, and its number. */
export type LineHandler = (line: string | undefined, number: number) => void

/** Counts the bytes of an input as they are read, for the progress line. */
export interface ByteCounter {
  bytes: number
}

const GZIP_MAGIC_0 = 0x1f
const GZIP_MAGIC_1 = 0x8b

/**
 * The stream's bytes, gunzipped when they start with the gzip magic number (RFC 1952 §2.3.1): rotated logs
 * are `.gz`, and a file's name is not trusted to say so.
 */
export async function * decompressed (source: AsyncIterable<Buffer>, counter: ByteCounter): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]()
  const first = await it.next()
  if (first.done === true) return
  const head: Buffer = first.value
  counter.bytes += head.length
  async function * all (): AsyncGenerator<Buffer> {
    yield head
    for (let next = await it.next(); next.done !== true; next = await it.next()) {
      counter.bytes += next.value.length
      yield next.value
    }
  }
  if (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    yield * Readable.from(all(), { objectMode: false }).pipe(createGunzip({ chunkSize: CHUNK }))
  } else yield * all()
}

/** Reads `source` (gunzipped when it is gzip) line by line: see splitLines. */
export async function readLines (source: AsyncIterable<Buffer>, counter: ByteCounter, onLine: LineHandler): Promise<void> {
  await splitLines(decompressed(source, counter), onLine)
}

/**
 * Reads `chunks` line by line (`\n`, with a `\r` before it dropped) as UTF-8, calling `onLine` for each.
 * Memory stays at one chunk plus one line of at most MAX_LINE bytes, whatever the input.
 */
export async function splitLines (chunks: AsyncIterable<Buffer> | Iterable<Buffer>, onLine: LineHandler): Promise<void> {
  let carry: Buffer | undefined
  let skipping = false
  let number = 0
  const emit = (buf: Buffer, start: number, end: number): void => {
    if (end > start && buf[end - 1] === 13) end--
    onLine(buf.toString('utf8', start, end), ++number)
  }
  for await (const chunk of chunks) {
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (skipping) {
        skipping = false
      } else if (carry !== undefined) {
        const line = Buffer.concat([carry, chunk.subarray(start, nl)])
        if (line.length > MAX_LINE) onLine(undefined, ++number)
        else emit(line, 0, line.length)
      } else if (nl - start > MAX_LINE) {
        onLine(undefined, ++number)
      } else emit(chunk, start, nl)
      carry = undefined
      start = nl + 1
    }
    if (start < chunk.length && !skipping) {
      const rest = chunk.subarray(start)
      carry = carry === undefined ? Buffer.from(rest) : Buffer.concat([carry, rest])
      if (carry.length > MAX_LINE) {
        onLine(undefined, ++number)
        carry = undefined
        skipping = true
      }
    }
  }
  if (carry !== undefined && carry.length > 0) emit(carry, 0, carry.length)
}

/** `parts` together, in memory of their own. */
function joined (parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** `bytes[start, end)` in memory that can be handed over to another thread: a view of `bytes` when it owns all of its memory, else a copy. */
function transferable (bytes: Uint8Array, start: number, end: number): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.subarray(start, end)
    : Uint8Array.prototype.slice.call(bytes, start, end)
}

/**
 * `chunks` cut into pieces of whole lines, for splitLines to read elsewhere (another thread) piece by piece:
 * the lines are those splitLines would read from `chunks`. A piece is a list of parts, in memory that can be
 * handed over: the end of a line begun in an earlier chunk, then the chunk's lines (a view of the chunk, not
 * a copy). The last line of the input may lack its line break, and a line longer than MAX_LINE that runs
 * over chunks is `undefined` (splitLines finds the others).
 */
export async function * wholeLines (chunks: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array[] | undefined> {
  let carry: Uint8Array | undefined
  let skipping = false
  for await (const chunk of chunks) {
    let start = 0
    if (skipping) {
      const nl = chunk.indexOf(10)
      if (nl === -1) continue
      skipping = false
      start = nl + 1
    }
    const last = chunk.lastIndexOf(10)
    // Copied out before the chunk is handed over with the piece.
    const rest = Math.max(start, last + 1) < chunk.length ? Uint8Array.prototype.slice.call(chunk, Math.max(start, last + 1)) : undefined
    if (last >= start) {
      const lines = transferable(chunk, start, last + 1)
      yield carry === undefined ? [lines] : [carry, lines]
      carry = undefined
    }
    if (rest !== undefined) {
      carry = carry === undefined ? rest : joined([carry, rest])
      if (carry.length > MAX_LINE) {
        yield undefined
        carry = undefined
        skipping = true
      }
    }
  }
  if (carry !== undefined && carry.length > 0) yield [carry]
}

/** A file's bytes, or standard input's for `-`. */
export function openInput (name: string): AsyncIterable<Buffer> {
  return name === '-' ? process.stdin : createReadStream(name, { highWaterMark: CHUNK })
}
