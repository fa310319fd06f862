import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { RecordQueue, type Batch } from './queue.js'
import { Spool } from './spool.js'
import { TcpSender, type Sender } from './tcp-sender.js'
import { HttpSender } from './http-sender.js'
import { resolveLogstashOptions, type LogstashOptions, type ResolvedLogstashOptions } from './options.js'
import { COUNTERS_EVENT, type LogstashCounters } from './counters.js'

export { COUNTERS_EVENT, type LogstashCounters }


/** A batch on its way: from the spool (deleted there once delivered), or sent again after a broken connection. */
interface Outgoing extends Batch {
  fromSpool: boolean
  again: boolean
  /** Order of first sending: batches to send again are kept in this order, whatever failed when. */
  seq: number
}

function bySeq (a: Outgoing, b: Outgoing): number {
  return a.seq - b.seq
}

function delay (ms: number, signal: { wake?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    // Waiting to retry must not keep a process alive that has nothing else to do.
    timer.unref()
    signal.wake = () => { clearTimeout(timer); resolve() }
  })
}

/**
 * Takes NDJSON records, gives each an id, and delivers them in order through one sender, holding what is
 * not yet delivered in a bounded memory queue and, when configured, a disk spool. Order of delivery: the
 * tcp replay window, then the spool, then the memory queue; records move from the memory queue to the
 * spool only from its old end, so each tier holds records older than the next.
 */
export class Shipper extends EventEmitter {
  readonly options: ResolvedLogstashOptions
  private readonly sender: Sender
  private readonly queue = new RecordQueue()
  private readonly spool: Spool | undefined
  private replay: Outgoing[] = []
  private recent: Outgoing[] = []
  private recentBytes = 0
  private inFlight: Outgoing | undefined
  private done = false
  private partial = ''
  private readonly idPrefix = randomBytes(8).toString('hex')
  private seq = 0
  private batchSeq = 0
  private readonly counters: LogstashCounters = { delivered: 0, retried: 0, dropped: 0, queuedBytes: 0, spooledBytes: 0, reconnects: 0 }
  private unreported = { dropped: 0, since: 0, until: 0 }
  private pumping = false
  private scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined
  private failures = 0
  private readonly sleeping: { wake?: () => void } = {}
  private closing = false
  private readonly timers: NodeJS.Timeout[] = []

  constructor (options?: LogstashOptions) {
    super()
    this.options = resolveLogstashOptions(options)
    const o = this.options
    const events = {
      reconnected: () => { this.counters.reconnects++ },
      broken: () => this.connectionBroken()
    }
    this.sender = o.mode === 'tcp' ? new TcpSender(o, events) : new HttpSender(o, events)
    if (o.spoolDir !== undefined) {
      this.spool = new Spool({ dir: o.spoolDir, segmentBytes: o.segmentBytes, fsync: o.fsync, fsyncInterval: o.fsyncInterval })
    }
    if (o.countersInterval > 0) this.every(o.countersInterval, () => this.record(30, 'transport counters', JSON.stringify(this.snakeCounters())))
    this.every(1000, () => this.emit(COUNTERS_EVENT, this.read()))
    if (this.spool !== undefined && !this.spool.empty) this.schedule()
  }

  /** Takes NDJSON: one or more whole lines, or pieces of lines that later chunks complete. */
  write (chunk: string): boolean {
    let start = 0
    let end = chunk.indexOf('\n')
    if (end === -1) {
      this.partial += chunk
      return true
    }
    if (this.partial !== '') {
      this.add(this.partial + chunk.slice(0, end))
      this.partial = ''
      start = end + 1
      end = chunk.indexOf('\n', start)
    }
    for (; end !== -1; start = end + 1, end = chunk.indexOf('\n', start)) this.add(chunk.slice(start, end))
    if (start < chunk.length) this.partial = chunk.slice(start)
    return true
  }

  /** One record, without its line end. */
  add (line: string): void {
    if (line.length === 0 || line === '\r') return
    if (line.length > this.options.maxRecordBytes) {
      this.lost(1)
      line = `{"level":40,"time":${Date.now()},"event":{"kind":"event","dataset":"fastify_request_info.transport"},` +
        `"transport":{"oversized_bytes":${line.length},"excerpt":${JSON.stringify(line.slice(0, 1024))}},"msg":"record too large"}`
    }
    const id = this.nextId()
    // Records are JSON objects; anything else is kept, as the message of a record of its own.
    const record = line.charCodeAt(0) === 123 /* { */
      ? (line.charCodeAt(1) === 125 /* } */ ? `{${id}}\n` : `{${id},${line.slice(1)}\n`)
      : `{${id},"msg":${JSON.stringify(line)}}\n`
    this.enqueue(record)
    this.schedule()
  }

