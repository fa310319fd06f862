import { randomUUID } from 'node:crypto'
import type { Ban, BanRequest, RespondStore, StoreEvents, WindowCount, WindowHit } from '../types.js'
import { BanTable } from './ban-table.js'
import {
  BAN, BANS, HIT, RESTORE, SCRIPTS, UNBAN, checkRequest, deadline, parseBans, parseCounts, parseMessage, type RedisConnection, type RedisSubscriber,
  type Script
} from './redis-scripts.js'

export type { RedisConnection, RedisSubscriber } from './redis-scripts.js'

/** Options of the Redis store. */
export interface RedisStoreOptions {
  /**
   * Put before every key and before the channel name, so that several services can share one Redis.
   * @default 'request-info:'
   */
  prefix?: string
  /**
   * Longest wait on Redis, ms: `hit()` rejects after it (the caller counts locally or fails closed); `ban()`
   * and `unban()` resolve with their local effect, which is sent again when Redis is back if it failed.
   * @default 100
   */
  timeout?: number
  /**
   * Bans held locally; the one that ends first goes first.
   * @default 100000
   */
  maxBans?: number
  /** Where failures and reconciliations are reported. */
  events?: StoreEvents
}

// Bans stored back per script call after Redis lost them.
const RESTORE_BATCH = 500

/** A ban or an unban made here and not yet confirmed by Redis; `sent` while its script is out. */
interface Change {
  readonly ban: { readonly request: BanRequest, readonly now: number } | undefined
  sent: boolean
}

/**
 * Counters and bans shared by every instance connected to one Redis (a single server or one behind Sentinel;
 * Redis Cluster is not supported: the scripts touch several keys that Cluster could place on different nodes).
 *
 * `banned()` and `list()` read a local copy of the bans, kept current by pub/sub on a second connection
 * (`client.duplicate()`), so a ban check never waits on the network. `hit()` sends one EVALSHA for all the
 * windows of a request. While Redis is away bans and unbans take effect locally and are remembered; each time
 * both connections are back they are sent, and the local copy is replaced by the shared bans.
 */
export class RedisStore implements RespondStore {
  readonly bans: BanTable
  private readonly prefix: string
  private readonly channel: string
  /** The bans hash (key → ban as JSON) and the sorted set of its keys by the end of their ban. */
  private readonly bansKeys: string[]
  /** Names the data set Redis holds: missing, then new, after a restart that lost the shared bans. */
  private readonly epochKey: string
  /** The epoch of the bans this instance last read; undefined until the first reconciliation. */
  private epoch: string | undefined
  private readonly timeout: number
  private readonly maxPending: number
  private readonly events: StoreEvents | undefined
  private readonly subscriber: RedisSubscriber
  /** Local changes Redis has not confirmed, by key: they win over messages about the same key. */
  private readonly pending = new Map<string, Change>()
  /** Failure kinds reported since the last reconciliation: one report each per outage. */
  private readonly reported = new Set<string>()
  private subscribed = false
  private syncing = false
  private syncAgain = false
  /** Changes applied while a reconciliation is out, applied again over the bans it reads. */
  private recent: Map<string, Ban | undefined> | undefined
  private closing: Promise<void> | undefined

  constructor (private readonly client: RedisConnection, options: RedisStoreOptions = {}) {
    if (client.isCluster === true) throw new TypeError('RedisStore: Redis Cluster is not supported (use a single Redis or Sentinel)')
    const { prefix = 'request-info:', timeout = 100, maxBans = 100_000, events } = options
    if (typeof prefix !== 'string') throw new TypeError(`RedisStore options.prefix: ${String(prefix)} is not a string`)
    if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
      throw new TypeError(`RedisStore options.timeout: ${String(timeout)} is not a positive number of ms`)
    }
    if (!Number.isSafeInteger(maxBans) || maxBans < 1) {
      throw new TypeError(`RedisStore options.maxBans: ${String(maxBans)} is not a positive integer`)
    }
    this.prefix = prefix
    this.channel = (client.options?.keyPrefix ?? '') + prefix + 'bans'
    this.bansKeys = [prefix + 'bans', prefix + 'bans:ends']
    this.epochKey = prefix + 'bans:epoch'
    this.timeout = timeout
    this.events = events
    this.bans = new BanTable(maxBans)
    this.maxPending = maxBans

