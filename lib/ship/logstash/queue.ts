/** Records joined into one piece of NDJSON, ready to send or to spool. */
export interface Batch {
  text: string
  count: number
}

/**
 * The memory queue: records in arrival order, each one NDJSON line with its line end, bounded by `bytes`
 * (string length: exact for the ASCII of a JSON record, one per character otherwise). Taking from the head
 * advances an index instead of shifting the array, which would be linear in the queue's length.
 */
export class RecordQueue {
  private lines: string[] = []
  private head = 0
  bytes = 0

  get count (): number {
    return this.lines.length - this.head
  }

  push (line: string): void {
    this.lines.push(line)
    this.bytes += line.length
  }

  /** Removes and returns the oldest record, or undefined. */
  shift (): string | undefined {
    if (this.head === this.lines.length) return undefined
    const line = this.lines[this.head] as string
    this.lines[this.head++] = ''
    this.bytes -= line.length
    if (this.head === this.lines.length) {
      this.lines = []
      this.head = 0
    } else if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head)
      this.head = 0
    }
    return line
  }

  /** Removes the oldest records, at least one and no more than `maxBytes` beyond the first. */
  take (maxBytes: number): Batch | undefined {
    const first = this.shift()
    if (first === undefined) return undefined
    const parts = [first]
    let length = first.length
    while (this.head < this.lines.length && length + (this.lines[this.head] as string).length <= maxBytes) {
      const line = this.shift() as string
      parts.push(line)
      length += line.length
    }
    // join() copies the records into one flat string; appending them one by one would build a rope of
    // thousands of pieces that the socket must walk when it encodes the batch (measured: twice the cost).
    return { text: parts.join(''), count: parts.length }
  }
}
