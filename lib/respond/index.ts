import type { FastifyRequest } from 'fastify'
import type { RequestInfo } from '../request-info.js'
import type { Alert } from '../detect/behaviour/index.js'
import { sourceKey } from '../detect/behaviour/source-key.js'
import { exceeded, RateLimits, type Exceeded, type LimitHits } from './limits.js'
import { compileRules, type RuleSet } from './rules.js'
import { readRulesFile, watchRulesFile } from './rules-file.js'
import { openGeo } from './geo.js'
import { parseDuration } from './duration.js'
import { MemoryStore } from './store/memory.js'
import { RedisStore, type RedisConnection } from './store/redis.js'
import type { ResolvedRespondOptions } from './options.js'
import type { Ban, BanRequest, GeoLookup, Mode, RespondStore, Rule, WindowCount } from './types.js'

/** What the respond layer did with a request, and why: `requestInfo.decision`. */
export interface Decision {
  /**
   * `allowed`: an allow rule matched (nothing else was checked); `blocked`: a block rule matched (403);
   * `banned`: the source is banned, or a ban rule matched and banned it (403); `rate-limited`: a rate limit
   * went over (429 with Retry-After); `unavailable`: Redis could not be reached and option
   * `respond.failClosed` is on (503).
   */
  readonly action: 'allowed' | 'blocked' | 'banned' | 'rate-limited' | 'unavailable'
  /** True when it was only recorded (mode `monitor`): the request went on. */
  readonly monitor: boolean
  /** What decided: a rule, a rate limit, a ban, or the store being away. */
  readonly by: 'rule' | 'limit' | 'ban' | 'store'
  /** The rule id, the rate-limit id, or the ban's reason (a rule id, a behaviour scenario, or the caller's). */
  readonly id: string
  /** Seconds until the client may try again (rate limits). */
  readonly retryAfter?: number
}

/** What the respond layer reports to the plugin, which counts and records it. */
export interface ResponderEvents {
  /** A rate limit went over: `over.first` for the request that crossed it. */
  limited (over: Exceeded, info: RequestInfo): void
  /** A ban was issued by a rule, a behaviour alert or a call of `ban()`. */
  banned (ban: Ban, reqId: string | undefined): void
  /** Redis failed; `log` is false for repeats within 10 s of the same step (they are still counted). */
  storeError (err: unknown, step: string, log: boolean): void
  /** The shared store is back and the local bans were reconciled with it. */
  reconciled (bans: number): void
  /** The rules file was read again (`err` undefined) or failed to load (the rules in force stay). */
  rulesReloaded (rules: number, err: Error | undefined): void
}

/** Options of a ban issued from code. */
export interface BanOptions {
  /** ms or a duration such as `'1h'`; default option `respond.ban.ttl` (escalated for repeat offenders). */
  ttl?: number | string
  /** @default 'manual' */
  reason?: string
  /** @default option `respond.ban.mode` */
  mode?: Mode
}

type Maybe<T> = T | Promise<T>

// Store failures of one step are logged at most this often; every one is counted.
const LOG_EVERY_MS = 10_000

/** The respond layer: rules, rate limits and bans, on one store. */
export class Responder {
  private rules: RuleSet
  private readonly limits: RateLimits
  private readonly store: RespondStore
  // Rate limits are counted here while Redis is away (fail open).
  private readonly local: MemoryStore | undefined
  private readonly geo: GeoLookup | undefined
  private fileRules: Rule[] = []
  private readonly watcher: { close (): void } | undefined
  private readonly logged = new Map<string, number>()

  constructor (private readonly settings: ResolvedRespondOptions, private readonly events: ResponderEvents) {
    const geoip = settings.geoip
    this.geo = geoip.country !== undefined || geoip.asn !== undefined ? openGeo(geoip) : undefined
    if (settings.rulesFile !== undefined) this.fileRules = readRulesFile(settings.rulesFile)
    this.rules = this.compile()
    this.limits = new RateLimits(settings.rateLimits)
    const bounds = { maxWindows: settings.maxEntries, maxBans: settings.maxEntries }
    const redis = settings.redis
    if (redis === undefined) {
      this.store = new MemoryStore(bounds)
    } else {
      this.local = new MemoryStore(bounds)
      // The option is typed by the few members registration checks; an ioredis client has the rest.
      this.store = new RedisStore(redis.client as unknown as RedisConnection, {
        maxBans: settings.maxEntries,
        prefix: redis.prefix,
        timeout: redis.timeout,
        events: {
          error: (err, step) => this.storeError(err, step),
          reconciled: (bans) => events.reconciled(bans)
        }
      })
    }
    if (settings.rulesFile !== undefined) {
      this.watcher = watchRulesFile(settings.rulesFile, (rules) => {
        const before = this.fileRules
        this.fileRules = rules
        try {
          this.rules = this.compile()
          events.rulesReloaded(this.rules.size, undefined)
        } catch (err) {
          this.fileRules = before
          events.rulesReloaded(this.rules.size, err as Error)
        }
      }, (err) => events.rulesReloaded(this.rules.size, err))
    }
  }

  /** Whether `checkLate` has anything to do: rules reading threats, or limits keyed by user. */
  get needsLate (): boolean {
    return this.rules.usesThreats || this.limits.hasLate
  }

