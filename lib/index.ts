import { performance } from 'node:perf_hooks'
import { Server as TlsServer } from 'node:tls'
import fp from 'fastify-plugin'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { resolveOptions, type RequestInfoOptions as Options, type IpPrivacy as Privacy, type RecordLevel as Level } from './options.js'
import { emptyRequestInfo, fillRequestInfo, type RequestInfo as Info, type RequestInfoContext, type FingerprintSource as Source } from './request-info.js'
import { createCachedHash64, loadHash64 } from './fingerprint/hash.js'
import { createHeaderOrder } from './fingerprint/header-order.js'
import { createUserAgentFingerprinter, type UserAgentInfo as UaInfo } from './fingerprint/user-agent.js'
import { createIpMasker } from './fingerprint/client-ip.js'
import { captureConnections } from './fingerprint/tls/capture.js'
import type { FingerprintHeaderNames as HeaderNames, FingerprintHeaderPreset as Preset } from './fingerprint/proxy-headers.js'
import { createEcsRecord, createFlatRecord, type RecordSettings } from './ship/record.js'
import { createRecordWriter, pinoStream } from './ship/writer.js'
import { COUNTERS_EVENT, type LogstashCounters } from './ship/logstash/counters.js'
import { createCounters, type RequestInfoCounters as Counters } from './counters.js'
import { createDetection, threatScore } from './detect/index.js'
import { createImpersonation, type ClientTraits } from './detect/impersonation/index.js'
import { createBehaviour, type Alert as BehaviourAlert, type Scenario } from './detect/behaviour/index.js'
import type { BehaviourOptions as BehaviourOpts } from './detect/options.js'
import { createAlertRecord } from './ship/alert.js'
import type { DetectOptions as DetectOpts } from './detect/options.js'
import type { Paranoia as Level1to4, Threat as Finding, ThreatKind as Kind } from './detect/types.js'
import type { Decision as RespondDecision, BanOptions as BanFromCode } from './respond/index.js'
import { installRespond } from './respond/plugin.js'
import { installProcessWatch } from './watch/plugin.js'
import type { ProcessWatchOptions as WatchOpts } from './watch/options.js'
import type { AllowEntry as Allowed } from './watch/programs.js'
import type { ProcessRule as WatchRule } from './watch/types.js'
import type { RespondOptions as RespondOpts, RateLimitOptions as RateLimitOpts, BanOptions as BanOpts, RedisOptions as RedisOpts, RedisClient as Client } from './respond/options.js'
import type { Ban as SourceBan, Mode as RespondMode, Rule as RespondRule, RuleMatch as Match, RuleAction as Action } from './respond/types.js'

// Real clients send a few hundred distinct Accept values and header orders; more only evicts older entries.
const HEADER_HASH_CACHE_SIZE = 1024

const NOT_MARKED: readonly Scenario[] = Object.freeze([])
const kRecorded = Symbol('fastify-request-info.recorded')
const kStart = Symbol('fastify-request-info.start')

interface PluginRequest extends FastifyRequest {
  [kRecorded]: boolean
  [kStart]: number
}

/**
 * Registers `request.requestInfo` (built in onRequest) and writes one record per request (in onResponse,
 * or onRequestAbort when the client goes away first, since onResponse then never fires).
 */
function fastifyRequestInfo (fastify: FastifyInstance, options: Options, done: (err?: Error) => void): void {
  let settings: ReturnType<typeof resolveOptions>
  try {
    settings = resolveOptions(options)
  } catch (err) {
    done(err as Error)
    return
  }
  loadHash64().then((hash64) => install(fastify, settings, hash64)).then(() => done(), done)
}

// Servers whose connections are captured already: a second registration must not capture twice.
const capturing = new WeakSet<object>()

