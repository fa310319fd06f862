import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { RequestInfo } from '../request-info.js'
import type { RequestInfoCounters } from '../counters.js'
import type { Alert } from '../detect/behaviour/index.js'
import { createRespondRecords } from '../ship/respond-record.js'
import { Responder, type BanOptions } from './index.js'
import { enforce } from './reply.js'
import type { ResolvedRespondOptions } from './options.js'
import type { Ban } from './types.js'

// Findings at the onRequest check: more by preHandler means the body added some.
const kThreatsChecked = Symbol('fastify-request-info.threatsChecked')

interface CheckedRequest extends FastifyRequest {
  [kThreatsChecked]: number
}

/** What the respond layer uses of the plugin around it. */
export interface RespondContext {
  logger: FastifyBaseLogger
  counters: RequestInfoCounters
  shape: 'ecs' | 'flat'
  serviceName: string
  maskIp: (address: string) => string | undefined
  /** Hands the access records held to the logger, so that an event record follows the records it is about. */
  flush (): void
  /** Counts and logs a failure; the request goes on. */
  failed (err: unknown, reqId: string | undefined, step: string): void
}

/** The respond layer inside the plugin. */
export interface RespondLayer {
  /** Checks a request whose requestInfo was just built (onRequest); calls `next` or answers the request. */
  check (request: FastifyRequest, info: RequestInfo, reply: FastifyReply, next: HookHandlerDoneFunction): void
  /** A behaviour alert, for bans. */
  alert (alert: Alert, info: RequestInfo): void
  ban (ip: string, options?: BanOptions): Promise<Ban>
  unban (ip: string): Promise<boolean>
  bans (): Ban[]
}

/**
 * Builds the respond layer, throwing for a rules file or database that cannot be read, and adds its own hooks:
 * preHandler (rules on the body's findings, limits keyed by user) and onClose.
 */
export function installRespond (fastify: FastifyInstance, settings: ResolvedRespondOptions, context: RespondContext): RespondLayer {
  const { logger, counters, failed } = context
  const records = createRespondRecords(context)

  /** A record of the respond layer (a ban, a rate limit), after the access records already held. */
  function writeEvent (object: Record<string, unknown>, message: string): void {
    try {
      context.flush()
      logger.warn(object, message)
    } catch (err) {
      failed(err, undefined, `writing the '${message}' record`)
    }
  }

  const responder = new Responder(settings, {
    limited (over, info) {
      counters.limitsExceeded++
      writeEvent(records.limit(over, info), 'rate limit exceeded')
    },
    banned (ban, reqId) {
      counters.bans++
      writeEvent(records.ban(ban, reqId), 'ban issued')
    },
    storeError (err, step, log) {
      counters.storeErrors++
      if (log) logger.warn({ err }, `fastify-request-info: Redis failed ${step}; requests go on ${settings.failClosed ? 'with 503' : 'counted in this process'} until it is back`)
    },
    reconciled (bans) {
      logger.info({ bans }, 'fastify-request-info: Redis reachable; bans reconciled')
    },
    rulesReloaded (rules, err) {
      if (err === undefined) {
        logger.info({ rules }, 'fastify-request-info: rules file reloaded')
      } else {
        counters.rulesReloadsFailed++
        logger.error({ err, rules }, 'fastify-request-info: the rules file failed to load; the rules in force stay')
      }
    }
  })
  const denied = (): void => { counters.denied++ }

  fastify.decorateRequest(kThreatsChecked, 0)
  fastify.addHook('onClose', async function requestInfoRespondOnClose () {
    await responder.close()
  })
  // Once the body's findings are in and the application's own hooks may have set requestInfo.user.
  fastify.addHook('preHandler', function requestInfoPreHandler (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) {
    const info = request.requestInfo
    if (info === null || !responder.needsLate) {
      next()
      return
    }
    let result: ReturnType<Responder['checkLate']>
    try {
      result = responder.checkLate(info, info.threats.length > (request as CheckedRequest)[kThreatsChecked], info.decision)
    } catch (err) {
      failed(err, request.id, 'the respond layer')
      next()
      return
    }
    enforce(result, info, reply, next, denied, (err) => failed(err, request.id, 'the respond layer'))
  })

  return {
    check (request, info, reply, next) {
      let result: ReturnType<Responder['check']>
      try {
        (request as CheckedRequest)[kThreatsChecked] = info.threats.length
        result = responder.check(request, info)
      } catch (err) {
        failed(err, request.id, 'the respond layer')
        next()
        return
      }
      enforce(result, info, reply, next, denied, (err) => failed(err, request.id, 'the respond layer'))
    },
    alert (alert, info) {
      responder.alert(alert, info, info.decision)
    },
    ban: (ip, options) => responder.ban(ip, options),
    unban: (ip) => responder.unban(ip),
    bans: () => responder.bans()
  }
}
