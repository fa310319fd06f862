import { isIP } from 'node:net'
import type { RequestInfo } from '../request-info.js'
import type { UserAgentInfo } from '../fingerprint/user-agent.js'
import type { Threat } from '../detect/types.js'
import { bool, num, obj, optionalObj, quote, raw, str, strings } from './json.js'

/** ECS version the `ecs` record shape follows. */
export const ECS_VERSION = '9.4.0'

/** Marker ending every value that was cut to `maxValueLength`. */
export const TRUNCATED = '…[truncated]'

/** Settings that decide what a record keeps. */
export interface RecordSettings {
  serviceName: string
  maskIp: (address: string) => string | undefined
  maxValueLength: number
  logQuery: boolean
  /** Called when an application field cannot be serialised (a cycle, a BigInt); the field is replaced. */
  onFieldError: (err: unknown, info: RequestInfo) => void
}

/**
 * Turns a requestInfo into the members of the record's JSON object, without the enclosing braces, so
 * the writer can append them to the logger's own line prefix.
 */
export type RecordBuilder = (info: RequestInfo) => string

const UNSERIALISABLE = '"[unserialisable]"'

function cut (value: string | undefined, max: number): string | undefined {
  return value === undefined || value.length <= max ? value : value.slice(0, max) + TRUNCATED
}

function masked (ips: readonly string[], mask: RecordSettings['maskIp']): string[] | undefined {
  if (ips.length === 0) return undefined
  const out: string[] = []
  for (let i = 0; i < ips.length; i++) {
    const address = mask(ips[i])
    if (address !== undefined) out.push(address)
  }
  return out
}

function customJson (info: RequestInfo, settings: RecordSettings): string | undefined {
  for (const key in info.custom) {
    if (!Object.hasOwn(info.custom, key)) continue
    try {
      return JSON.stringify(info.custom)
    } catch (err) {
      settings.onFieldError(err, info)
      return UNSERIALISABLE
    }
  }
  return undefined
}

/** `threats` as a JSON array; undefined when there are none. */
function threatsJson (threats: readonly Threat[], max: number): string | undefined {
  if (threats.length === 0) return undefined
  let list = ''
  for (let i = 0; i < threats.length; i++) {
    const t = threats[i]
    list += (i === 0 ? '{"kind":' : ',{"kind":') + quote(t.kind) + str('rule', t.rule) + str('where', cut(t.where, max)) +
      str('excerpt', cut(t.excerpt, max)) + num('score', t.score) + '}'
  }
  return '[' + list + ']'
}

/** `decision` as a JSON object (`retryAfter` named as the shape names fields); undefined when nothing was decided. */
function decisionJson (info: RequestInfo, retryAfter: string): string | undefined {
  const d = info.decision
  if (d === undefined) return undefined
  return '{"action":' + quote(d.action) + bool('monitor', d.monitor) + str('by', d.by) + str('id', d.id) + num(retryAfter, d.retryAfter) + '}'
}

function userJson (info: RequestInfo): string | undefined {
  const user = info.user
  return user === undefined ? undefined : JSON.stringify(typeof user === 'number' ? user : String(user))
}

function uaiMembers (uai: UserAgentInfo): string {
  return optionalObj('browser', str('name', uai.browser.name) + str('version', uai.browser.version) + str('major', uai.browser.major)) +
    optionalObj('engine', str('name', uai.engine.name) + str('version', uai.engine.version)) +
    optionalObj('os', str('name', uai.os.name) + str('version', uai.os.version)) +
    optionalObj('device', str('vendor', uai.device.vendor) + str('model', uai.device.model) + str('type', uai.device.type)) +
    optionalObj('cpu', str('architecture', uai.cpu.architecture))
}

/**
 * Parsed User-Agents are shared by every request with the same User-Agent (see user-agent.ts), so their
 * serialised form is kept beside them rather than rebuilt per request.
 */
function fragmentCache (build: (ua: string, uai: UserAgentInfo) => string): (ua: string, uai: UserAgentInfo) => string {
  const cache = new WeakMap<UserAgentInfo, string>()
  return (ua, uai) => {
    let fragment = cache.get(uai)
    if (fragment === undefined) {
      fragment = build(ua, uai)
      cache.set(uai, fragment)
    }
    return fragment
  }
}

/** The `flat` shape: requestInfo's own names at the top level. */
export function createFlatRecord (settings: RecordSettings): RecordBuilder {
  const { maskIp, maxValueLength: max, logQuery } = settings
  const head = '"serviceName":' + quote(settings.serviceName)
  const userAgent = fragmentCache((ua, uai) => str('ua', cut(ua, max)) + optionalObj('uai', uaiMembers(uai)))
  return function flatRecord (info) {
    const ua = info.ua === undefined ? '' : info.uai === undefined ? str('ua', cut(info.ua, max)) : userAgent(info.ua, info.uai)
    return head +
      str('ip', maskIp(info.ip)) + str('realIp', maskIp(info.realIp)) + strings('ips', masked(info.ips, maskIp)) +
      str('reqId', info.reqId) + str('method', cut(info.method, max)) + str('path', cut(info.path, max)) +
      (logQuery ? str('query', cut(info.query, max)) : '') +
      str('host', cut(info.host, max)) + str('referer', cut(info.referer, max)) +
      ua + str('uah', info.uah) +
      str('ssl', cut(info.ssl, max)) + str('sslh', info.sslh) + str('ja4', info.ja4) + str('h2', cut(info.h2, max)) +
      str('fingerprintSource', info.fingerprintSource) +
      str('sni', cut(info.sni, max)) + str('alpn', cut(info.alpn, max)) + str('tlsVersion', info.tlsVersion) +
      str('ac', cut(info.ac, max)) + str('ach', info.ach) + str('ho', cut(info.ho, max)) + str('hoh', info.hoh) +
      raw('threats', threatsJson(info.threats, max)) + (info.threatScore > 0 ? num('threatScore', info.threatScore) : '') +
      raw('decision', decisionJson(info, 'retryAfter')) +
      num('status', info.status) + num('responseTime', info.responseTime) + (info.aborted ? bool('aborted', true) : '') +
      raw('user', userJson(info)) + bool('mfa', info.mfa) + bool('captcha', info.captcha) + raw('custom', customJson(info, settings))
  }
}

