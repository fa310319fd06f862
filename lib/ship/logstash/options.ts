import { readFileSync } from 'node:fs'

/** Options of the Logstash transport (`fastify-request-info/logstash`) and of `createLogstashStream()`. */
export interface LogstashOptions {
  /**
   * `tcp` streams NDJSON to a Logstash `tcp` input (`codec => json_lines`); `http` POSTs batches to a Logstash
   * `http` input and counts a batch as delivered only on a 2xx answer.
   * @default 'tcp'
   */
  mode?: 'tcp' | 'http'
  /**
   * Host of the tcp input.
   * @default '127.0.0.1'
   */
  host?: string
  /** Port of the tcp input; required in tcp mode. */
  port?: number
  /** URL of the http input, `http:` or `https:`; required in http mode. */
  url?: string
  /**
   * Extra request headers in http mode, for example `authorization`.
   * @default {}
   */
  headers?: Record<string, string>
  /**
   * TLS to the tcp input. In http mode the URL's scheme decides.
   * @default false
   */
  tls?: boolean
  /** CA certificates to trust (PEM text or a file path), for a Logstash with a private CA. @default the system's CAs */
  ca?: string
  /** Client certificate for mutual TLS (PEM text or a file path). @default undefined */
  cert?: string
  /** Key of the client certificate (PEM text or a file path). @default undefined */
  key?: string
  /** Server name sent in SNI and checked against the certificate. @default the host name */
  servername?: string
  /**
   * Refuse a server whose certificate does not verify. Turn off only for a local test.
   * @default true
   */
  rejectUnauthorized?: boolean
  /**
   * TCP keep-alive: milliseconds of silence before the first probe, so that a dead peer is noticed; 0 turns it off.
   * @default 10000
   */
  keepAlive?: number
  /** Milliseconds a connection attempt may take. @default 5000 */
  connectTimeout?: number
  /** http mode: milliseconds a POST may take before it counts as failed and is retried. @default 10000 */
  requestTimeout?: number
  /** First reconnect or retry delay in milliseconds; it doubles on each failure, with full jitter. @default 100 */
  backoffMin?: number
  /** Longest reconnect or retry delay in milliseconds. @default 30000 */
  backoffMax?: number
  /** Largest batch in bytes: one POST in http mode, one socket write in tcp mode. @default 1048576 */
  batchBytes?: number
  /** http mode: milliseconds records wait for a batch to fill before it is sent. @default 100 */
  batchDelay?: number
  /** Bound in bytes of the records held in memory while they wait for delivery. @default 16777216 */
  queueBytes?: number
  /**
   * Which records a full queue (or a full spool) gives up; every dropped record is counted, and a record
   * reporting the loss is sent once the sink is back.
   * @default 'drop-newest'
   */
  overflow?: 'drop-newest' | 'drop-oldest'
  /**
   * Directory of the disk spool: records that do not fit the memory queue, and those still queued when the
   * transport closes, are appended there and replayed in order after a reconnect or a restart.
   * @default undefined (no spool)
   */
  spoolDir?: string
  /** Bound in bytes of the spool. @default 1073741824 */
  spoolBytes?: number
  /** Size in bytes at which a spool segment is closed and a new one started. @default 8388608 */
  segmentBytes?: number
  /**
   * When spool appends reach the disk: `always` (fsync after each append), `interval` (every
   * `fsyncInterval` ms), `never` (when the operating system decides).
   * @default 'interval'
   */
  fsync?: 'always' | 'interval' | 'never'
  /** Milliseconds between fsyncs with `fsync: 'interval'`. @default 1000 */
  fsyncInterval?: number
  /**
   * tcp mode: bytes of the most recently written records kept and sent again after a broken connection,
   * because TCP never says what the receiver read. Duplicates carry the same id.
   * @default 4194304
   */
  replayBytes?: number
  /**
   * Largest record in bytes. A larger one would make Logstash close the connection (its
   * `decode_size_limit_bytes`) on every attempt; it is replaced by a record saying so, with its first KB.
   * @default 1048576
   */
  maxRecordBytes?: number
  /**
   * Milliseconds the transport keeps delivering when it closes before it spools (or drops) the rest; at most
   * 8000 in a pino transport, which pino gives 10 s to end. With a spool and a failing sink it spools at once.
   * pino ends its transport at process exit, with the main thread waiting: keep this short.
   * @default 5000
   */
  closeTimeout?: number
  /** Milliseconds between the transport's counters records; 0 sends none. @default 60000 */
  countersInterval?: number
  /**
   * Name of the id member put first in every record: unique per record and the same on every retry, so that
   * the receiving end can remove duplicates.
   * @default 'record_id'
   */
  idKey?: string
}

export interface ResolvedLogstashOptions extends Required<Omit<LogstashOptions, 'port' | 'url' | 'ca' | 'cert' | 'key' | 'servername' | 'spoolDir'>> {
  port: number | undefined
  url: URL | undefined
  ca: string | undefined
  cert: string | undefined
  key: string | undefined
  servername: string | undefined
  spoolDir: string | undefined
}

function fail (message: string): never {
  throw new TypeError(`fastify-request-info/logstash: ${message}`)
}

