/**
 * Seed 004's questions about volume: how many requests per country (and network), from which sources, and
 * any abnormal spikes. Counts per minute feed the timeline and the spike test; memory is bounded by the
 * number of minutes held, not by the number of lines.
 */
import type { Moment, Outcome, Spike, TrafficRow } from '../report.js'
import { momentOf } from '../time.js'
import { outcomeRows } from './outcome.js'
import { TopCounts } from './top.js'

export interface SpikeSettings {
  /** A minute is a spike when its requests exceed `factor` × the baseline … */
  factor: number
  /** … and number at least this many. */
  min: number
}

const MINUTE = 60_000
// Minutes held (91 days of continuous traffic); past it, the timeline falls back to hours and spikes are
// looked for in the minutes held.
const MAX_MINUTES = 1 << 17
const MAX_HOURS = 1 << 17
// The baseline is the mean of the hour before; a minute needs this much history before it can be a spike.
const BASELINE_MINUTES = 60
const MIN_HISTORY = 10
const MAX_SPIKES = 100
const MAX_POINTS = 500
// Bucket widths for the timeline, so that labels fall on round times.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 43200].map((m) => m * MINUTE)
const SOURCES = 1000
const ASNS = 1000

interface Bin {
  requests: number
  attacks: number
}

type Row = { count: number, attacks: number }
const row = (): Row => ({ count: 0, attacks: 0 })

function binOf (map: Map<number, Bin>, key: number, max: number): Bin | undefined {
  let bin = map.get(key)
  if (bin === undefined) {
    if (map.size >= max) return undefined
    bin = { requests: 0, attacks: 0 }
    map.set(key, bin)
  }
  return bin
}

export class Traffic {
  private readonly minutes = new Map<number, Bin>()
  private readonly hours = new Map<number, Bin>()
  private minutesFull = false
  private first: { ms: number, offset: number } | undefined
  private last: { ms: number, offset: number } | undefined
  /** The zone of the first timed line: spikes and buckets are shown in it. */
  private offset = 0
  readonly sources = new TopCounts<Row>(SOURCES, row)
  readonly countries = new TopCounts<Row>(300, row)
  readonly asns = new TopCounts<Row>(ASNS, row)
  private readonly statuses = new Map<number | undefined, number>()

  add (time: number | undefined, offset: number, source: string | undefined, status: number | undefined, attack: boolean,
    country: string | undefined, asn: number | undefined): void {
    const a = attack ? 1 : 0
    if (time !== undefined) {
      if (this.first === undefined) this.offset = offset
      // Kept as numbers: times usually grow line by line, so `last` changes on nearly every line.
      if (this.first === undefined || time < this.first.ms) this.first = { ms: time, offset }
      if (this.last === undefined) this.last = { ms: time, offset }
      else if (time > this.last.ms) { this.last.ms = time; this.last.offset = offset }
      const minute = binOf(this.minutes, Math.floor(time / MINUTE), MAX_MINUTES)
      if (minute === undefined) this.minutesFull = true
      else { minute.requests++; minute.attacks += a }
      const hour = binOf(this.hours, Math.floor(time / (60 * MINUTE)), MAX_HOURS)
      if (hour !== undefined) { hour.requests++; hour.attacks += a }
    }
    if (source !== undefined) { const r = this.sources.row(source); r.count++; r.attacks += a }
    if (country !== undefined) { const r = this.countries.row(country); r.count++; r.attacks += a }
    if (asn !== undefined) { const r = this.asns.row(String(asn)); r.count++; r.attacks += a }
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
  }

  period (): { first: Moment | null, last: Moment | null } {
    const moment = (t: { ms: number, offset: number } | undefined): Moment | null => t === undefined ? null : momentOf(t.ms, t.offset)
    return { first: moment(this.first), last: moment(this.last) }
  }

  /** Requests and attacks per bucket, at most MAX_POINTS buckets of a round width, empty buckets included. */
  timeline (): { bucketMs: number, points: Array<{ ms: number, requests: number, attacks: number }> } {
    if (this.first === undefined || this.last === undefined) return { bucketMs: MINUTE, points: [] }
    const span = this.last.ms - this.first.ms
    const bucketMs = STEPS.find((s) => span / s < MAX_POINTS) ?? Math.ceil(span / MAX_POINTS / MINUTE) * MINUTE
    const [source, width] = !this.minutesFull && bucketMs < 60 * MINUTE ? [this.minutes, MINUTE] : [this.hours, 60 * MINUTE]
    const step = Math.max(bucketMs, width)
    // Buckets start at round times in the log's own zone.
    const shift = this.offset * MINUTE
    const start = Math.floor((this.first.ms + shift) / step) * step - shift
    const count = Math.floor((this.last.ms - start) / step) + 1
    const points = Array.from({ length: count }, (_, i) => ({ ms: start + i * step, requests: 0, attacks: 0 }))
    for (const [key, bin] of source) {
      const p = points[Math.floor((key * width - start) / step)]
      if (p !== undefined) { p.requests += bin.requests; p.attacks += bin.attacks }
    }
    return { bucketMs: step, points }
  }

  /**
   * Minutes whose requests exceed `factor` × the mean of the hour before (empty minutes count as 0) and
   * number at least `min`. After a gap of an hour or more, a minute needs MIN_HISTORY minutes of history.
   */
  spikes (settings: SpikeSettings): Spike[] {
    const keys = [...this.minutes.keys()].sort((a, b) => a - b)
    const out: Spike[] = []
    let from = 0
    let sum = 0
    let runStart = keys[0]
    for (let i = 0; i < keys.length; i++) {
      const m = keys[i]
      if (i > 0 && m - keys[i - 1] >= BASELINE_MINUTES) runStart = m
      while (from < i && keys[from] <= m - BASELINE_MINUTES) sum -= (this.minutes.get(keys[from++]) as Bin).requests
      const history = Math.min(BASELINE_MINUTES, m - runStart)
      const requests = (this.minutes.get(m) as Bin).requests
      if (history >= MIN_HISTORY) {
        const baseline = sum / history
        if (requests >= settings.min && requests > settings.factor * baseline) {
          out.push({ minute: momentOf(m * MINUTE, this.offset), requests, baseline: Math.round(baseline * 100) / 100 })
        }
      }
      sum += requests
    }
    return out.sort((a, b) => b.requests - a.requests).slice(0, MAX_SPIKES).sort((a, b) => a.minute.ms - b.minute.ms)
  }

  /** Requests per status, with what each status says of an attack that got it. */
  statusRows (): Outcome[] {
    return outcomeRows(this.statuses)
  }

  rows (table: TopCounts<Row>, limit: number): TrafficRow[] {
    return table.top(limit).map(([key, r]) => ({ key, requests: r.count, attacks: r.attacks }))
  }
}
