import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { RequestInfo } from './request-info.js'
import { FINGERPRINT_HEADER_PRESETS, type FingerprintHeaderNames, type FingerprintHeaderPreset } from './fingerprint/proxy-headers.js'
import { resolveDetectOptions, type DetectOptions, type ResolvedDetectOptions } from './detect/options.js'
import { resolveRespondOptions, type RespondOptions, type ResolvedRespondOptions } from './respond/options.js'
import { resolveProcessWatchOptions, type ProcessWatchOptions, type ResolvedProcessWatchOptions } from './watch/options.js'

/** pino level names a record can be written at. */
export type RecordLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/** What the record keeps of an IP address; blocking and rate limiting always see the full address. */
export type IpPrivacy = 'full' | 'truncate' | 'hmac' | 'none'

/** Options of the fastify-request-info plugin. */
export interface RequestInfoOptions {
  /**
   * Name of the service that produced the record (`requestInfo.serviceName`, ECS `service.name`).
   * @default 'fastify'
   */
  serviceName?: string
  /**
   * Public path prefix under which a load balancer exposes this service; prepended to `path`.
   * @default ''
   */
  publicPrefix?: string
  /**
   * Headers through which a trusted proxy or CDN forwards TLS and HTTP/2 fingerprints: a preset name,
   * several presets, or header names of your own. Believed only when the socket peer is trusted by
   * Fastify's `trustProxy`; otherwise ignored and counted.
   * @default [] (no fingerprint headers are read)
   */
  fingerprintHeaders?: FingerprintHeaderPreset | FingerprintHeaderNames | Array<FingerprintHeaderPreset | FingerprintHeaderNames>
  /**
   * Shape of the record: `ecs` nests Elastic Common Schema objects (custom fields under `request_info`);
   * `flat` uses the requestInfo field names at the top level.
   * @default 'ecs'
   */
  shape?: 'ecs' | 'flat'
  /**
   * Logger the records are written to.
   * @default the Fastify instance's logger (`fastify.log`)
   */
  logger?: FastifyBaseLogger
  /**
   * Level of each record: a level name, or a function of the status code (`undefined` when the client
   * aborted) and the requestInfo.
   * @default 'info'
   */
  recordLevel?: RecordLevel | ((status: number | undefined, requestInfo: RequestInfo) => RecordLevel)
  /**
   * Requests for which no record is written (health checks, metrics scrapes). requestInfo is still built.
   * @default undefined (every request is recorded)
   */
  skip?: (request: FastifyRequest) => boolean
  /**
   * What the record keeps of IP addresses (`ip`, `realIp`, `ips`): `full`; `truncate` (IPv4 /24, IPv6 /48);
   * `hmac` (HMAC-SHA256 with `ipHmacKey`); `none`. The full address stays on `request.requestInfo`.
   * @default 'full'
   */
  ip?: IpPrivacy
  /**
   * Secret key for `ip: 'hmac'`, at least 16 bytes. Rotate it to unlink records of different periods.
   * @default undefined (required when `ip` is `hmac`)
   */
  ipHmacKey?: string | Buffer
  /**
   * Write the query string (ECS `url.query`, flat `query`) to the record. Query strings often carry
   * tokens and personal data.
   * @default false
   */
  logQuery?: boolean
  /**
   * Longest string value written to the record; longer values are cut and end with `…[truncated]`.
   * Hashes are always computed over the full value.
   * @default 2048
   */
  maxValueLength?: number
  /**
   * Number of parsed User-Agents kept in the LRU cache.
   * @default 1000
   */
  userAgentCacheSize?: number
  /**
   * JA3 and JA4 from the ClientHello of each connection, when Fastify itself terminates TLS (`https`):
   * the first bytes of every new connection are read before TLS and put back. `timeout` (ms) closes a
   * connection that has not sent its whole ClientHello by then; `maxBytes` caps the ClientHello. A trusted
   * proxy's fingerprint headers take precedence. `false` turns the capture off.
   * @default { timeout: 10000, maxBytes: 16384 } on a TLS server, off otherwise
   */
  tlsCapture?: boolean | { timeout?: number, maxBytes?: number }
  /**
   * The full HTTP/2 fingerprint (`h2`, Akamai format `S|WU|P|PS`) on a TLS server that speaks HTTP/2:
   * each connection that agrees on `h2` is held after its handshake until its first request has arrived,
   * and the SETTINGS, WINDOW_UPDATE and PRIORITY frames before it are read, then put back for the HTTP/2
   * session. `timeout` (ms) hands on a connection whose first request has not come by then, with the frames
   * it sent so far (a client that waits for the server's SETTINGS before its first request is delayed that
   * long); `maxBytes` caps what is read. Without it, `h2` holds the pseudo-header order (`PS`) alone.
   * @default false
   */
  h2Capture?: boolean | { timeout?: number, maxBytes?: number }
  /**
   * Attack detection on every request: findings in `requestInfo.threats` and the record (README,
   * "Detection"). `false` turns it off.
   * @default { paranoia: 1, disable: [], threshold: 5, bodyLimit: 65536 }
   */
  detect?: boolean | DetectOptions
  /**
   * What the service does about what it sees: allow and block rules, rate limits and bans, in `monitor` mode
   * (recorded in `requestInfo.decision`) or `block` mode (403, 429); shared across instances through Redis
   * (README, "Respond"). Off unless given.
   * @default undefined (off)
   */
  respond?: boolean | RespondOptions
  /**
   * Alerts when the service starts a program it does not start in normal operation (not on `allow`, or a
   * shell, downloader, reverse shell...), with the request that caused it; can refuse the spawn and ban the
   * source (README, "Process watch"). Load `fastify-request-info/process-watch` as a preload to see every
   * spawn. Off unless given.
   * @default undefined (off)
   */
  processWatch?: boolean | ProcessWatchOptions
}

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  serviceName: string
  publicPrefix: string
  fingerprintHeaders: Required<NormalisedHeaderNames>
  shape: 'ecs' | 'flat'
  logger: FastifyBaseLogger | undefined
  recordLevel: RecordLevel | ((status: number | undefined, requestInfo: RequestInfo) => RecordLevel)
  skip: ((request: FastifyRequest) => boolean) | undefined
  ip: IpPrivacy
  ipHmacKey: Buffer | undefined
  logQuery: boolean
  maxValueLength: number
  userAgentCacheSize: number
  tlsCapture: { timeout: number, maxBytes: number } | false
  h2Capture: { timeout: number, maxBytes: number } | false
  detect: ResolvedDetectOptions | false
  respond: ResolvedRespondOptions | false
  processWatch: ResolvedProcessWatchOptions | false
}

