import type { Moment } from './report.js'

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11
}

/** A time read from a log: ms since the epoch and the zone it was written in (minutes east of UTC). */
export interface LoggedTime {
  readonly ms: number
  readonly offset: number
}

function digits (s: string, from: number, count: number): number {
  let n = 0
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    n = n * 10 + c
  }
  return n
}

/**
 * The access-log time `%t` without its brackets: `21/Jun/2011:11:56:40 -0400` (Apache's and nginx's
 * `$time_local`, always this fixed layout). Undefined when `text` is not one.
 */
export function parseLogTime (text: string): LoggedTime | undefined {
  if (text.length !== 26 || text.charCodeAt(2) !== 47 || text.charCodeAt(6) !== 47 || text.charCodeAt(11) !== 58 ||
    text.charCodeAt(20) !== 32) return undefined
  const month = MONTHS[text.slice(3, 6)]
  const day = digits(text, 0, 2)
  const year = digits(text, 7, 4)
  const hour = digits(text, 12, 2)
  const minute = digits(text, 15, 2)
  const second = digits(text, 18, 2)
  const sign = text.charCodeAt(21)
  const zoneHours = digits(text, 22, 2)
  const zoneMinutes = digits(text, 24, 2)
  if (month === undefined || day < 1 || day > 31 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
    second < 0 || second > 60 || (sign !== 43 && sign !== 45) || zoneHours < 0 || zoneHours > 23 || zoneMinutes < 0 || zoneMinutes > 59) {
    return undefined
  }
  const offset = (sign === 45 ? -1 : 1) * (zoneHours * 60 + zoneMinutes)
  return { ms: Date.UTC(year, month, day, hour, minute, second) - offset * 60_000, offset }
}

// ISO 8601 with a zone: what pino's isoTime and ECS `@timestamp` write; the zone is required, so that a
// time is never read in this machine's own zone.
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/

/** A record's `time` (pino's epoch ms, or an ISO string) or `@timestamp`; records are reported in UTC. */
export function parseRecordTime (value: unknown): LoggedTime | undefined {
  let ms: number
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string' && ISO.test(value)) ms = Date.parse(value)
  else return undefined
  // Years 1970 to 9999: anything else is not a time a log line was written at.
  return Number.isFinite(ms) && ms >= 0 && ms < 253402300800000 ? { ms, offset: 0 } : undefined
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** `2011-06-21 11:56:40 -0400`: the time in the zone it was logged in, with that zone. */
export function momentOf (ms: number, offset: number): Moment {
  const d = new Date(ms + offset * 60_000)
  const zone = Math.abs(offset)
  const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ` +
    `${offset < 0 ? '-' : '+'}${pad(Math.floor(zone / 60))}${pad(zone % 60)}`
  return { text, ms }
}