/** Installs the plugin; resolves once every part watches (the process watch's poller may take a moment). */
function install (fastify: FastifyInstance, settings: ReturnType<typeof resolveOptions>, hash64: (s: string) => string): Promise<void> {
  const logger: FastifyBaseLogger = settings.logger ?? fastify.log
  if (settings.logger === undefined && fastify.log.level === undefined) {
    process.emitWarning('the Fastify logger is disabled and no logger option was given: no record will be written',
      { code: 'FASTIFY_REQUEST_INFO_NO_LOGGER', type: 'FastifyRequestInfoWarning' })
  }
  const counters = createCounters()
  const fingerprintHeaders = settings.fingerprintHeaders
  const server: unknown = fastify.server
  const tlsServer = server instanceof TlsServer ? server : undefined
  const hello = tlsServer === undefined ? false : settings.tlsCapture
  const h2 = tlsServer === undefined ? false : settings.h2Capture
  const tlsCapture = hello !== false || h2 !== false
  if (tlsServer !== undefined && tlsCapture && !capturing.has(tlsServer)) {
    capturing.add(tlsServer)
    captureConnections(tlsServer, { hello, h2 }, {
      refused (reason) {
        counters.tlsConnectionsRefused++
        logger.debug({ reason }, 'fastify-request-info: TLS connection closed before its ClientHello was complete')
      },
      h2Unread (reason) {
        counters.h2ConnectionsUnread++
        logger.debug({ reason }, 'fastify-request-info: HTTP/2 connection handed on without a fingerprint of its first frames')
      }
    })
  }
  const context: RequestInfoContext = {
    serviceName: settings.serviceName,
    publicPrefix: settings.publicPrefix,
    fingerprintHeaders,
    hash64: createCachedHash64(hash64, HEADER_HASH_CACHE_SIZE),
    headerOrder: createHeaderOrder([...fingerprintHeaders.ja3, ...fingerprintHeaders.ja4, ...fingerprintHeaders.h2]),
    fingerprintUserAgent: createUserAgentFingerprinter(settings.userAgentCacheSize, hash64),
    tlsCapture,
    onIgnoredFingerprint (reason, count) {
      if (reason === 'untrusted') counters.untrustedFingerprintHeaders += count
      else counters.invalidFingerprintHeaders += count
    }
  }
  const { skip, recordLevel } = settings
  const detect = settings.detect
  const detection = detect === false
    ? undefined
    : createDetection({ paranoia: detect.paranoia, disable: detect.disable, bodyLimit: detect.bodyLimit, userAgentCacheSize: settings.userAgentCacheSize })
  const threshold = detect === false ? Infinity : detect.threshold
  const impersonation = detect === false || detect.impersonation === false
    ? undefined
    : createImpersonation({ paranoia: detect.paranoia, disable: detect.disable, learn: detect.impersonation.learn, maxFamilies: detect.impersonation.maxFamilies })
  const behaviour = detect === false || detect.behaviour === false
    ? undefined
    : createBehaviour({ ...detect.behaviour, attackScore: detect.threshold })
  const recordSettings: RecordSettings = {
    serviceName: settings.serviceName,
    maskIp: createIpMasker(settings.ip, settings.ipHmacKey),
    maxValueLength: settings.maxValueLength,
    logQuery: settings.logQuery,
    onFieldError (err, info) {
      failed(err, info.reqId, 'serialising requestInfo.custom (written as "[unserialisable]")')
    }
  }
  const buildRecord = settings.shape === 'ecs' ? createEcsRecord(recordSettings) : createFlatRecord(recordSettings)
  const buildAlert = createAlertRecord({ shape: settings.shape, serviceName: settings.serviceName, maskIp: recordSettings.maskIp, logQuery: settings.logQuery })
  const recordWriter = createRecordWriter(logger, {
    written (count) { counters.records += count },
    failed (err, count) {
      counters.lost += count
      failed(err, undefined, `writing ${count} record(s)`)
    }
  })

  /** Counts and logs a failure inside the plugin; whatever it was doing, the request goes on. */
  function failed (err: unknown, reqId: string | undefined, step: string): void {
    counters.errors++
    try {
      logger.error({ err, reqId }, `fastify-request-info: ${step} failed`)
    } catch {
      // The logger itself is what failed: the counters are all that can be kept.
    }
  }

  const respond = settings.respond === false ? undefined : installRespond(fastify, settings.respond, {
    logger, counters, shape: settings.shape, serviceName: settings.serviceName, maskIp: recordSettings.maskIp,
    flush: () => recordWriter.flush(),
    failed
  })
  const watch = settings.processWatch === false ? undefined : installProcessWatch(fastify, settings.processWatch, {
    logger, counters, shape: settings.shape, serviceName: settings.serviceName, maxValueLength: settings.maxValueLength,
    buildRecord, respond, flush: () => recordWriter.flush(), failed
  })

  /** Builds requestInfo; also called late when an earlier onRequest hook ended the request before ours ran. */
  function build (request: PluginRequest): Info {
    const info = emptyRequestInfo(settings.serviceName, request.id, request.method)
    request.requestInfo = info
    request[kStart] = performance.now()
    try {
      if (skip !== undefined && skip(request)) {
        request[kRecorded] = true
        counters.skipped++
      }
      fillRequestInfo(info, request, context)
      if (detection !== undefined) {
        const threats = detection.request(request)
        const claimed = impersonation === undefined ? undefined : impersonation.check(clientTraits(info, request.raw))
        if (claimed !== undefined) threats.push(claimed)
        info.threats = threats
        info.threatScore = threatScore(threats)
      }
    } catch (err) {
      failed(err, request.id, 'building requestInfo')
    }
    return info
  }

  function record (request: PluginRequest, status: number | undefined, responseTime: number): void {
    request[kRecorded] = true
    const info = request.requestInfo
    info.status = status
    info.responseTime = responseTime
    if (info.threatScore >= threshold) counters.attacks++
    let level: Level = 'info'
    try {
      const chosen = typeof recordLevel === 'function' ? recordLevel(status, info) : recordLevel
      if (typeof logger[chosen] !== 'function') throw new TypeError(`option recordLevel returned ${String(chosen)}, which is not a pino level`)
      level = chosen
    } catch (err) {
      // The record still goes out, at the default level.
      failed(err, request.id, 'option recordLevel')
    }
    try {
      recordWriter.write(level, buildRecord(info), status === undefined ? 'request aborted' : 'request completed')
    } catch (err) {
      failed(err, request.id, 'writing the record')
    }
    if (behaviour !== undefined) observe(request, info)
  }

  /** Counts the finished request in the behaviour windows and writes an alert record for each burst it completes. */
  function observe (request: PluginRequest, info: Info): void {
    try {
      const alerts = behaviour!.observe({
        realIp: info.realIp, host: info.host, method: info.method, url: request.url, status: info.status,
        reqId: info.reqId, time: Date.now(), threats: info.threats, threatScore: info.threatScore
      })
      if (alerts.length === 0) return
      // The alert follows the records it is about.
      recordWriter.flush()
      for (const alert of alerts) {
        counters.alerts++
        logger.warn(buildAlert(alert), 'behaviour alert')
        if (respond !== undefined) respond.alert(alert, info)
      }
    } catch (err) {
      failed(err, request.id, 'the behaviour windows')
    }
  }

  fastify.decorateRequest('requestInfo', null as unknown as Info)
  fastify.decorateRequest(kRecorded, false)
  fastify.decorateRequest(kStart, 0)
  // The Logstash transport reports its counters as an event on the logger's stream, once a second.
  let transport: LogstashCounters | undefined
  const stream = pinoStream(logger) as { on?: (event: string, listener: (counters: LogstashCounters) => void) => void } | undefined
  if (typeof stream?.on === 'function') stream.on(COUNTERS_EVENT, (latest) => { transport = latest })
  const api: fastifyRequestInfo.RequestInfoApi = {
    counters,
    marked (ip: string): readonly Scenario[] {
      return behaviour === undefined ? NOT_MARKED : behaviour.marked(ip)
    },
    get transport () { return transport },
    ban (ip: string, options?: BanFromCode): Promise<SourceBan> {
      return respond === undefined ? Promise.reject(respondOff('ban')) : respond.ban(ip, options)
    },
    unban (ip: string): Promise<boolean> {
      return respond === undefined ? Promise.reject(respondOff('unban')) : respond.unban(ip)
    },
    bans (): SourceBan[] {
      if (respond === undefined) throw respondOff('bans')
      return respond.bans()
    }
  }
  fastify.decorate('requestInfo', Object.freeze(api))

  // Records still held reach the logger before it closes.
  fastify.addHook('onClose', function requestInfoOnClose (_instance, next) {
    recordWriter.flush()
    next()
  })

  fastify.addHook('onRequest', function requestInfoOnRequest (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) {
    const info = build(request as PluginRequest)
    const context = watch?.enter(request, info)
    if (context === undefined) proceed(request, info, reply, next)
    else watch!.run(context, () => proceed(request, info, reply, next))
  })

  function proceed (request: FastifyRequest, info: Info, reply: FastifyReply, next: HookHandlerDoneFunction): void {
    if (respond === undefined) next()
    else respond.check(request, info, reply, next)
  }

  // Bodies are inspected once Fastify has parsed them, before validation and the handler see them.
  if (detection !== undefined && detect !== false && detect.bodyLimit > 0) {
    fastify.addHook('preValidation', function requestInfoPreValidation (request: FastifyRequest, _reply: FastifyReply, next: HookHandlerDoneFunction) {
      const body = request.body
      const info = request.requestInfo
      if (body !== undefined && body !== null && info !== null) {
        try {
          const threats = info.threats.slice()
          if (!detection.body(body, headerString(request.headers['content-type']), threats)) counters.bodiesTruncated++
          if (threats.length !== info.threats.length) {
            info.threats = threats
            info.threatScore = threatScore(threats)
          }
        } catch (err) {
          failed(err, request.id, 'inspecting the body')
        }
      }
      next()
    })
  }

  fastify.addHook('onResponse', function requestInfoOnResponse (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) {
    const r = request as PluginRequest
    // Skipped requests too: the process watch counts every request in flight.
    watch?.finished(r)
    if (r.requestInfo === null) build(r)
    if (!r[kRecorded]) record(r, reply.statusCode, reply.elapsedTime)
    next()
  })

  fastify.addHook('onRequestAbort', function requestInfoOnRequestAbort (request: FastifyRequest, next: HookHandlerDoneFunction) {
    const r = request as PluginRequest
    watch?.finished(r)
    if (r.requestInfo === null) build(r)
    if (!r[kRecorded]) {
      r.requestInfo.aborted = true
      counters.aborted++
      record(r, undefined, performance.now() - r[kStart])
    }
    next()
  })
  return watch === undefined ? Promise.resolve() : watch.ready
}

