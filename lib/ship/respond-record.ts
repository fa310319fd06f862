import { isIP } from 'node:net'
import type { RequestInfo } from '../request-info.js'
import type { Exceeded } from '../respond/limits.js'
import type { Ban } from '../respond/types.js'
import { ECS_VERSION } from './record.js'

/** What the respond records keep, as the access records do. */
export interface RespondRecordSettings {
  shape: 'ecs' | 'flat'
  serviceName: string
  maskIp: (address: string) => string | undefined
}

/** Builds the objects logged when a ban is issued and when a rate limit goes over. */
export interface RespondRecords {
  ban (ban: Ban, reqId: string | undefined): Record<string, unknown>
  limit (over: Exceeded, info: RequestInfo): Record<string, unknown>
}

/** A source key (IPv4 address, IPv6 `/64`) through the `ip` privacy option. */
function maskKey (key: string, mask: RespondRecordSettings['maskIp']): string | undefined {
  const slash = key.indexOf('/')
  if (slash === -1) return mask(key)
  const masked = mask(key.slice(0, slash))
  return masked === key.slice(0, slash) ? key : masked
}

function sourceOf (address: string | undefined): Record<string, unknown> {
  if (address === undefined) return {}
  const ip = address.split('/')[0]
  return isIP(ip) !== 0 ? { source: { ip } } : { source: { address } }
}

/**
 * One record per ban issued and per rate limit that goes over, beside the access records: ECS
 * `event.kind: event`, `event.type: denied`, `event.action` `ban` or `rate-limit`, details under
 * `request_info.ban` / `request_info.rate_limit`; or flat, under `ban` / `rateLimit`.
 */
export function createRespondRecords (settings: RespondRecordSettings): RespondRecords {
  const { shape, serviceName, maskIp } = settings
  function ecs (action: string, rule: string, address: string | undefined, details: Record<string, unknown>): Record<string, unknown> {
    return {
      ecs: { version: ECS_VERSION },
      event: { kind: 'event', category: ['intrusion_detection'], type: ['denied'], action, dataset: `${serviceName}.respond` },
      service: { name: serviceName },
      rule: { name: rule },
      ...sourceOf(address),
      request_info: details
    }
  }
  return {
    ban (ban, reqId) {
      const source = maskKey(ban.key, maskIp)
      const details = {
        source,
        reason: ban.reason,
        since: new Date(ban.since).toISOString(),
        until: new Date(ban.until).toISOString(),
        offences: ban.offences,
        mode: ban.mode,
        reqId
      }
      return shape === 'flat' ? { serviceName, ban: details } : ecs('ban', ban.reason, source, { ban: details })
    },
    limit (over, info) {
      const limit = over.limit
      const subject = over.key.slice(limit.id.length + 1)
      const masked = limit.key === 'ip' ? maskKey(subject, maskIp) : subject
      const details = {
        id: limit.id,
        key: limit.key,
        subject: masked,
        count: over.count,
        max: limit.max,
        window: limit.window,
        retryAfter: over.retryAfter,
        mode: limit.mode,
        reqId: info.reqId,
        path: info.path
      }
      if (shape === 'flat') return { serviceName, rateLimit: details }
      const { retryAfter, reqId, path, ...rest } = details
      return {
        ...ecs('rate-limit', limit.id, maskIp(info.realIp), { rate_limit: { ...rest, retry_after: retryAfter } }),
        http: { request: { id: reqId } },
        url: { path }
      }
    }
  }
}