function show (value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'object' ? JSON.stringify(value) ?? String(value) : String(value)
}

function whole (o: Record<string, unknown>, name: string, min: number, fallback: number): number {
  const value = o[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(`option ${name} must be a whole number >= ${min}; got ${show(value)}`)
  }
  return value
}

function oneOf<T extends string> (o: Record<string, unknown>, name: string, accepted: readonly T[]): T {
  const value = o[name]
  if (value === undefined) return accepted[0] as T
  if (!accepted.includes(value as T)) fail(`option ${name} must be one of ${accepted.map((a) => `'${a}'`).join(', ')}; got ${show(value)}`)
  return value as T
}

function text (o: Record<string, unknown>, name: string): string | undefined {
  const value = o[name]
  if (value !== undefined && (typeof value !== 'string' || value === '')) fail(`option ${name} must be a non-empty string; got ${show(value)}`)
  return value as string | undefined
}

/** PEM given inline or as a file path; the file is read once, at start-up, so a missing file fails then. */
function pem (o: Record<string, unknown>, name: string): string | undefined {
  const value = text(o, name)
  if (value === undefined || value.includes('-----BEGIN')) return value
  try {
    return readFileSync(value, 'utf8')
  } catch (err) {
    return fail(`option ${name} is neither PEM text nor a readable file: ${(err as Error).message}`)
  }
}

/** Validates the transport options and applies the defaults; throws a TypeError naming the option at fault. */
export function resolveLogstashOptions (options: LogstashOptions | undefined): ResolvedLogstashOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) fail(`options must be an object; got ${show(options)}`)
  const o = (options ?? {}) as Record<string, unknown>
  const mode = oneOf(o, 'mode', ['tcp', 'http'] as const)
  let port: number | undefined
  let url: URL | undefined
  if (mode === 'tcp') {
    if (o.port === undefined) fail('option port is required in tcp mode')
    port = whole(o, 'port', 1, 0)
    if (port > 65535) fail(`option port must be a whole number from 1 to 65535; got ${show(o.port)}`)
    if (o.url !== undefined) fail('option url belongs to http mode; use host and port in tcp mode')
  } else {
    const value = text(o, 'url')
    if (value === undefined) fail('option url is required in http mode')
    try {
      url = new URL(value)
    } catch {
      fail(`option url must be an absolute http: or https: URL; got ${show(value)}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`option url must be an absolute http: or https: URL; got ${show(value)}`)
  }
  const headers = o.headers ?? {}
  if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) {
    fail(`option headers must be an object of strings; got ${show(headers)}`)
  }
  for (const name of ['tls', 'rejectUnauthorized'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') fail(`option ${name} must be a boolean; got ${show(o[name])}`)
  }
  const idKey = text(o, 'idKey') ?? 'record_id'
  const backoffMin = whole(o, 'backoffMin', 1, 100)
  const backoffMax = whole(o, 'backoffMax', backoffMin, Math.max(backoffMin, 30_000))
  const resolved: ResolvedLogstashOptions = {
    mode,
    host: text(o, 'host') ?? '127.0.0.1',
    port,
    url,
    headers: headers as Record<string, string>,
    tls: (o.tls as boolean | undefined) ?? false,
    ca: pem(o, 'ca'),
    cert: pem(o, 'cert'),
    key: pem(o, 'key'),
    servername: text(o, 'servername'),
    rejectUnauthorized: (o.rejectUnauthorized as boolean | undefined) ?? true,
    keepAlive: whole(o, 'keepAlive', 0, 10_000),
    connectTimeout: whole(o, 'connectTimeout', 1, 5000),
    requestTimeout: whole(o, 'requestTimeout', 1, 10_000),
    backoffMin,
    backoffMax,
    batchBytes: whole(o, 'batchBytes', 1024, 1 << 20),
    batchDelay: whole(o, 'batchDelay', 0, 100),
    queueBytes: whole(o, 'queueBytes', 1024, 16 << 20),
    overflow: oneOf(o, 'overflow', ['drop-newest', 'drop-oldest'] as const),
    spoolDir: text(o, 'spoolDir'),
    spoolBytes: whole(o, 'spoolBytes', 1024, 1 << 30),
    segmentBytes: whole(o, 'segmentBytes', 1024, 8 << 20),
    fsync: oneOf(o, 'fsync', ['interval', 'always', 'never'] as const),
    fsyncInterval: whole(o, 'fsyncInterval', 1, 1000),
    replayBytes: whole(o, 'replayBytes', 0, 4 << 20),
    maxRecordBytes: whole(o, 'maxRecordBytes', 2048, 1 << 20),
    closeTimeout: whole(o, 'closeTimeout', 0, 5000),
    countersInterval: whole(o, 'countersInterval', 0, 60_000),
    idKey
  }
  if ((resolved.cert === undefined) !== (resolved.key === undefined)) fail('options cert and key must be given together')
  if (!/^[A-Za-z0-9_@.-]+$/.test(idKey)) fail(`option idKey must be letters, digits, '_', '@', '.' or '-'; got ${show(idKey)}`)
  return resolved
}