    // The duplicate subscribes itself on every connection (not ioredis's autoResubscribe) so that the store
    // knows when messages flow again and reconciles after that point; it never queues commands.
    this.subscriber = client.duplicate({ autoResubscribe: false, lazyConnect: false, enableOfflineQueue: false })
    this.subscriber.on('ready', this.onSubscriberReady)
    this.subscriber.on('close', this.onSubscriberClose)
    this.subscriber.on('message', this.onMessage)
    this.subscriber.on('error', (err) => this.fail(err, 'subscriber'))
    client.on('ready', this.onReady)
    if (client.status === 'ready') this.loadScripts()
  }

  async hit (hits: readonly WindowHit[], now: number): Promise<WindowCount[]> {
    if (hits.length === 0) return []
    this.checkReady()
    const keys: string[] = []
    const lives: number[] = []
    for (const { key, window } of hits) {
      const index = Math.floor(now / window)
      keys.push(`${this.prefix}rl:${key}:${index}`, `${this.prefix}rl:${key}:${index - 1}`)
      lives.push(Math.ceil(window * 2))
    }
    return parseCounts(await deadline(this.run(HIT, keys, lives), this.timeout, 'hit'), hits.length)
  }

  banned (key: string, now: number): Ban | undefined {
    return this.bans.get(key, now)
  }

  list (now: number): Ban[] {
    return this.bans.list(now)
  }

  /** In force here at once; resolves with the ban as Redis escalated it, or the local one if Redis is away. */
  async ban (request: BanRequest, now: number): Promise<Ban> {
    checkRequest(request)
    const local = this.bans.issue(request, now)
    this.recent?.set(request.key, local)
    const change: Change = { ban: { request, now }, sent: false }
    this.remember(request.key, change)
    try {
      this.checkReady()
      const shared = await deadline(this.push(request.key, change), this.timeout, 'ban')
      return typeof shared === 'boolean' ? local : shared
    } catch (err) {
      this.fail(err, 'ban')
      return local
    }
  }

  async unban (key: string): Promise<boolean> {
    const local = this.bans.delete(key)
    this.recent?.set(key, undefined)
    const change: Change = { ban: undefined, sent: false }
    this.remember(key, change)
    try {
      this.checkReady()
      return await deadline(this.push(key, change), this.timeout, 'unban') === true || local
    } catch (err) {
      this.fail(err, 'unban')
      return local
    }
  }

  /** Stops listening; unsubscribes and closes the second connection. The client given is left open. */
  close (): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown (): Promise<void> {
    this.client.removeListener('ready', this.onReady)
    this.subscriber.removeListener('ready', this.onSubscriberReady)
    this.subscriber.removeListener('message', this.onMessage)
    this.subscriber.removeListener('close', this.onSubscriberClose)
    this.subscribed = false
    try {
      if (this.subscriber.status !== 'ready') throw new Error('not connected')
      await this.subscriber.unsubscribe(this.channel)
      await this.subscriber.quit()
    } catch {
      // Not connected, or the connection dropped meanwhile: nothing to say goodbye to.
      this.subscriber.disconnect()
    }
  }

  private readonly onReady = (): void => {
    this.loadScripts()
    if (this.subscribed) void this.sync()
  }

  private readonly onSubscriberReady = (): void => {
    this.subscriber.subscribe(this.channel).then(() => {
      this.subscribed = true
      if (this.client.status === 'ready') void this.sync()
    }, (err) => this.fail(err, 'subscribe'))
  }

  private readonly onSubscriberClose = (): void => {
    this.subscribed = false
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return
    let parsed
    try {
      parsed = parseMessage(message)
    } catch (err) {
      // Every malformed message is reported: it is not an outage but someone writing to the channel.
      this.events?.error(err, 'message')
      return
    }
    const key = 'unban' in parsed ? parsed.unban : parsed.key
    if (this.pending.has(key)) return
    if ('unban' in parsed) {
      this.bans.delete(key)
      this.recent?.set(key, undefined)
    } else {
      this.apply(parsed)
    }
  }

  /** Preloads the scripts so that the first EVALSHA after a (re)connection finds them. */
  private loadScripts (): void {
    for (const { lua } of SCRIPTS) this.client.script('LOAD', lua).catch((err) => this.fail(err, 'load'))
  }

  /**
   * Sends the changes made while Redis was away, then replaces the local bans with the shared ones (the
   * changes applied meanwhile are applied again over them). One at a time; a request during one runs after it.
   */
  private async sync (): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true
      return
    }
    this.syncing = true
    try {
      do {
        this.syncAgain = false
        this.recent = new Map()
        const pushes: Array<Promise<unknown>> = []
        for (const [key, change] of this.pending) {
          if (!change.sent) pushes.push(this.push(key, change))
        }
        await Promise.all(pushes)
        await this.restore()
        const now = Date.now()
        const reply = await this.run(BANS, this.bansKeys, [now])
        this.bans.replace(parseBans(reply, now, (err) => this.fail(err, 'reconcile')))
        for (const [key, ban] of this.recent) {
          if (ban === undefined) this.bans.delete(key)
          else this.bans.put(ban)
        }
        this.recent = undefined
        this.reported.clear()
        this.events?.reconciled?.(this.bans.size)
      } while (this.syncAgain)
    } catch (err) {
      this.fail(err, 'reconcile')
    } finally {
      this.syncing = false
      this.recent = undefined
    }
  }

  /**
   * When Redis holds another data set than the one this instance last read (its epoch key is gone or new:
   * restarted without persistence, or another server), stores back the bans this instance holds, in batches,
   * so that a Redis restart does not lift every ban; each instance adds those the others have not stored.
   */
  private async restore (): Promise<void> {
    const keys = [...this.bansKeys, this.epochKey]
    const known = this.epoch ?? ''
    const bans = this.bans.list(Date.now())
    let epoch: unknown
    // At least one call, which also learns the epoch when there is nothing to store.
    for (let i = 0; i === 0 || i < bans.length; i += RESTORE_BATCH) {
      const args: Array<string | number> = [this.channel, known, randomUUID()]
      for (const ban of bans.slice(i, i + RESTORE_BATCH)) args.push(ban.key, ban.until, JSON.stringify(ban))
      epoch = await this.run(RESTORE, keys, args)
      if (typeof epoch !== 'string') throw new TypeError(`restore script: the reply ${String(epoch)} is not an epoch id`)
      if (epoch === known) return
    }
    this.epoch = epoch as string
  }

  /**
   * Sends a change, marked as sent meanwhile so that one that failed is sent again on reconnection. Resolves
   * with the ban Redis issued, or for an unban whether there was one.
   */
  private async push (key: string, change: Change): Promise<Ban | boolean> {
    change.sent = true
    let reply: unknown
    try {
      const banned = change.ban
      reply = banned === undefined
        ? await this.run(UNBAN, this.bansKeys, [this.channel, key])
        : await this.run(BAN, [`${this.prefix}offences:${key}`, ...this.bansKeys], [this.channel, key, banned.request.reason,
          banned.request.mode, banned.request.ttl, banned.request.escalation, banned.request.maxTtl,
          Math.ceil(banned.request.recidive), banned.now])
    } catch (err) {
      change.sent = false
      throw err
    }
    const latest = this.pending.get(key) === change
    if (latest) this.pending.delete(key)
    if (change.ban === undefined) return reply === 1
    const ban = parseMessage(reply)
    if ('unban' in ban) throw new TypeError('ban script: the reply is not a ban')
    if (latest) this.apply(ban)
    return ban
  }

  /** Notes a change until Redis confirms it; as many as bans are held at most, the oldest dropped first. */
  private remember (key: string, change: Change): void {
    // Deleted first so that the Map's order stays the order of the changes.
    this.pending.delete(key)
    this.pending.set(key, change)
    if (this.pending.size <= this.maxPending) return
    this.pending.delete(this.pending.keys().next().value as string)
    this.fail(new RangeError(`more than ${this.maxPending} bans and unbans wait for Redis: the oldest are dropped`), 'pending')
  }

  /** A ban from Redis into the local table (an ended one is ignored: it must not evict one in force). */
  private apply (ban: Ban): void {
    if (ban.until <= Date.now()) return
    this.bans.put(ban)
    this.recent?.set(ban.key, ban)
  }

  /** EVALSHA; EVAL when the server has lost the script (SCRIPT FLUSH, a failover to a replica that never loaded it). */
  private async run (script: Script, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return await this.client.eval(script.lua, keys.length, ...keys, ...args)
    }
  }

  /** Throws at once unless the connection is up: never queue behind a dead one (ioredis's offline queue). */
  private checkReady (): void {
    if (this.client.status !== 'ready') throw new Error(`Redis is not ready (connection ${this.client.status})`)
  }

  private fail (err: unknown, step: string): void {
    if (this.reported.has(step)) return
    this.reported.add(step)
    this.events?.error(err, step)
  }
}
