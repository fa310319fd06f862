import type { Scenario } from '../detect/behaviour/index.js'
import { SCENARIOS } from '../detect/behaviour/index.js'
import { parseDuration } from './duration.js'
import { validateRules } from './rules.js'
import type { Mode, Rule } from './types.js'

/** One rate limit: `max` requests per sliding `window` for each client, user or route it counts. */
export interface RateLimitOptions {
  /** Stable id: it names the limit in `requestInfo.decision` and in its records. Unique. */
  id: string
  /**
   * Who is counted: `ip` counts each client address (`realIp`; IPv6 by /64), `user` each authenticated user
   * (`requestInfo.user`, set by an onRequest or preValidation hook of the application; requests without a
   * user are not counted by this limit), `route` all clients of a route together.
   * @default 'ip'
   */
  key?: 'ip' | 'user' | 'route'
  /** Requests allowed per window; the next one gets 429. */
  max: number
  /** Window length: ms, or `'30s'`, `'1m'`, `'1h'`. */
  window: number | string
  /**
   * Only requests whose `path` (as recorded) starts with one of these: a login route gets a limit of its own.
   * @default undefined (every path)
   */
  path?: string | string[]
  /**
   * Only requests with one of these methods.
   * @default undefined (every method)
   */
  method?: string | string[]
  /**
   * Overrides option `respond.mode` for this limit.
   * @default respond.mode
   */
  mode?: Mode
}

/** Option `respond.ban`: when sources are banned, and for how long. */
export interface BanOptions {
  /**
   * Behaviour scenarios (`detect.behaviour`) whose alert bans the source.
   * @default every scenario keyed by source (all but `distributed-attack`)
   */
  scenarios?: Scenario[]
  /**
   * Length of a first ban: ms, or `'30m'`, `'4h'`, `'7d'`.
   * @default '4h'
   */
  ttl?: number | string
  /**
   * Each earlier ban of the source within `recidive` multiplies the length by this; 1 turns escalation off.
   * @default 2
   */
  escalation?: number
  /**
   * Longest ban.
   * @default '7d'
   */
  maxTtl?: number | string
  /**
   * How long a ban is remembered for escalation.
   * @default '7d'
   */
  recidive?: number | string
  /**
   * Overrides option `respond.mode` for bans from behaviour alerts.
   * @default respond.mode
   */
  mode?: Mode
}

/**
 * An ioredis client (`new Redis(url)`), typed by the members the plugin checks so that the plugin's types do
 * not depend on ioredis for users who keep everything in memory.
 */
export interface RedisClient {
  readonly status: string
  duplicate (): unknown
  evalsha (...args: any[]): unknown
}

/** Option `respond.redis`: bans and counters shared by every instance that uses the same Redis. */
export interface RedisOptions {
  /** An ioredis client; the plugin duplicates it for pub/sub and never closes it. */
  client: RedisClient
  /**
   * Prefix of every key and channel, so that several services can share one Redis.
   * @default 'request-info:'
   */
  prefix?: string
  /**
   * Longest wait for a rate-limit count, ms; past it the request goes on as option `failClosed` says.
   * @default 100
   */
  timeout?: number
}

/** Option `respond`: allow and block rules, rate limits and bans (README, "Respond"). */
export interface RespondOptions {
  /**
   * `monitor`: requests go on and `requestInfo.decision` says what would have happened; `block`: 403, 429.
   * Rules, limits and bans may override it one by one.
   * @default 'monitor'
   */
  mode?: Mode
  /**
   * Allow, block and ban rules; they come before the rules of `rulesFile`. Allow rules win.
   * @default []
   */
  rules?: Rule[]
  /**
   * A JSON or YAML file of rules (`{ rules: [...] }`), read at registration and again whenever it changes; a
   * file that fails to load is logged and the rules in force stay.
   * @default undefined
   */
  rulesFile?: string
  /**
   * MaxMind DB files (GeoLite2-Country or -City, GeoLite2-ASN) for the `country` and `asn` rule fields.
   * @default {}
   */
  geoip?: { country?: string, asn?: string }
  /**
   * Rate limits, each counted on its own.
   * @default []
   */
  rateLimits?: RateLimitOptions[]
  /**
   * Bans from behaviour alerts and from ban rules; `false`: behaviour alerts ban no one (ban rules still do,
   * with these lengths).
   * @default { ttl: '4h', escalation: 2, maxTtl: '7d', recidive: '7d' }
   */
  ban?: boolean | BanOptions
  /**
   * Share bans and rate-limit counts through Redis. Without it they are kept in this process.
   * @default undefined
   */
  redis?: RedisOptions
  /**
   * When Redis cannot be reached: `false` counts rate limits in this process meanwhile; `true` answers 503.
   * Bans are always checked against the copy held in this process.
   * @default false
   */
  failClosed?: boolean
  /**
   * Rate-limit windows (one per limit and client) and bans kept in this process; the oldest go first.
   * @default 100000
   */
  maxEntries?: number
}

