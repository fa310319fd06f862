import type { FastifyReply, HookHandlerDoneFunction } from 'fastify'
import type { RequestInfo } from '../request-info.js'
import type { Decision } from './index.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const STATUS = { blocked: 403, banned: 403, 'rate-limited': 429, unavailable: 503 } as const
const ERROR = { 403: 'Forbidden', 429: 'Too Many Requests', 503: 'Service Unavailable' } as const

/**
 * Carries out a decision in a hook: recorded on requestInfo, then either the hook goes on (`next`) or the
 * request is answered here, in Fastify's error shape, without saying which rule matched: that is for the
 * record, not for the client. A decision still being counted (Redis) is awaited first.
 */
export function enforce (result: Decision | undefined | Promise<Decision | undefined>, info: RequestInfo, reply: FastifyReply,
  next: HookHandlerDoneFunction, onDenied: () => void, onError: (err: unknown) => void): void {
  if (result instanceof Promise) {
    result.then((decision) => apply(decision, info, reply, next, onDenied), (err: unknown) => {
      onError(err)
      next()
    })
  } else {
    apply(result, info, reply, next, onDenied)
  }
}

function apply (decision: Decision | undefined, info: RequestInfo, reply: FastifyReply, next: HookHandlerDoneFunction, onDenied: () => void): void {
  if (decision === undefined) {
    next()
    return
  }
  (info as Mutable<RequestInfo>).decision = decision
  if (decision.monitor || decision.action === 'allowed') {
    next()
    return
  }
  onDenied()
  const status = STATUS[decision.action]
  let message: string = ERROR[status]
  if (decision.retryAfter !== undefined) {
    reply.header('retry-after', String(decision.retryAfter))
    message = `Rate limit exceeded, retry in ${decision.retryAfter} second${decision.retryAfter === 1 ? '' : 's'}`
  }
  reply.code(status).send({ statusCode: status, error: ERROR[status], message })
}
