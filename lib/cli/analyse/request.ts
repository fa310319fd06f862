/**
 * One request as the report's tables take it: what its line says and what was worked out from the line alone
 * (derive.ts). A reading thread sends requests to the counting thread in batches of columns (a Float64Array of
 * numbers, an array of strings): copying one object per request across threads cost more than reading the
 * line again.
 */
import type { Threat } from '../../detect/types.js'
import type { Entry } from '../entry.js'

/** The line's own fields, as Entry has them, and what derive.ts worked out from them. */
export interface Request extends Pick<Entry, 'time' | 'offset' | 'source' | 'site' | 'method' | 'url' | 'status' | 'reqId' |
'decision' | 'ja3' | 'ja4' | 'hoh' | 'ho' | 'h2'> {
  /** The key the tables count the source under (IPv6 by /64, see sourceKey). */
  readonly key: string | undefined
  /** The key's 30-bit hash, for the tables that count distinct sources without keeping them; 0 without a key. */
  readonly keyHash: number
  /** The client family and major version; `tool` when the family is a product token, not a browser. */
  readonly family: string | undefined
  readonly major: string | undefined
  readonly tool: boolean
  /** The plugin's findings: the detectors' on the line, merged with those a record carried. */
  readonly threats: readonly Threat[]
  readonly attack: boolean
  /** The line as read, for evidence: on attack requests only. */
  readonly line: string | undefined
}

/**
 * Requests as columns. Values that repeat from request to request (addresses, methods, client families,
 * fingerprints) are sent once per batch in `values` and named by their index (-1: none). The rest are in
 * `texts`, in request order: the URL, then only those of the request id, the findings (as JSON) and the line
 * that the request has (its flags say which): an absent text costs as much to send as a present one.
 */
export interface Batch {
  readonly count: number
  readonly numbers: Float64Array
  readonly values: readonly string[]
  readonly texts: readonly string[]
}

// Numbers of a request: time, offset, status (NaN: none), key hash, flags, then the index of each of VALUES.
const VALUES = ['source', 'key', 'site', 'method', 'family', 'major', 'ja3', 'ja4', 'hoh', 'ho', 'h2', 'action'] as const
const FIXED = 5
const NUMBERS = FIXED + VALUES.length
const TOOL = 1
const ATTACK = 2
const MONITOR = 4
const REQ_ID = 8
const THREATS = 16
const LINE = 32
/** No findings: one frozen array for every request without any. */
export const NONE: readonly Threat[] = Object.freeze([])

/** Collects requests into a batch. */
export class BatchWriter {
  private numbers: number[] = []
  private values: string[] = []
  private indexes = new Map<string, number>()
  private texts: string[] = []
  private count = 0

  private index (value: string | undefined): number {
    if (value === undefined) return -1
    let i = this.indexes.get(value)
    if (i === undefined) {
      i = this.values.push(value) - 1
      this.indexes.set(value, i)
    }
    return i
  }

  add (r: Request): void {
    this.count++
    this.numbers.push(r.time ?? NaN, r.offset, r.status ?? NaN, r.keyHash,
      (r.tool ? TOOL : 0) | (r.attack ? ATTACK : 0) | (r.decision?.monitor === true ? MONITOR : 0) |
      (r.reqId === undefined ? 0 : REQ_ID) | (r.threats.length === 0 ? 0 : THREATS) | (r.line === undefined ? 0 : LINE),
      this.index(r.source), this.index(r.key), this.index(r.site), this.index(r.method), this.index(r.family), this.index(r.major),
      this.index(r.ja3), this.index(r.ja4), this.index(r.hoh), this.index(r.ho), this.index(r.h2), this.index(r.decision?.action))
    this.texts.push(r.url)
    if (r.reqId !== undefined) this.texts.push(r.reqId)
    if (r.threats.length !== 0) this.texts.push(JSON.stringify(r.threats))
    if (r.line !== undefined) this.texts.push(r.line)
  }

  /** The batch so far (its numbers' memory can be handed over to another thread), and a new one begun. */
  take (): Batch {
    const batch = { count: this.count, numbers: Float64Array.from(this.numbers), values: this.values, texts: this.texts }
    this.numbers = []
    this.values = []
    this.indexes = new Map()
    this.texts = []
    this.count = 0
    return batch
  }
}

/** Calls `onRequest` with each request of `batch`, in order. */
export function readBatch (batch: Batch, onRequest: (r: Request) => void): void {
  const { numbers, values, texts } = batch
  const value = (i: number): string | undefined => i === -1 ? undefined : values[i]
  let t = 0
  for (let i = 0; i < batch.count; i++) {
    const n = i * NUMBERS
    const time = numbers[n]
    const status = numbers[n + 2]
    const flags = numbers[n + 4]
    const action = value(numbers[n + 16])
    const url = texts[t++]
    const reqId = (flags & REQ_ID) === 0 ? undefined : texts[t++]
    const threats = (flags & THREATS) === 0 ? NONE : JSON.parse(texts[t++]) as Threat[]
    const line = (flags & LINE) === 0 ? undefined : texts[t++]
    onRequest({
      time: Number.isNaN(time) ? undefined : time,
      offset: numbers[n + 1],
      status: Number.isNaN(status) ? undefined : status,
      keyHash: numbers[n + 3],
      tool: (flags & TOOL) !== 0,
      attack: (flags & ATTACK) !== 0,
      source: value(numbers[n + 5]),
      key: value(numbers[n + 6]),
      site: value(numbers[n + 7]),
      method: value(numbers[n + 8]) as string,
      family: value(numbers[n + 9]),
      major: value(numbers[n + 10]),
      ja3: value(numbers[n + 11]),
      ja4: value(numbers[n + 12]),
      hoh: value(numbers[n + 13]),
      ho: value(numbers[n + 14]),
      h2: value(numbers[n + 15]),
      decision: action === undefined ? undefined : { action, monitor: (flags & MONITOR) !== 0 },
      url,
      reqId,
      threats,
      line
    })
  }
}
