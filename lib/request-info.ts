import type { FastifyRequest } from 'fastify'
import type { RequestInfoCustom } from './index.js'
import type { UserAgentInfo, FingerprintUserAgent } from './fingerprint/user-agent.js'
import type { HeaderOrder } from './fingerprint/header-order.js'
import type { Hash64 } from './fingerprint/hash.js'
import { clientAddresses } from './fingerprint/client-ip.js'
import { hasFingerprintHeader, readFingerprintHeaders } from './fingerprint/proxy-headers.js'
import { tlsConnectionOf } from './fingerprint/tls/capture.js'
import { pseudoHeaderOrder } from './fingerprint/http2.js'
import type { Threat } from './detect/types.js'
import type { Decision } from './respond/index.js'

/** Where the TLS / HTTP/2 fingerprints of a request came from. */
export type FingerprintSource = 'header' | 'socket'

/** Everything the plugin knows about one request: `request.requestInfo`. */
export interface RequestInfo {
  /** Service that produced the record (option `serviceName`). */
  readonly serviceName: string
  /** Socket peer address: usually the load balancer. Always the full address. */
  readonly ip: string
  /** Client address as Fastify's `trustProxy` resolves it (the peer when no trusted proxy forwarded). */
  readonly realIp: string
  /** Forwarded chain, closest first (the peer first), when a trusted proxy forwarded the request; else empty. */
  readonly ips: readonly string[]
  /** Fastify's request id. */
  readonly reqId: string
  /** HTTP method as sent. */
  readonly method: string
  /** Request path without the query string, prefixed with option `publicPrefix`. */
  readonly path: string
  /** Query string without the leading `?`; written to the record only with option `logQuery`. */
  readonly query: string | undefined
  /** Host as Fastify resolves it (X-Forwarded-Host only from a trusted proxy). */
  readonly host: string | undefined
  /** Referer header. */
  readonly referer: string | undefined
  /** User-Agent header. */
  readonly ua: string | undefined
  /** xxhash64 of the User-Agent, 16 lowercase hex digits. */
  readonly uah: string | undefined
  /** Parsed User-Agent (browser, engine, os, device, cpu). */
  readonly uai: UserAgentInfo | undefined
  /** JA3 string of the TLS ClientHello, when known. */
  readonly ssl: string | undefined
  /** JA3 fingerprint: MD5 of the JA3 string, as public JA3 lists use. */
  readonly sslh: string | undefined
  /** JA4 TLS client fingerprint, when known. */
  readonly ja4: string | undefined
  /**
   * HTTP/2 client fingerprint in the Akamai format `S|WU|P|PS`, when known. For an HTTP/2 request without a
   * proxy's header and without option `h2Capture`, only its `PS` part: the pseudo-header order, e.g. `m,a,s,p`.
   */
  readonly h2: string | undefined
  /** Where `ssl`, `sslh`, `ja4` and `h2` came from, when any is known. */
  readonly fingerprintSource: FingerprintSource | undefined
  /** SNI host name the client sent, when this server terminated its TLS connection. */
  readonly sni: string | undefined
  /** ALPN protocol agreed on the client's TLS connection (`h2`, `http/1.1`), when this server terminated it. */
  readonly alpn: string | undefined
  /** TLS version agreed on the client's connection (`1.3`, `1.2`), when this server terminated it. */
  readonly tlsVersion: string | undefined
  /** Accept header. */
  readonly ac: string | undefined
  /** xxhash64 of the Accept header. */
  readonly ach: string | undefined
  /** Header order: one letter per header in wire order (table in README, version 1). */
  readonly ho: string
  /** xxhash64 of the header order. */
  readonly hoh: string
  /** Attack findings in the request (README, "Detection"); empty when none, or when option `detect` is off. */
  threats: readonly Threat[]
  /** Sum of the findings' scores; option `detect.threshold` (5) or more makes the request an attack. */
  threatScore: number
  /**
   * What the respond layer did and why (option `respond`): an allow rule, a block or ban rule, a ban in force,
   * a rate limit; `monitor: true` when it was only recorded. Undefined when nothing applied.
   */
  readonly decision: Decision | undefined
  /** Response status code, set on response. */
  status: number | undefined
  /** Response time in milliseconds, set on response. */
  responseTime: number | undefined
  /** True when the client went away before a response was sent. */
  aborted: boolean
  /** Authenticated user (id or name), set by the application. */
  user: string | number | undefined
  /** True when the user passed a second factor, set by the application. */
  mfa: boolean | undefined
  /** True when the client passed a captcha, set by the application. */
  captcha: boolean | undefined
  /** Fields of the application's own, typed through declaration merging of `RequestInfoCustom`. */
  custom: RequestInfoCustom
}

