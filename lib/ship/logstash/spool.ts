import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Batch } from './queue.js'

export interface SpoolOptions {
  dir: string
  segmentBytes: number
  fsync: 'always' | 'interval' | 'never'
  fsyncInterval: number
}

interface Segment {
  seq: number
  file: string
  bytes: number
}

// Segment names carry a sequence number, zero-padded so that names sort in order. It starts high so that
// records older than every segment (held in memory at close) can go into a segment numbered below them.
const FIRST_SEQ = 1e12
const NAME = /^segment-(\d{16})\.ndjson$/

function countLines (text: string): number {
  let count = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++
  return count
}

/**
 * The disk spool: append-only NDJSON segments in one directory, oldest first. Records are appended to the
 * newest segment; delivery reads the oldest one whole, and a segment is deleted once every record in it has
 * been delivered, so a crash replays at most that segment twice (the records carry ids for de-duplication).
 * Segments left by an earlier process are found at start-up and replayed first.
 */
export class Spool {
  private readonly segments: Segment[] = []
  private fd: number | undefined
  private dirty = false
  private readonly timer: NodeJS.Timeout | undefined
  /** The oldest segment's records not yet taken for delivery, once it is being read. */
  private reading: { segment: Segment, lines: string[], next: number, pending: number } | undefined
  bytes = 0

  constructor (private readonly options: SpoolOptions) {
    fs.mkdirSync(options.dir, { recursive: true })
    for (const name of fs.readdirSync(options.dir).sort()) {
      const match = NAME.exec(name)
      if (match === null) continue
      const file = path.join(options.dir, name)
      const bytes = fs.statSync(file).size
      if (bytes === 0) {
        fs.unlinkSync(file)
        continue
      }
      this.segments.push({ seq: Number(match[1]), file, bytes })
      this.bytes += bytes
    }
    if (options.fsync === 'interval') {
      this.timer = setInterval(() => this.sync(), options.fsyncInterval)
      this.timer.unref()
    }
  }

  get empty (): boolean {
    return this.segments.length === 0
  }

  /** Appends records after every record already spooled. */
  append (text: string): void {
    let last = this.segments[this.segments.length - 1]
    if (last === undefined || this.fd === undefined || last.bytes >= this.options.segmentBytes || last === this.reading?.segment) {
      this.closeFile()
      last = this.create(last === undefined ? FIRST_SEQ : last.seq + 1)
      this.segments.push(last)
      this.fd = fs.openSync(last.file, 'a')
    }
    fs.writeSync(this.fd, text)
    last.bytes += text.length
    this.bytes += text.length
    this.written()
  }

  /** Writes records older than every record spooled, into a segment of their own before the others. */
  prepend (text: string): void {
    const first = this.segments[0]
    const segment = this.create(first === undefined ? FIRST_SEQ : first.seq - 1)
    fs.writeFileSync(segment.file, text, { flush: this.options.fsync !== 'never' })
    segment.bytes = text.length
    this.bytes += text.length
    this.segments.unshift(segment)
  }

  /** Takes the oldest records not yet taken, up to maxBytes (at least one); they stay on disk until delivered(). */
  take (maxBytes: number): Batch | undefined {
    if (this.reading === undefined || this.reading.next === this.reading.lines.length) {
      if (this.reading !== undefined) return undefined // the last batch of this segment is still in flight
      const segment = this.segments[0]
      if (segment === undefined) return undefined
      if (segment.seq === this.segments[this.segments.length - 1]?.seq) this.closeFile()
      const lines = fs.readFileSync(segment.file, 'utf8').split('\n')
      // A process that died in the middle of an append leaves a partial last line: it is dropped here, as it
      // was never acknowledged to anyone.
      lines.pop()
      this.reading = { segment, lines, next: 0, pending: 0 }
      if (lines.length === 0) {
        this.finishSegment()
        return this.take(maxBytes)
      }
    }
    const reading = this.reading
    let text = (reading.lines[reading.next++] as string) + '\n'
    let count = 1
    while (reading.next < reading.lines.length && text.length + (reading.lines[reading.next] as string).length < maxBytes) {
      text += (reading.lines[reading.next++] as string) + '\n'
      count++
    }
    reading.pending += count
    return { text, count }
  }

  /** Records taken from the spool were delivered; a segment whose records all were is deleted. */
  delivered (count: number): void {
    const reading = this.reading
    if (reading === undefined) return
    reading.pending -= count
    if (reading.pending === 0 && reading.next === reading.lines.length) this.finishSegment()
  }

  /**
   * Gives up the oldest segment to make room (overflow 'drop-oldest'); returns how many records it held
   * that were not yet delivered, or 0 when there is nothing to give up.
   */
  dropOldest (): number {
    const segment = this.segments[0]
    if (segment === undefined) return 0
    let lost: number
    if (this.reading?.segment === segment) {
      lost = this.reading.lines.length - this.reading.next
      this.reading.next = this.reading.lines.length
      this.reading.pending = 0
      this.finishSegment()
    } else {
      if (segment === this.segments[this.segments.length - 1]) this.closeFile()
      lost = countLines(fs.readFileSync(segment.file, 'utf8'))
      this.remove(segment)
    }
    return lost
  }

  close (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.closeFile()
  }

  private create (seq: number): Segment {
    return { seq, file: path.join(this.options.dir, `segment-${String(seq).padStart(16, '0')}.ndjson`), bytes: 0 }
  }

  private written (): void {
    if (this.options.fsync === 'always') fs.fsyncSync(this.fd as number)
    else this.dirty = true
  }

  private sync (): void {
    if (this.dirty && this.fd !== undefined) fs.fsyncSync(this.fd)
    this.dirty = false
  }

  private closeFile (): void {
    if (this.fd === undefined) return
    if (this.options.fsync !== 'never') this.sync()
    fs.closeSync(this.fd)
    this.fd = undefined
  }

  private finishSegment (): void {
    const segment = (this.reading as { segment: Segment }).segment
    this.reading = undefined
    this.remove(segment)
  }

  private remove (segment: Segment): void {
    fs.rmSync(segment.file, { force: true })
    this.segments.splice(this.segments.indexOf(segment), 1)
    this.bytes -= segment.bytes
  }
}
