import { createHash } from 'node:crypto'
import type { Ban, BanRequest, WindowCount } from '../types.js'

// What the Redis store sends and reads: the ioredis methods it calls, its Lua scripts, and the checks of
// what comes back (anyone who can write to the Redis server writes what other instances read).

/**
 * The methods of an ioredis client (https://github.com/redis/ioredis) the store calls. ioredis's `Redis` fits;
 * it is described here so that this package neither loads nor depends on ioredis.
 */
export interface RedisConnection {
  /** ioredis connection status: commands are only sent while it is `'ready'`. */
  readonly status: string
  /** Set by ioredis's `Cluster`, which the store refuses. */
  readonly isCluster?: boolean
  /** ioredis puts `keyPrefix` before keys, not before pub/sub channels: the store puts it before its channel. */
  readonly options?: { readonly keyPrefix?: string | undefined }
  evalsha (sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
  eval (script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
  script (subcommand: 'LOAD', script: string): Promise<unknown>
  duplicate (override: { autoResubscribe: boolean, lazyConnect: boolean, enableOfflineQueue: boolean }): RedisSubscriber
  on (event: 'ready', listener: () => void): unknown
  removeListener (event: 'ready', listener: () => void): unknown
}

/** The second connection, which only listens to the bans channel. */
export interface RedisSubscriber {
  readonly status: string
  subscribe (channel: string): Promise<unknown>
  unsubscribe (channel: string): Promise<unknown>
  quit (): Promise<unknown>
  disconnect (): void
  on (event: 'ready' | 'close', listener: () => void): unknown
  on (event: 'message', listener: (channel: string, message: string) => void): unknown
  on (event: 'error', listener: (err: Error) => void): unknown
  removeListener (event: 'ready' | 'close' | 'message', listener: (...args: any[]) => void): unknown
}

/** A Lua script and its SHA1, the name EVALSHA calls it by (https://redis.io/docs/latest/commands/evalsha/). */
export interface Script {
  readonly lua: string
  readonly sha: string
}

function script (lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') }
}

/**
 * One hit in each window of a request. KEYS: per window, its current fixed window's key then the previous
 * one's; ARGV: per window, how long its key lives (two windows: long enough to be read as the previous one).
 * Returns per window the current count (this hit included) and the previous window's.
 */
export const HIT = script(`
local counts = {}
for i = 1, #KEYS, 2 do
  local current = redis.call('INCR', KEYS[i])
  if current == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[(i + 1) / 2]) end
  counts[i] = current
  counts[i + 1] = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
end
return counts
`)

// Numbers are written with 17 significant digits, which read back as the same double (IEEE 754), where Lua's
// own tostring keeps 14. Strings go through cjson, which escapes them as JSON (RFC 8259 section 7).
const BAN_JSON = `
local function number (n) return string.format('%.17g', n) end
local function ban_json (key, reason, since, ends, offences, mode)
  return '{"key":' .. cjson.encode(key) .. ',"reason":' .. cjson.encode(reason) .. ',"since":' .. number(since) ..
    ',"until":' .. number(ends) .. ',"offences":' .. number(offences) .. ',"mode":' .. cjson.encode(mode) .. '}'
end
`

// Bans that have ended leave the hash: KEYS[2] is a sorted set of the bans' keys by end time. At most `limit`
// at a time, so that a ban never waits on a long clean-up (unpack also has a stack limit).
const PRUNE = `
local function prune (bans, ends, now, limit)
  local ended = redis.call('ZRANGEBYSCORE', ends, '-inf', now, 'LIMIT', 0, limit)
  if #ended > 0 then
    redis.call('HDEL', bans, unpack(ended))
    redis.call('ZREM', ends, unpack(ended))
  end
  return #ended
end
`

/**
 * Issues a ban escalated by the source's offences across all instances (the formula of `createBan`), stores it
 * and publishes it. KEYS: the source's offences counter, the bans hash, the bans by end. ARGV: channel, key,
 * reason, mode, ttl, escalation, maxTtl, recidive, now. Returns the ban as JSON, as published.
 */
export const BAN = script(`${BAN_JSON}${PRUNE}
local now = tonumber(ARGV[9])
local offences = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
local length = math.min(tonumber(ARGV[7]), tonumber(ARGV[5]) * tonumber(ARGV[6]) ^ (offences - 1))
local ban = ban_json(ARGV[2], ARGV[3], now, now + length, offences, ARGV[4])
prune(KEYS[2], KEYS[3], now, 100)
redis.call('HSET', KEYS[2], ARGV[2], ban)
redis.call('ZADD', KEYS[3], now + length, ARGV[2])
redis.call('PUBLISH', ARGV[1], ban)
return ban
`)

/** Lifts a ban and publishes that. KEYS: the bans hash, the bans by end. ARGV: channel, key. Returns 1 when there was one. */
export const UNBAN = script(`
local removed = redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[1], '{"unban":' .. cjson.encode(ARGV[2]) .. '}')
return removed
`)

/** Drops the bans that have ended and returns the others as HGETALL does. KEYS: the bans hash, the bans by end. ARGV: now. */
export const BANS = script(`${PRUNE}
while prune(KEYS[1], KEYS[2], ARGV[1], 1000) == 1000 do end
return redis.call('HGETALL', KEYS[1])
`)

/**
 * Stores back bans Redis lacks, from an instance's own copy, when Redis has lost the shared bans since this
 * instance last read them (restarted without persistence, or a new server). The epoch key names the data set:
 * an id set when a Redis without one is first restored to. Every instance that knew another epoch (or none)
 * stores its bans, not only the first one back, which may hold fewer (it started late, or missed a message).
 * KEYS: the bans hash, the bans by end, the epoch key. ARGV: channel, the epoch this instance knew ('' for
 * none), a new epoch id, then per ban its key, end and JSON. Returns the epoch; nothing is stored when it is
 * the one this instance knew.
 */
export const RESTORE = script(`
local epoch = redis.call('GET', KEYS[3])
if epoch == ARGV[2] then return epoch end
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[3], epoch)
end
for i = 4, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i])
    redis.call('PUBLISH', ARGV[1], ARGV[i + 2])
  end
end
return epoch
`)

export const SCRIPTS = [HIT, BAN, UNBAN, BANS, RESTORE]

/**
 * Longest pub/sub message or stored ban read: a ban's key and reason are bounded, and cjson writes a character
 * as at most 6 (a \u escape).
 */
const MAX_MESSAGE = 16_384
const MAX_KEY = 256
const MAX_REASON = 1024

/** Refuses a ban other instances would refuse to read. */
export function checkRequest (request: BanRequest): void {
  if (request.key.length === 0 || request.key.length > MAX_KEY) {
    throw new RangeError(`ban: key ${show(request.key)} is not a key of 1 to ${MAX_KEY} characters`)
  }
  if (request.reason.length > MAX_REASON) {
    throw new RangeError(`ban: reason ${show(request.reason)} is longer than ${MAX_REASON} characters`)
  }
}

/** What another instance published: a ban, or that the ban on a key was lifted. */
export type BanMessage = Ban | { readonly unban: string }

/**
 * Reads a ban or an unban from its JSON (a pub/sub message, a stored ban, a script's reply). Throws an error
 * naming the field for anything else: the text comes from whoever can write to the Redis server.
 */
export function parseMessage (text: unknown): BanMessage {
  if (typeof text !== 'string') throw new TypeError(`ban message: ${typeof text} is not a string`)
  if (text.length > MAX_MESSAGE) throw new RangeError(`ban message: ${text.length} characters is longer than ${MAX_MESSAGE}`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new SyntaxError(`ban message: ${JSON.stringify(text.slice(0, 64))} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`ban message: ${JSON.stringify(text.slice(0, 64))} is not a JSON object`)
  }
  // Own properties only: JSON.parse makes "__proto__" an own key, never the prototype.
  const field = (name: string): unknown => Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined
  const unban = field('unban')
  if (unban !== undefined) return { unban: checkKey(unban, 'unban') }
  const since = field('since')
  const until = field('until')
  const offences = field('offences')
  const reason = field('reason')
  const mode = field('mode')
  if (typeof since !== 'number' || !Number.isFinite(since)) throw new TypeError(`ban message.since: ${show(since)} is not a time in ms`)
  if (typeof until !== 'number' || !Number.isFinite(until) || until < since) {
    throw new TypeError(`ban message.until: ${show(until)} is not a time in ms at or after since`)
  }
  if (typeof offences !== 'number' || !Number.isSafeInteger(offences) || offences < 1) {
    throw new TypeError(`ban message.offences: ${show(offences)} is not a positive integer`)
  }
  if (typeof reason !== 'string' || reason.length > MAX_REASON) {
    throw new TypeError(`ban message.reason: ${show(reason)} is not a string of at most ${MAX_REASON} characters`)
  }
  if (mode !== 'monitor' && mode !== 'block') throw new TypeError(`ban message.mode: ${show(mode)} is not "monitor" or "block"`)
  return Object.freeze({ key: checkKey(field('key'), 'key'), reason, since, until, offences, mode })
}

function checkKey (key: unknown, name: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY) {
    throw new TypeError(`ban message.${name}: ${show(key)} is not a key of 1 to ${MAX_KEY} characters`)
  }
  return key
}

function show (value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : String(value)
  return text.length > 80 ? text.slice(0, 80) + '…' : text
}

/** The HIT script's reply: two integers per window. */
export function parseCounts (reply: unknown, windows: number): WindowCount[] {
  if (!Array.isArray(reply) || reply.length !== windows * 2) throw new TypeError(`rate-limit script: unexpected reply ${show(reply)}`)
  const out: WindowCount[] = []
  for (let i = 0; i < reply.length; i += 2) {
    const current: unknown = reply[i]
    const previous: unknown = reply[i + 1]
    if (typeof current !== 'number' || typeof previous !== 'number') throw new TypeError(`rate-limit script: unexpected reply ${show(reply)}`)
    out.push({ current, previous })
  }
  return out
}

/**
 * The bans in force at `now` of the BANS script's reply (field, value, field, value, …). A stored value that
 * is not a ban on its field's key goes to `skipped` and is left out.
 */
export function parseBans (reply: unknown, now: number, skipped: (err: unknown) => void): Ban[] {
  if (!Array.isArray(reply)) throw new TypeError(`bans script: unexpected reply ${show(reply)}`)
  const out: Ban[] = []
  for (let i = 0; i + 1 < reply.length; i += 2) {
    try {
      const ban = parseMessage(reply[i + 1])
      if ('unban' in ban || ban.key !== reply[i]) throw new TypeError(`stored ban ${show(reply[i])}: not a ban on that key`)
      if (ban.until > now) out.push(ban)
    } catch (err) {
      skipped(err)
    }
  }
  return out
}

/** `promise`, or a rejection naming `step` after `ms`. */
export function deadline<T> (promise: Promise<T>, ms: number, step: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis ${step}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}
