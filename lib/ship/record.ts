import { isIP } from 'node:net'
import type { RequestInfo } from '../request-info.js'

/** ECS version the `ecs` record shape follows. */
export const ECS_VERSION = '9.4.0'

/** Marker ending every value that was cut to `maxValueLength`. */
export const TRUNCATED = '…[truncated]'

/** Settings that decide what a record keeps. */
export interface RecordSettings {
  maskIp: (address: string) => string | undefined
  maxValueLength: number
  logQuery: boolean
}

/** Turns a requestInfo into the object handed to pino. */
export type RecordBuilder = (info: RequestInfo) => Record<string, unknown>

function cut (value: string | undefined, max: number): string | undefined {
  return value === undefined || value.length <= max ? value : value.slice(0, max) + TRUNCATED
}

function maskAll (ips: readonly string[], mask: RecordSettings['maskIp']): string[] | undefined {
  if (ips.length === 0) return undefined
  const out: string[] = []
  for (let i = 0; i < ips.length; i++) {
    const masked = mask(ips[i])
    if (masked !== undefined) out.push(masked)
  }
  return out.length === 0 ? undefined : out
}

function hasKeys (object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true
  return false
}

/** The `flat` shape: requestInfo's own names at the top level. */
export function createFlatRecord (settings: RecordSettings): RecordBuilder {
  const { maskIp, maxValueLength: max, logQuery } = settings
  return function flatRecord (info) {
    return {
      serviceName: info.serviceName,
      ip: maskIp(info.ip),
      realIp: maskIp(info.realIp),
      ips: maskAll(info.ips, maskIp),
      reqId: info.reqId,
      method: cut(info.method, max),
      path: cut(info.path, max),
      query: logQuery ? cut(info.query, max) : undefined,
      host: cut(info.host, max),
      referer: cut(info.referer, max),
      ua: cut(info.ua, max),
      uah: info.uah,
      uai: info.uai,
      ssl: cut(info.ssl, max),
      sslh: info.sslh,
      ja4: info.ja4,
      h2: cut(info.h2, max),
      fingerprintSource: info.fingerprintSource,
      ac: cut(info.ac, max),
      ach: info.ach,
      ho: cut(info.ho, max),
      hoh: info.hoh,
      status: info.status,
      responseTime: info.responseTime,
      aborted: info.aborted || undefined,
      user: info.user,
      mfa: info.mfa,
      captcha: info.captcha,
      custom: hasKeys(info.custom) ? info.custom : undefined
    }
  }
}

function domainOf (host: string): string {
  if (host.charCodeAt(0) === 91) { // '[' IPv6 literal, as in [::1]:3000
    const end = host.indexOf(']')
    return end === -1 ? host : host.slice(1, end)
  }
  const colon = host.indexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}

function outcome (info: RequestInfo): string {
  if (info.status === undefined) return 'unknown'
  return info.status < 400 ? 'success' : 'failure'
}

/**
 * The `ecs` shape: nested objects (Logstash keeps dotted keys as literal names), ECS fields where ECS has
 * them, everything else under `request_info`. Mapping: reference/fastify-and-elk.md and README.
 */
export function createEcsRecord (settings: RecordSettings, serviceName: string): RecordBuilder {
  const { maskIp, maxValueLength: max, logQuery } = settings
  const dataset = `${serviceName}.access`
  return function ecsRecord (info) {
    const realIp = maskIp(info.realIp)
    // A masked (hmac) or unparsable address is not an IP: ECS `source.address` is a keyword.
    const realIpIsIp = realIp !== undefined && isIP(realIp) !== 0
    const peer = info.ips.length > 1 ? maskIp(info.ip) : undefined
    const uai = info.uai
    const host = info.host
    return {
      ecs: { version: ECS_VERSION },
      event: {
        kind: 'event',
        category: ['web'],
        type: ['access'],
        dataset,
        outcome: outcome(info),
        duration: info.responseTime === undefined ? undefined : Math.round(info.responseTime * 1e6)
      },
      service: { name: info.serviceName },
      source: realIp === undefined ? undefined : realIpIsIp ? { ip: realIp } : { address: realIp },
      client: realIpIsIp ? { ip: realIp } : undefined,
      network: peer !== undefined && isIP(peer) !== 0 ? { forwarded_ip: peer } : undefined,
      http: {
        request: { method: cut(info.method, max), id: info.reqId, referrer: cut(info.referer, max) },
        response: info.status === undefined ? undefined : { status_code: info.status }
      },
      url: {
        path: cut(info.path, max),
        query: logQuery ? cut(info.query, max) : undefined,
        domain: host === undefined ? undefined : cut(domainOf(host), max)
      },
      user_agent: info.ua === undefined
        ? undefined
        : {
            original: cut(info.ua, max),
            name: uai?.browser.name,
            version: uai?.browser.version,
            os: uai?.os.name === undefined
              ? undefined
              : { name: uai.os.name, version: uai.os.version, full: uai.os.version === undefined ? uai.os.name : `${uai.os.name} ${uai.os.version}` },
            device: uai?.device.model === undefined ? undefined : { name: uai.device.model }
          },
      tls: info.sslh === undefined && info.ja4 === undefined ? undefined : { client: { ja3: info.sslh, ja4: info.ja4 } },
      user: info.user === undefined ? undefined : { id: String(info.user) },
      request_info: {
        ip: peer,
        ips: maskAll(info.ips, maskIp),
        uah: info.uah,
        uai: uai === undefined ? undefined : { engine: uai.engine, device: uai.device, cpu: uai.cpu },
        ac: cut(info.ac, max),
        ach: info.ach,
        ho: cut(info.ho, max),
        hoh: info.hoh,
        ssl: cut(info.ssl, max),
        h2: cut(info.h2, max),
        fingerprint_source: info.fingerprintSource,
        aborted: info.aborted || undefined,
        mfa: info.mfa,
        captcha: info.captcha,
        custom: hasKeys(info.custom) ? info.custom : undefined
      }
    }
  }
}