export interface ResolvedRateLimit {
  id: string
  key: 'ip' | 'user' | 'route'
  max: number
  window: number
  path: string[] | undefined
  method: string[] | undefined
  mode: Mode
}

export interface ResolvedBan {
  scenarios: ReadonlySet<Scenario>
  ttl: number
  escalation: number
  maxTtl: number
  recidive: number
  mode: Mode
}

export interface ResolvedRespondOptions {
  mode: Mode
  rules: Rule[]
  rulesFile: string | undefined
  geoip: { country?: string, asn?: string }
  rateLimits: ResolvedRateLimit[]
  ban: ResolvedBan
  redis: { client: RedisClient, prefix: string, timeout: number } | undefined
  failClosed: boolean
  maxEntries: number
}

type Fail = (message: string) => never

const KNOWN = ['mode', 'rules', 'rulesFile', 'geoip', 'rateLimits', 'ban', 'redis', 'failClosed', 'maxEntries']
const MODES: readonly Mode[] = ['monitor', 'block']
const SOURCE_SCENARIOS = SCENARIOS.filter((s) => s.key !== 'host').map((s) => s.id)

function objectOf (name: string, value: unknown, known: readonly string[], fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`option ${name} must be an object`)
  for (const key of Object.keys(value as object)) {
    if (!known.includes(key)) fail(`unknown option '${name}.${key}'; known are ${known.join(', ')}`)
  }
  return value as Record<string, unknown>
}

function mode (name: string, value: unknown, fallback: Mode, fail: Fail): Mode {
  if (value === undefined) return fallback
  if (!MODES.includes(value as Mode)) fail(`option ${name} must be 'monitor' or 'block'; got ${JSON.stringify(value)}`)
  return value as Mode
}

function duration (name: string, value: unknown, fallback: number, fail: Fail, min = 1): number {
  if (value === undefined) return fallback
  let ms: number
  try {
    ms = parseDuration(value as number | string, `option ${name}`)
  } catch (err) {
    return fail((err as Error).message)
  }
  if (ms < min) fail(`option ${name} must be at least ${min} ms; got ${JSON.stringify(value)}`)
  return ms
}

function stringList (name: string, value: unknown, fail: Fail): string[] | undefined {
  if (value === undefined) return undefined
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) fail(`option ${name} must be a non-empty string or a list of them`)
  return list as string[]
}

function rateLimits (value: unknown, fallbackMode: Mode, fail: Fail): ResolvedRateLimit[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail('option respond.rateLimits must be an array of { id, key, max, window, path, method, mode }')
  const ids = new Set<string>()
  return (value as unknown[]).map((entry, i) => {
    const name = `respond.rateLimits[${i}]`
    const o = objectOf(name, entry, ['id', 'key', 'max', 'window', 'path', 'method', 'mode'], fail)
    if (typeof o.id !== 'string' || !/^[\w.:-]{1,64}$/.test(o.id)) fail(`option ${name}.id must be 1 to 64 letters, digits, '_', '-', '.' or ':'; got ${JSON.stringify(o.id)}`)
    if (ids.has(o.id as string)) fail(`option ${name}.id: '${o.id as string}' is the id of an earlier limit`)
    ids.add(o.id as string)
    const key = o.key ?? 'ip'
    if (key !== 'ip' && key !== 'user' && key !== 'route') fail(`option ${name}.key must be 'ip', 'user' or 'route'; got ${JSON.stringify(key)}`)
    if (typeof o.max !== 'number' || !Number.isInteger(o.max) || o.max < 1 || o.max > 1e9) fail(`option ${name}.max must be an integer from 1 to 1000000000; got ${JSON.stringify(o.max)}`)
    if (o.window === undefined) fail(`option ${name}.window is required (ms, or a duration such as '1m')`)
    return {
      id: o.id as string,
      key,
      max: o.max as number,
      window: duration(`${name}.window`, o.window, 0, fail, 100),
      path: stringList(`${name}.path`, o.path, fail),
      method: stringList(`${name}.method`, o.method, fail)?.map((m) => m.toUpperCase()),
      mode: mode(`${name}.mode`, o.mode, fallbackMode, fail)
    }
  })
}