/** ECS `tls.*`: the client's fingerprints, and the connection's SNI, ALPN and version when this server terminated it. */
function tls (info: RequestInfo, max: number): string {
  if (info.sslh === undefined && info.ja4 === undefined && info.sni === undefined && info.tlsVersion === undefined && info.alpn === undefined) return ''
  return optionalObj('tls',
    optionalObj('client', str('ja3', info.sslh) + str('ja4', info.ja4) + str('server_name', cut(info.sni, max))) +
    str('next_protocol', cut(info.alpn, max)) +
    (info.tlsVersion === undefined ? '' : str('version', info.tlsVersion) + str('version_protocol', 'tls')))
}

/** The domain of a Host header: `example.com:3000` → `example.com`, `[::1]:3000` → `::1` (ECS `url.domain`). */
export function domainOf (host: string): string {
  if (host.charCodeAt(0) === 91) { // '[' IPv6 literal, as in [::1]:3000
    const end = host.indexOf(']')
    return end === -1 ? host : host.slice(1, end)
  }
  const colon = host.indexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}

function outcome (status: number | undefined): string {
  if (status === undefined) return 'unknown'
  return status < 400 ? 'success' : 'failure'
}

/**
 * The `ecs` shape: nested objects (Logstash keeps dotted keys as literal names), ECS fields where ECS has
 * them, everything else under `request_info`. Mapping: reference/fastify-and-elk.md and README.
 */
export function createEcsRecord (settings: RecordSettings): RecordBuilder {
  const { maskIp, maxValueLength: max, logQuery } = settings
  // Everything up to event.outcome is the same in every record.
  const head = '"ecs":{"version":"' + ECS_VERSION + '"},"event":{"kind":"event","category":["web"],"type":["access"],"dataset":' +
    quote(`${settings.serviceName}.access`) + ',"outcome":'
  const service = obj('service', 'name', settings.serviceName)
  const userAgent = fragmentCache((ua, uai) => {
    const os = obj('os', 'name', uai.os.name, str('version', uai.os.version) +
      str('full', uai.os.version === undefined ? uai.os.name : `${uai.os.name} ${uai.os.version}`))
    return obj('user_agent', 'original', cut(ua, max), str('name', uai.browser.name) + str('version', uai.browser.version) +
      os + obj('device', 'name', uai.device.model))
  })
  const uaiRest = fragmentCache((_ua, uai) => optionalObj('uai',
    optionalObj('engine', str('name', uai.engine.name) + str('version', uai.engine.version)) +
    optionalObj('device', str('vendor', uai.device.vendor) + str('model', uai.device.model) + str('type', uai.device.type)) +
    optionalObj('cpu', str('architecture', uai.cpu.architecture))))

  return function ecsRecord (info) {
    const realIp = maskIp(info.realIp)
    // A masked (hmac) or unparsable address is not an IP: ECS `source.address` is a keyword.
    const realIpIsIp = realIp !== undefined && isIP(realIp) !== 0
    const peer = info.ips.length > 1 ? maskIp(info.ip) : undefined
    const { ua, uai, host, status } = info
    const duration = info.responseTime === undefined ? undefined : Math.round(info.responseTime * 1e6)
    return head + quote(outcome(status)) + num('duration', duration) + '}' +
      service +
      (realIpIsIp ? obj('source', 'ip', realIp) + obj('client', 'ip', realIp) : obj('source', 'address', realIp)) +
      (peer !== undefined && isIP(peer) !== 0 ? obj('network', 'forwarded_ip', peer) : '') +
      ',"http":{"request":{"method":' + quote(cut(info.method, max) as string) + str('id', info.reqId) +
        str('referrer', cut(info.referer, max)) + '}' + (status === undefined ? '' : ',"response":{"status_code":' + status + '}') + '}' +
      obj('url', 'path', cut(info.path, max), (logQuery ? str('query', cut(info.query, max)) : '') +
        str('domain', host === undefined ? undefined : cut(domainOf(host), max))) +
      (ua === undefined ? '' : uai === undefined ? obj('user_agent', 'original', cut(ua, max)) : userAgent(ua, uai)) +
      tls(info, max) +
      obj('user', 'id', info.user === undefined ? undefined : String(info.user)) +
      obj('request_info', 'ho', cut(info.ho, max), str('hoh', info.hoh) +
        str('ip', peer) + strings('ips', masked(info.ips, maskIp)) + str('uah', info.uah) +
        (ua === undefined || uai === undefined ? '' : uaiRest(ua, uai)) +
        str('ac', cut(info.ac, max)) + str('ach', info.ach) +
        str('ssl', cut(info.ssl, max)) + str('h2', cut(info.h2, max)) + str('fingerprint_source', info.fingerprintSource) +
        raw('threats', threatsJson(info.threats, max)) + (info.threatScore > 0 ? num('threat_score', info.threatScore) : '') +
        raw('decision', decisionJson(info, 'retry_after')) +
        (info.aborted ? bool('aborted', true) : '') + bool('mfa', info.mfa) + bool('captcha', info.captcha) +
        raw('custom', customJson(info, settings)))
  }
}