/** What buildRequestInfo needs besides the request: the plugin's resolved settings and helpers. */
export interface RequestInfoContext {
  serviceName: string
  publicPrefix: string
  fingerprintHeaders: { ja3: string[], ja4: string[], h2: string[] }
  /** xxhash64 of repeated header values (Accept, header order), cached by value. */
  hash64: Hash64
  headerOrder: HeaderOrder
  fingerprintUserAgent: FingerprintUserAgent
  /** Whether this server's TLS connections are captured (ClientHellos, HTTP/2 frames or both). */
  tlsCapture: boolean
  /** Called for each fingerprint header that was ignored: sent by an untrusted peer, or malformed. */
  onIgnoredFingerprint: (reason: 'untrusted' | 'invalid', count: number) => void
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const NO_THREATS: readonly Threat[] = Object.freeze([])

/** A requestInfo with every field present, so all of them share one hidden class. */
export function emptyRequestInfo (serviceName: string, reqId: string, method: string): RequestInfo {
  return {
    serviceName, ip: '', realIp: '', ips: [], reqId, method, path: '', query: undefined, host: undefined,
    referer: undefined, ua: undefined, uah: undefined, uai: undefined, ssl: undefined, sslh: undefined,
    ja4: undefined, h2: undefined, fingerprintSource: undefined, sni: undefined, alpn: undefined, tlsVersion: undefined, ac: undefined, ach: undefined, ho: '', hoh: '', threats: NO_THREATS, threatScore: 0,
    decision: undefined, status: undefined, responseTime: undefined, aborted: false, user: undefined, mfa: undefined,
    captcha: undefined, custom: {}
  }
}

function headerValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * Fills `info` from the request. Fields are filled in order, so if a step throws the earlier ones remain.
 * Pure apart from the counters reported through `onIgnoredFingerprint`.
 */
export function fillRequestInfo (target: RequestInfo, request: FastifyRequest, context: RequestInfoContext): void {
  const info = target as Mutable<RequestInfo>
  const headers = request.headers
  const url = request.url
  const q = url.indexOf('?')
  info.path = context.publicPrefix + (q === -1 ? url : url.slice(0, q))
  info.query = q === -1 ? undefined : url.slice(q + 1)
  info.host = request.host || undefined
  info.referer = headerValue(headers.referer)

  const ua = headerValue(headers['user-agent'])
  if (ua !== undefined) {
    const fingerprint = context.fingerprintUserAgent(ua)
    info.ua = ua
    info.uah = fingerprint.uah
    info.uai = fingerprint.uai
  }
  const ac = headerValue(headers.accept)
  if (ac !== undefined) {
    info.ac = ac
    info.ach = context.hash64(ac)
  }
  info.ho = context.headerOrder(request.raw.rawHeaders)
  info.hoh = context.hash64(info.ho)

  const names = context.fingerprintHeaders
  const wantsHeaders = names.ja3.length + names.ja4.length + names.h2.length > 0 && hasFingerprintHeader(headers, names)
  const addresses = clientAddresses(request, wantsHeaders)
  info.ip = addresses.ip
  info.realIp = addresses.realIp
  info.ips = addresses.ips
  if (wantsHeaders && !addresses.peerTrusted) context.onIgnoredFingerprint('untrusted', 1)
  else if (wantsHeaders) {
    const fingerprints = readFingerprintHeaders(headers, names)
    if (fingerprints.invalid > 0) context.onIgnoredFingerprint('invalid', fingerprints.invalid)
    info.ssl = fingerprints.ssl
    info.sslh = fingerprints.sslh
    info.ja4 = fingerprints.ja4
    info.h2 = fingerprints.h2
    if (info.sslh !== undefined || info.ja4 !== undefined || info.h2 !== undefined) info.fingerprintSource = 'header'
  }
  if (info.fingerprintSource === undefined) fillFromConnection(info, request, context.tlsCapture)
}

/** Fingerprints from the client's own connection to this server, when no trusted proxy gave them. */
function fillFromConnection (info: Mutable<RequestInfo>, request: FastifyRequest, tlsCapture: boolean): void {
  const raw = request.raw
  const connection = tlsCapture ? tlsConnectionOf(raw) : undefined
  if (connection !== undefined) {
    info.ssl = connection.ssl
    info.sslh = connection.sslh
    info.ja4 = connection.ja4
    info.sni = connection.sni
    info.alpn = connection.alpn
    info.tlsVersion = connection.tlsVersion
  }
  if (raw.httpVersionMajor === 2) {
    const order = pseudoHeaderOrder(raw.rawHeaders)
    info.h2 = connection?.h2 === undefined ? order : `${connection.h2}|${order}`
  }
  if (info.sslh !== undefined || info.ja4 !== undefined || info.h2 !== undefined) info.fingerprintSource = 'socket'
}