  /** onRequest: allow rules, the source's ban, block and ban rules, rate limits keyed by client or route. */
  check (request: FastifyRequest, info: RequestInfo): Maybe<Decision | undefined> {
    const rules = this.rules
    const allowed = rules.allow(info)
    if (allowed !== undefined) return { action: 'allowed', monitor: false, by: 'rule', id: allowed.id }
    const now = Date.now()
    const key = sourceKey(info.realIp)
    let decision: Decision | undefined
    const ban = this.store.banned(key, now)
    if (ban !== undefined) {
      decision = { action: 'banned', monitor: ban.mode === 'monitor', by: 'ban', id: ban.reason }
      if (!decision.monitor) return decision
    }
    decision = this.deny(rules, info, key, ban !== undefined, decision)
    if (decision !== undefined && !decision.monitor) return decision
    const hits = this.limits.early(info, key, request)
    return hits === undefined ? decision : this.limit(hits, info, now, decision)
  }

  /**
   * preHandler: block and ban rules again when the body added findings and some rule reads threats; rate
   * limits keyed by user, now that the application has had its hooks to set `requestInfo.user`.
   */
  checkLate (info: RequestInfo, threatsAdded: boolean, early: Decision | undefined): Maybe<Decision | undefined> {
    if (early?.action === 'allowed') return early
    let decision = early
    if (threatsAdded && this.rules.usesThreats) {
      const key = sourceKey(info.realIp)
      decision = this.deny(this.rules, info, key, this.store.banned(key, Date.now()) !== undefined, decision)
      if (decision !== undefined && !decision.monitor) return decision
    }
    const hits = this.limits.late(info)
    return hits === undefined ? decision : this.limit(hits, info, Date.now(), decision)
  }

  /** A behaviour alert: bans its source when its scenario is in option `respond.ban.scenarios`. */
  alert (alert: Alert, info: RequestInfo, decision: Decision | undefined): void {
    const ban = this.settings.ban
    if (!ban.scenarios.has(alert.scenario) || decision?.action === 'allowed') return
    if (this.store.banned(alert.source, Date.now()) !== undefined) return
    this.issue(this.banRequest(alert.source, alert.scenario, ban.mode, ban.ttl), info.reqId)
  }

  /** Bans the source of `ip` (its IPv6 /64) from code. */
  async ban (ip: string, options: BanOptions = {}): Promise<Ban> {
    const ttl = options.ttl === undefined ? this.settings.ban.ttl : parseDuration(options.ttl, 'ban() option ttl')
    if (ttl <= 0) throw new RangeError('ban() option ttl must be more than 0')
    if (options.mode !== undefined && options.mode !== 'monitor' && options.mode !== 'block') throw new TypeError("ban() option mode must be 'monitor' or 'block'")
    const ban = await this.store.ban(this.banRequest(sourceKey(ip), options.reason ?? 'manual', options.mode ?? this.settings.ban.mode, ttl), Date.now())
    this.events.banned(ban, undefined)
    return ban
  }

  unban (ip: string): Promise<boolean> {
    return this.store.unban(sourceKey(ip))
  }

  bans (): Ban[] {
    return this.store.list(Date.now())
  }

  async close (): Promise<void> {
    this.watcher?.close()
    await this.store.close()
  }

  private compile (): RuleSet {
    return compileRules([...this.settings.rules, ...this.fileRules], { mode: this.settings.mode, banTtl: this.settings.ban.ttl, geo: this.geo })
  }

  /** Block and ban rules; a ban rule bans the source unless a ban is in force already. */
  private deny (rules: RuleSet, info: RequestInfo, key: string, bannedAlready: boolean, decision: Decision | undefined): Decision | undefined {
    const rule = rules.deny(info)
    if (rule === undefined) return decision
    if (rule.action === 'ban' && !bannedAlready) this.issue(this.banRequest(key, rule.id, rule.mode, rule.ttl), info.reqId)
    const denied: Decision = { action: rule.action === 'ban' ? 'banned' : 'blocked', monitor: rule.mode === 'monitor', by: 'rule', id: rule.id }
    return decision === undefined || !denied.monitor ? denied : decision
  }

  private limit (hits: LimitHits, info: RequestInfo, now: number, decision: Decision | undefined): Maybe<Decision | undefined> {
    let counts: Maybe<readonly WindowCount[]>
    try {
      counts = this.store.hit(hits.hits, now)
    } catch (err) {
      counts = Promise.reject(err)
    }
    if (!(counts instanceof Promise)) return this.judge(hits, counts, info, now, decision)
    return counts.then(
      (shared) => this.judge(hits, shared, info, now, decision),
      (err: unknown) => {
        this.storeError(err, 'counting rate limits')
        if (this.settings.failClosed) return { action: 'unavailable', monitor: false, by: 'store', id: 'redis' } satisfies Decision
        return this.judge(hits, this.local!.hit(hits.hits, now), info, now, decision)
      })
  }

  private judge (hits: LimitHits, counts: readonly WindowCount[], info: RequestInfo, now: number, decision: Decision | undefined): Decision | undefined {
    const over = exceeded(hits, counts, now)
    if (over === undefined) return decision
    if (over.first) this.events.limited(over, info)
    const limited: Decision = { action: 'rate-limited', monitor: over.limit.mode === 'monitor', by: 'limit', id: over.limit.id, retryAfter: over.retryAfter }
    return decision === undefined || !limited.monitor ? limited : decision
  }

  private banRequest (key: string, reason: string, mode: Mode, ttl: number): BanRequest {
    const { escalation, maxTtl, recidive } = this.settings.ban
    return { key, reason, mode, ttl, escalation, maxTtl: Math.max(maxTtl, ttl), recidive }
  }

  private issue (request: BanRequest, reqId: string): void {
    this.store.ban(request, Date.now()).then(
      (ban) => this.events.banned(ban, reqId),
      (err: unknown) => this.storeError(err, 'issuing a ban'))
  }

  private storeError (err: unknown, step: string): void {
    const now = Date.now()
    const last = this.logged.get(step)
    const log = last === undefined || now - last >= LOG_EVERY_MS
    if (log) this.logged.set(step, now)
    this.events.storeError(err, step, log)
  }
}