function ban (value: unknown, fallbackMode: Mode, fail: Fail): ResolvedBan {
  const o = value === undefined || typeof value === 'boolean' ? {} : objectOf('respond.ban', value, ['scenarios', 'ttl', 'escalation', 'maxTtl', 'recidive', 'mode'], fail)
  let scenarios = SOURCE_SCENARIOS
  if (o.scenarios !== undefined) {
    if (!Array.isArray(o.scenarios)) fail('option respond.ban.scenarios must be an array of behaviour scenario ids')
    for (const id of o.scenarios as unknown[]) {
      if (!SOURCE_SCENARIOS.includes(id as Scenario)) fail(`option respond.ban.scenarios: ${JSON.stringify(id)} is not a scenario keyed by source; known are ${SOURCE_SCENARIOS.join(', ')}`)
    }
    scenarios = o.scenarios as Scenario[]
  }
  const escalation = o.escalation ?? 2
  if (typeof escalation !== 'number' || !Number.isFinite(escalation) || escalation < 1 || escalation > 100) fail(`option respond.ban.escalation must be a number from 1 to 100; got ${JSON.stringify(escalation)}`)
  const ttl = duration('respond.ban.ttl', o.ttl, 4 * 3600_000, fail, 1000)
  const maxTtl = duration('respond.ban.maxTtl', o.maxTtl, 7 * 86400_000, fail, 1000)
  if (maxTtl < ttl) fail('option respond.ban.maxTtl must be at least respond.ban.ttl')
  return {
    scenarios: new Set(value === false ? [] : scenarios),
    ttl,
    escalation: escalation as number,
    maxTtl,
    recidive: duration('respond.ban.recidive', o.recidive, 7 * 86400_000, fail, 1000),
    mode: mode('respond.ban.mode', o.mode, fallbackMode, fail)
  }
}

function redis (value: unknown, fail: Fail): ResolvedRespondOptions['redis'] {
  if (value === undefined) return undefined
  const o = objectOf('respond.redis', value, ['client', 'prefix', 'timeout'], fail)
  const client = o.client as Record<string, unknown> | undefined
  if (client === null || typeof client !== 'object' || typeof client.duplicate !== 'function' || typeof client.evalsha !== 'function') {
    fail('option respond.redis.client must be an ioredis client (new Redis(url) from the ioredis package)')
  }
  const prefix = o.prefix ?? 'request-info:'
  if (typeof prefix !== 'string' || prefix.length > 128) fail(`option respond.redis.prefix must be a string of at most 128 characters; got ${JSON.stringify(prefix)}`)
  const timeout = o.timeout ?? 100
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) fail(`option respond.redis.timeout must be an integer from 1 to 60000 (ms); got ${JSON.stringify(timeout)}`)
  return { client: o.client as RedisClient, prefix: prefix as string, timeout: timeout as number }
}

/** Validates option `respond`; `fail` throws with the plugin's prefix. Returns false when it is not given. */
export function resolveRespondOptions (value: unknown, fail: Fail): ResolvedRespondOptions | false {
  if (value === undefined || value === false) return false
  const o = value === true ? {} : objectOf('respond', value, KNOWN, fail)
  const fallback = mode('respond.mode', o.mode, 'monitor', fail)
  let rules: Rule[] = []
  if (o.rules !== undefined) {
    try {
      rules = validateRules(o.rules, 'option respond.rules')
    } catch (err) {
      fail((err as Error).message)
    }
  }
  if (o.rulesFile !== undefined && (typeof o.rulesFile !== 'string' || o.rulesFile.length === 0)) fail(`option respond.rulesFile must be a file path; got ${JSON.stringify(o.rulesFile)}`)
  const geoip = o.geoip === undefined ? {} : objectOf('respond.geoip', o.geoip, ['country', 'asn'], fail)
  for (const kind of ['country', 'asn']) {
    if (geoip[kind] !== undefined && (typeof geoip[kind] !== 'string' || geoip[kind] === '')) fail(`option respond.geoip.${kind} must be the path of a .mmdb file`)
  }
  if (o.failClosed !== undefined && typeof o.failClosed !== 'boolean') fail(`option respond.failClosed must be a boolean; got ${JSON.stringify(o.failClosed)}`)
  const maxEntries = o.maxEntries ?? 100_000
  if (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries < 16 || maxEntries > 10_000_000) fail(`option respond.maxEntries must be an integer from 16 to 10000000; got ${JSON.stringify(maxEntries)}`)
  return {
    mode: fallback,
    rules,
    rulesFile: o.rulesFile as string | undefined,
    geoip: geoip as ResolvedRespondOptions['geoip'],
    rateLimits: rateLimits(o.rateLimits, fallback, fail),
    ban: ban(o.ban, fallback, fail),
    redis: redis(o.redis, fail),
    failClosed: (o.failClosed as boolean | undefined) ?? false,
    maxEntries: maxEntries as number
  }
}