  /** A pino destination: `pino(shipper)` recognises a stream by this. */
  get writable (): boolean {
    return !this.closing
  }

  read (): LogstashCounters {
    const c = this.counters
    c.spooledBytes = this.spool?.bytes ?? 0
    c.queuedBytes = this.queue.bytes + c.spooledBytes + (this.inFlight?.fromSpool === false ? this.inFlight.text.length : 0) +
      this.replay.reduce((sum, batch) => sum + batch.text.length, 0)
    return { ...c }
  }

  /**
   * Delivers what is held for at most `closeTimeout` ms, then writes the rest to the spool, or counts it as
   * dropped when there is none, and ends the connection.
   */
  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    for (const timer of this.timers) clearInterval(timer)
    if (this.partial !== '') this.add(this.partial)
    this.partial = ''
    const deadline = Date.now() + this.options.closeTimeout
    // While the sink is failing, a spool takes the records at once: waiting would only delay the exit.
    while (this.holding() && Date.now() < deadline && !(this.spool !== undefined && this.failures > 0)) {
      this.sleeping.wake?.()
      this.schedule()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    this.keepRest()
    this.sender.close()
    this.spool?.close()
    this.emit(COUNTERS_EVENT, this.read())
  }

  /** Synchronous last resort for a process that exits without close(): spools (or counts) what is held. */
  closeNow (): void {
    if (!this.closing) {
      this.closing = true
      for (const timer of this.timers) clearInterval(timer)
      if (this.partial !== '') this.add(this.partial)
    }
    this.keepRest()
    this.spool?.close()
  }

  /** The id member of the next record: unique per transport start, the same on every retry of the record. */
  private nextId (): string {
    return `"${this.options.idKey}":"${this.idPrefix}-${(this.seq++).toString(36)}"`
  }

  private holding (): boolean {
    return this.inFlight !== undefined || this.replay.length > 0 || this.queue.count > 0 || (this.spool !== undefined && !this.spool.empty)
  }

  private keepRest (): void {
    // Older than anything spooled: batches to send again and one in flight, in the order they were first
    // sent. Those that came from the spool are still in it.
    const pending = this.inFlight === undefined ? this.replay : [...this.replay, this.inFlight]
    const fromMemory = pending.filter((batch) => !batch.fromSpool).sort(bySeq)
    const older = fromMemory.map((batch) => batch.text).join('')
    const olderCount = fromMemory.reduce((sum, batch) => sum + batch.count, 0)
    this.replay = []
    this.inFlight = undefined
    this.done = true
    const rest = this.queue.take(Infinity)
    if (this.spool === undefined) {
      const lost = olderCount + (rest?.count ?? 0)
      if (lost > 0) {
        this.counters.dropped += lost
        process.stderr.write(`fastify-request-info/logstash: ${lost} records were not delivered by close and are lost (no spoolDir)\n`)
      }
      return
    }
    if (older !== '') this.spool.prepend(older)
    if (rest !== undefined) this.spool.append(rest.text)
  }

