import type { FastifyRequest } from 'fastify'
import type { RequestInfo } from '../request-info.js'
import type { ResolvedRateLimit } from './options.js'
import type { WindowCount, WindowHit } from './types.js'

// Longest user id or route kept in a window key: ids past it are cut (and so share a window), which keeps a
// hostile user name from growing the store.
const MAX_SUBJECT = 256

/** The windows one request counts in, and the limit of each, in the same order. */
export interface LimitHits {
  readonly limits: ResolvedRateLimit[]
  readonly hits: WindowHit[]
}

/** A limit a request went over. */
export interface Exceeded {
  readonly limit: ResolvedRateLimit
  /** The window's key: `<limit id>:<client, user or route>`. */
  readonly key: string
  /** Sliding-window estimate of the requests counted, this one included. */
  readonly count: number
  /** Seconds until a request would be within the limit again (Retry-After). */
  readonly retryAfter: number
  /** True for the request that went over; the next ones are over still. */
  readonly first: boolean
}

/**
 * Which rate limits a request counts in. Limits keyed by client address or route are counted in onRequest;
 * limits keyed by user once the application has set `requestInfo.user` (preHandler).
 */
export class RateLimits {
  private readonly byClient: ResolvedRateLimit[]
  private readonly byUser: ResolvedRateLimit[]

  constructor (limits: readonly ResolvedRateLimit[]) {
    this.byClient = limits.filter((l) => l.key !== 'user')
    this.byUser = limits.filter((l) => l.key === 'user')
  }

  get hasLate (): boolean {
    return this.byUser.length > 0
  }

  /** The windows of the limits keyed by client and route; undefined when none applies. */
  early (info: RequestInfo, source: string, request: FastifyRequest): LimitHits | undefined {
    let out: LimitHits | undefined
    for (const limit of this.byClient) {
      if (!applies(limit, info)) continue
      const subject = limit.key === 'ip' ? source : routeOf(request, info)
      out ??= { limits: [], hits: [] }
      out.limits.push(limit)
      out.hits.push({ key: `${limit.id}:${subject}`, window: limit.window })
    }
    return out
  }

  /** The windows of the limits keyed by user; undefined when there is no user or no limit applies. */
  late (info: RequestInfo): LimitHits | undefined {
    if (info.user === undefined || info.user === null || info.user === '') return undefined
    let out: LimitHits | undefined
    for (const limit of this.byUser) {
      if (!applies(limit, info)) continue
      out ??= { limits: [], hits: [] }
      out.limits.push(limit)
      out.hits.push({ key: `${limit.id}:${String(info.user).slice(0, MAX_SUBJECT)}`, window: limit.window })
    }
    return out
  }
}

function applies (limit: ResolvedRateLimit, info: RequestInfo): boolean {
  if (limit.method !== undefined && !limit.method.includes(info.method.toUpperCase())) return false
  if (limit.path === undefined) return true
  for (const prefix of limit.path) if (info.path.startsWith(prefix)) return true
  return false
}

/** A route as Fastify matched it (`GET /users/:id`); the path when no route matched. */
function routeOf (request: FastifyRequest, info: RequestInfo): string {
  const url = request.routeOptions.url ?? info.path
  return `${info.method} ${url.slice(0, MAX_SUBJECT)}`
}

/**
 * The sliding-window estimate of a window's count (Cloudflare's approximation): the previous fixed window's
 * count weighted by the share of it still inside the sliding window, plus the current one's.
 */
export function slidingCount (count: WindowCount, window: number, now: number): number {
  const elapsed = now % window
  return count.previous * (1 - elapsed / window) + count.current
}

/**
 * Seconds until one more request would be counted within `max`: within the current fixed window while the
 * previous window's weight can still fall far enough, else after the current window has become the previous.
 */
export function retryAfter (count: WindowCount, max: number, window: number, now: number): number {
  const elapsed = now % window
  const left = window - elapsed
  let wait = Infinity
  if (count.current + 1 <= max && count.previous > 0) wait = window * (1 - (max - count.current - 1) / count.previous) - elapsed
  if (wait > left) wait = left + window * Math.max(0, 1 - (max - 1) / count.current)
  return Math.max(1, Math.ceil(wait / 1000))
}

/**
 * The limit this request went over: the first one in `block` mode, else the first in `monitor` mode, so a
 * monitored limit never hides an enforced one.
 */
export function exceeded (hits: LimitHits, counts: readonly WindowCount[], now: number): Exceeded | undefined {
  let monitored: Exceeded | undefined
  for (let i = 0; i < hits.limits.length; i++) {
    const limit = hits.limits[i]
    const count = slidingCount(counts[i], limit.window, now)
    if (count <= limit.max) continue
    const over: Exceeded = {
      limit,
      key: hits.hits[i].key,
      count: Math.ceil(count),
      retryAfter: retryAfter(counts[i], limit.max, limit.window, now),
      first: count - 1 <= limit.max
    }
    if (limit.mode === 'block') return over
    monitored ??= over
  }
  return monitored
}