interface NormalisedHeaderNames { ja3: string[], ja4: string[], h2: string[] }

const LEVELS: readonly RecordLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace']
const IP_MODES: readonly IpPrivacy[] = ['full', 'truncate', 'hmac', 'none']
const SHAPES = ['ecs', 'flat'] as const
const KNOWN = new Set(['serviceName', 'publicPrefix', 'fingerprintHeaders', 'shape', 'logger', 'recordLevel', 'skip',
  'ip', 'ipHmacKey', 'logQuery', 'maxValueLength', 'userAgentCacheSize', 'tlsCapture', 'h2Capture', 'detect', 'respond',
  'processWatch'])

function fail (message: string): never {
  throw new TypeError(`fastify-request-info: ${message}`)
}

function show (value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'function') return 'a function'
  try { return JSON.stringify(value) ?? String(value) } catch { return String(value) }
}

function oneOf<T extends string> (name: string, value: unknown, accepted: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (typeof value === 'string' && (accepted as readonly string[]).includes(value)) return value as T
  return fail(`option ${name} must be one of ${accepted.map((a) => `'${a}'`).join(', ')}; got ${show(value)}`)
}

function integer (name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`option ${name} must be an integer from ${min} to ${max}; got ${show(value)}`)
  }
  return value
}

function headerNameList (name: string, value: unknown): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value]
  for (const header of list) {
    if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(header)) {
      fail(`option ${name} must be a header name or a list of header names; got ${show(header)}`)
    }
  }
  return list.map((header: string) => header.toLowerCase())
}

function fingerprintHeaders (value: RequestInfoOptions['fingerprintHeaders']): Required<NormalisedHeaderNames> {
  const merged: NormalisedHeaderNames = { ja3: [], ja4: [], h2: [] }
  const entries = value === undefined ? [] : Array.isArray(value) ? value : [value]
  const presets = Object.keys(FINGERPRINT_HEADER_PRESETS)
  for (const entry of entries) {
    let names: FingerprintHeaderNames
    if (typeof entry === 'string') {
      if (!Object.hasOwn(FINGERPRINT_HEADER_PRESETS, entry)) {
        fail(`option fingerprintHeaders must name a preset (${presets.map((p) => `'${p}'`).join(', ')}) or be an object { ja3, ja4, h2 } of header names; got ${show(entry)}`)
      }
      names = FINGERPRINT_HEADER_PRESETS[entry]
    } else if (entry !== null && typeof entry === 'object') {
      for (const key of Object.keys(entry)) {
        if (key !== 'ja3' && key !== 'ja4' && key !== 'h2') fail(`option fingerprintHeaders accepts the keys ja3, ja4, h2; got '${key}'`)
      }
      names = entry
    } else {
      return fail(`option fingerprintHeaders must name a preset (${presets.map((p) => `'${p}'`).join(', ')}) or be an object { ja3, ja4, h2 } of header names; got ${show(entry)}`)
    }
    for (const kind of ['ja3', 'ja4', 'h2'] as const) {
      for (const header of headerNameList(`fingerprintHeaders.${kind}`, names[kind])) {
        if (!merged[kind].includes(header)) merged[kind].push(header)
      }
    }
  }
  return merged
}