  private every (ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms)
    timer.unref()
    this.timers.push(timer)
  }

  private snakeCounters (): Record<string, number> {
    const c = this.read()
    return { delivered: c.delivered, retried: c.retried, dropped: c.dropped, queued_bytes: c.queuedBytes, spooled_bytes: c.spooledBytes, reconnects: c.reconnects }
  }

  /** A record of the transport's own: `transport` holds `members` (a JSON object text). */
  private record (level: number, msg: string, transport: string, front = false): void {
    const line = `{"level":${level},"time":${Date.now()},"event":{"kind":"metric","dataset":"fastify_request_info.transport"},` +
      `"transport":${transport},"msg":"${msg}"}`
    if (!front) {
      this.add(line)
      return
    }
    const id = this.nextId()
    this.replay.unshift({ text: `{${id},${line.slice(1)}\n`, count: 1, fromSpool: false, again: false, seq: -1 })
  }

  private enqueue (record: string): void {
    const o = this.options
    if (this.queue.bytes + record.length <= o.queueBytes) {
      this.queue.push(record)
      return
    }
    if (this.spool !== undefined) {
      // The memory queue's oldest records go to the spool, a segment's worth at a time.
      while (this.queue.bytes + record.length > o.queueBytes && this.queue.count > 0) {
        const batch = this.queue.take(Math.min(o.segmentBytes, o.batchBytes)) as Batch
        while (this.spool.bytes + batch.text.length > o.spoolBytes) {
          const lost = o.overflow === 'drop-oldest' ? this.spool.dropOldest() : 0
          if (lost === 0) break
          this.lost(lost)
        }
        if (this.spool.bytes + batch.text.length <= o.spoolBytes) this.spool.append(batch.text)
        else this.lost(batch.count)
      }
      if (this.queue.bytes + record.length <= o.queueBytes) this.queue.push(record)
      else this.lost(1)
      return
    }
    if (o.overflow === 'drop-newest') {
      this.lost(1)
      return
    }
    while (this.queue.bytes + record.length > o.queueBytes && this.queue.count > 0) {
      this.queue.shift()
      this.lost(1)
    }
    this.queue.push(record)
  }

  private lost (count: number): void {
    const now = Date.now()
    this.counters.dropped += count
    if (this.unreported.dropped === 0) this.unreported.since = now
    this.unreported.dropped += count
    this.unreported.until = now
  }

  private connectionBroken (): void {
    // What was written lately may have died in the kernel buffers of either end: it is sent again first.
    for (const batch of this.recent) this.counters.retried += batch.count
    this.replay = [...this.replay, ...this.recent].sort(bySeq)
    this.recent = []
    this.recentBytes = 0
    this.schedule()
  }

  private schedule (): void {
    if (this.pumping || this.scheduled !== undefined) return
    const o = this.options
    const run = (): void => {
      this.scheduled = undefined
      this.pump().catch((err) => this.emit('error', err))
    }
    if (o.mode === 'http' && !this.closing && this.queue.bytes < o.batchBytes && this.replay.length === 0 && (this.spool?.empty ?? true)) {
      this.scheduled = setTimeout(run, o.batchDelay)
    } else {
      this.scheduled = setImmediate(run)
    }
  }

  private next (): Outgoing | undefined {
    const replayed = this.replay.shift()
    if (replayed !== undefined) return replayed
    const spooled = this.spool?.take(this.options.batchBytes)
    if (spooled !== undefined) return { ...spooled, fromSpool: true, again: false, seq: this.batchSeq++ }
    // A spool still delivering its last batch keeps memory records behind it, in order.
    if (this.spool !== undefined && !this.spool.empty) return undefined
    const queued = this.queue.take(this.options.batchBytes)
    return queued === undefined ? undefined : { ...queued, fromSpool: false, again: false, seq: this.batchSeq++ }
  }

  private async pump (): Promise<void> {
    this.pumping = true
    try {
      while (!this.done) {
        // A connection that broke while a batch waited to be retried puts batches sent before it in the replay
        // window: they all go out again in the order they were first sent.
        if (this.inFlight !== undefined && this.replay.length > 0 && (this.replay[0] as Outgoing).seq < this.inFlight.seq) {
          this.replay = [...this.replay, this.inFlight].sort(bySeq)
          this.inFlight = undefined
        }
        const batch = this.inFlight ?? this.next()
        if (batch === undefined) break
        this.inFlight = batch
        try {
          await this.sender.send(batch.text)
        } catch {
          if (this.done) break
          this.counters.retried += batch.count
          const o = this.options
          // Full jitter: a fleet of services that lost Logstash together does not come back together.
          const ceiling = Math.min(o.backoffMax, o.backoffMin * 2 ** Math.min(this.failures++, 30))
          await delay(Math.random() * ceiling, this.sleeping)
          continue
        }
        if (this.done) break
        this.failures = 0
        this.inFlight = undefined
        if (!batch.again) this.counters.delivered += batch.count
        if (batch.fromSpool) this.spool?.delivered(batch.count)
        if (this.options.mode === 'tcp') this.remember(batch)
        if (this.unreported.dropped > 0) {
          const { dropped, since, until } = this.unreported
          this.unreported = { dropped: 0, since: 0, until: 0 }
          this.record(40, 'records dropped', `{"dropped":${dropped},"policy":"${this.options.overflow}","since":"${new Date(since).toISOString()}","until":"${new Date(until).toISOString()}"}`, true)
        }
      }
    } finally {
      this.pumping = false
    }
  }

  private remember (batch: Outgoing): void {
    const limit = this.options.replayBytes
    if (limit === 0) return
    this.recent.push({ text: batch.text, count: batch.count, fromSpool: false, again: true, seq: batch.seq })
    this.recentBytes += batch.text.length
    // The oldest batch goes only when the rest still fill the window, so a large batch never empties it.
    while (this.recent.length > 1 && this.recentBytes - (this.recent[0] as Outgoing).text.length >= limit) {
      this.recentBytes -= (this.recent.shift() as Outgoing).text.length
    }
  }
}