function respondOff (method: string): Error {
  return new Error(`fastify.requestInfo.${method}() needs option respond`)
}

/**
 * What the request shows of its client, for the impersonation check. The TLS and HTTP/2 fingerprints are the
 * client's own only when a trusted proxy sent them, or when no proxy stands between: else they are the proxy's.
 */
function clientTraits (info: Info, raw: FastifyRequest['raw']): ClientTraits {
  const own = info.fingerprintSource === 'header' || info.ips.length === 0
  return {
    ua: info.ua,
    uai: info.uai,
    rawHeaders: raw.rawHeaders,
    ho: info.ho,
    ac: info.ac,
    ja4: own ? info.ja4 : undefined,
    h2: own ? info.h2 : undefined,
    httpVersion: raw.httpVersion
  }
}

function headerString (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

fp(fastifyRequestInfo, { fastify: '5.x', name: 'fastify-request-info' })

type FastifyRequestInfo = typeof fastifyRequestInfo

declare namespace fastifyRequestInfo {
  export type RequestInfoOptions = Options
  export type RequestInfo = Info
  export type UserAgentInfo = UaInfo
  export type IpPrivacy = Privacy
  export type RecordLevel = Level
  export type FingerprintSource = Source
  export type FingerprintHeaderNames = HeaderNames
  export type FingerprintHeaderPreset = Preset
  export type RequestInfoCounters = Counters
  export type TransportCounters = LogstashCounters
  export type DetectOptions = DetectOpts
  export type Paranoia = Level1to4
  export type Threat = Finding
  export type ThreatKind = Kind
  export type BehaviourOptions = BehaviourOpts
  export type Alert = BehaviourAlert
  export type BehaviourScenario = Scenario
  export type RespondOptions = RespondOpts
  export type RateLimitOptions = RateLimitOpts
  export type BanOptions = BanOpts
  export type RedisOptions = RedisOpts
  export type RedisClient = Client
  export type Decision = RespondDecision
  export type Ban = SourceBan
  export type Mode = RespondMode
  export type Rule = RespondRule
  export type RuleMatch = Match
  export type RuleAction = Action
  export type ProcessWatchOptions = WatchOpts
  export type AllowEntry = Allowed
  export type ProcessRule = WatchRule
  /** Options of `fastify.requestInfo.ban()`. */
  export type BanFromCodeOptions = BanFromCode
  /**
   * The application's own requestInfo fields, written to the record under `custom`. Extend it:
   * `declare module 'fastify-request-info' { interface RequestInfoCustom { tenant?: string } }`
   */
  export interface RequestInfoCustom {}
  /** The plugin's instance API, `fastify.requestInfo`. */
  export interface RequestInfoApi {
    /** Running totals since the plugin registered. */
    readonly counters: Readonly<RequestInfoCounters>
    /**
     * The Logstash transport's counters as last reported (once a second), when the logger ships through
     * `fastify-request-info/logstash` or `createLogstashStream()`; undefined otherwise.
     */
    readonly transport: Readonly<TransportCounters> | undefined
    /**
     * Behaviour scenarios that alerted for this client address (its IPv6 /64) and whose mark is still in force
     * (option `detect.behaviour.markMs`, 4 h); empty when none, or when the behaviour windows are off.
     */
    marked (ip: string): readonly BehaviourScenario[]
    /**
     * Bans the client address `ip` (IPv6: its /64) for `ttl` (default option `respond.ban.ttl`, escalated for
     * repeat offenders), on every instance sharing the Redis of option `respond.redis`. Needs option `respond`.
     */
    ban (ip: string, options?: BanFromCodeOptions): Promise<Ban>
    /** Lifts the ban on `ip`'s source; resolves to true when there was one. Needs option `respond`. */
    unban (ip: string): Promise<boolean>
    /** Bans in force, as this instance holds them. Needs option `respond`. */
    bans (): Ban[]
  }
  export const fastifyRequestInfo: FastifyRequestInfo
  export { fastifyRequestInfo as default }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Fingerprint and record of this request, built in onRequest by fastify-request-info. */
    requestInfo: fastifyRequestInfo.RequestInfo
  }
  interface FastifyInstance {
    /** fastify-request-info's instance API. */
    requestInfo: fastifyRequestInfo.RequestInfoApi
  }
}

export = fastifyRequestInfo