/** `tlsCapture` and `h2Capture`: a boolean, or `{ timeout, maxBytes }` with the defaults given. */
function capture (name: string, value: unknown, on: boolean, timeout: number, maxBytes: number): { timeout: number, maxBytes: number } | false {
  if (value === false || (value === undefined && !on)) return false
  if (value === undefined || value === true) return { timeout, maxBytes }
  if (typeof value !== 'object' || value === null || Object.keys(value).some((key) => key !== 'timeout' && key !== 'maxBytes')) {
    fail(`option ${name} must be a boolean or { timeout, maxBytes }; got ${show(value)}`)
  }
  const v = value as { timeout?: unknown, maxBytes?: unknown }
  return {
    timeout: integer(`${name}.timeout`, v.timeout, 100, 600_000, timeout),
    maxBytes: integer(`${name}.maxBytes`, v.maxBytes, 512, 1_048_576, maxBytes)
  }
}

/** Validates the plugin options and applies the defaults; throws a TypeError naming the option at fault. */
export function resolveOptions (options: RequestInfoOptions | undefined): ResolvedOptions {
  const o = (options ?? {}) as Record<string, unknown>
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail(`options must be an object; got ${show(options)}`)
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) fail(`unknown option '${key}'; known options are ${[...KNOWN].join(', ')}`)
  }

  if (o.serviceName !== undefined && (typeof o.serviceName !== 'string' || o.serviceName.length === 0)) {
    fail(`option serviceName must be a non-empty string; got ${show(o.serviceName)}`)
  }
  if (o.publicPrefix !== undefined && (typeof o.publicPrefix !== 'string' || (o.publicPrefix !== '' && !o.publicPrefix.startsWith('/')))) {
    fail(`option publicPrefix must be a string starting with '/' (or ''); got ${show(o.publicPrefix)}`)
  }
  const logger = o.logger as FastifyBaseLogger | undefined
  if (logger !== undefined) {
    const l = logger as unknown as Record<string, unknown>
    if (l === null || typeof l !== 'object' || !LEVELS.every((level) => typeof l[level] === 'function')) {
      fail('option logger must be a pino logger (an object with fatal, error, warn, info, debug and trace methods)')
    }
  }
  let recordLevel: ResolvedOptions['recordLevel'] = 'info'
  if (typeof o.recordLevel === 'function') recordLevel = o.recordLevel as ResolvedOptions['recordLevel']
  else if (o.recordLevel !== undefined) recordLevel = oneOf('recordLevel', o.recordLevel, LEVELS, 'info')
  if (o.skip !== undefined && typeof o.skip !== 'function') fail(`option skip must be a function (request) => boolean; got ${show(o.skip)}`)

  const ip = oneOf('ip', o.ip, IP_MODES, 'full')
  let ipHmacKey: Buffer | undefined
  if (o.ipHmacKey !== undefined) {
    if (typeof o.ipHmacKey !== 'string' && !Buffer.isBuffer(o.ipHmacKey)) fail('option ipHmacKey must be a string or a Buffer')
    ipHmacKey = Buffer.from(o.ipHmacKey as string | Buffer)
    if (ipHmacKey.length < 16) fail(`option ipHmacKey must be at least 16 bytes long; got ${ipHmacKey.length}`)
  }
  if (ip === 'hmac' && ipHmacKey === undefined) fail("option ipHmacKey is required when option ip is 'hmac'")
  if (o.logQuery !== undefined && typeof o.logQuery !== 'boolean') fail(`option logQuery must be a boolean; got ${show(o.logQuery)}`)

  const respond = resolveRespondOptions(o.respond, fail)
  const processWatch = resolveProcessWatchOptions(o.processWatch, fail)
  if (processWatch !== false && processWatch.ban !== false && respond === false) fail('option processWatch.ban needs option respond (bans are issued by the respond layer)')

  return {
    serviceName: (o.serviceName as string | undefined) ?? 'fastify',
    publicPrefix: (o.publicPrefix as string | undefined) ?? '',
    fingerprintHeaders: fingerprintHeaders(o.fingerprintHeaders as RequestInfoOptions['fingerprintHeaders']),
    shape: oneOf('shape', o.shape, SHAPES, 'ecs'),
    logger,
    recordLevel,
    skip: o.skip as ResolvedOptions['skip'],
    ip,
    ipHmacKey,
    logQuery: (o.logQuery as boolean | undefined) ?? false,
    maxValueLength: integer('maxValueLength', o.maxValueLength, 64, 1_048_576, 2048),
    userAgentCacheSize: integer('userAgentCacheSize', o.userAgentCacheSize, 0, 1_000_000, 1000),
    tlsCapture: capture('tlsCapture', o.tlsCapture, true, 10_000, 16_384),
    h2Capture: capture('h2Capture', o.h2Capture, false, 500, 16_384),
    detect: resolveDetectOptions(o.detect, fail),
    respond,
    processWatch
  }
}
