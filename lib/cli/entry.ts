import type { Threat } from '../detect/types.js'

/** Where an entry came from. */
export type EntryFormat = 'record' | 'access-log'

/**
 * One request, read from a plugin record (ECS or flat) or an access-log line: the fields every report works
 * on, whatever the input. Fields the input does not carry are undefined.
 */
export interface Entry {
  readonly format: EntryFormat
  /** When the request was logged, ms since the epoch; undefined when the line has no readable time. */
  readonly time: number | undefined
  /** Minutes east of UTC of the time as the log wrote it (`-0400` → -240); records are UTC (0). */
  readonly offset: number
  /** The client address: the record's `realIp`, the access log's `%h`; undefined when the line has none. */
  readonly source: string | undefined
  /** The site asked for: the record's host, the access log's virtual host. */
  readonly site: string | undefined
  /** HTTP method as logged; empty when the request line could not be split. */
  readonly method: string
  /** The request-target as logged: path and query, still percent-encoded. */
  readonly url: string
  readonly status: number | undefined
  readonly referer: string | undefined
  readonly ua: string | undefined
  /** Request id: the record's `reqId`, or an access log's trailing unique id when it has one. */
  readonly reqId: string | undefined
  /** Findings the plugin wrote in the record (its detectors saw cookies and bodies too). */
  readonly threats: readonly Threat[] | undefined
  /** The plugin's decision, from the record: `blocked`, `banned`, … and whether it was only monitored. */
  readonly decision: { readonly action: string, readonly monitor: boolean } | undefined
  /** Fingerprints, from records only. */
  readonly ja3: string | undefined
  readonly ja4: string | undefined
  readonly hoh: string | undefined
  readonly ho: string | undefined
  readonly h2: string | undefined
  /** The browser as the record's parsed User-Agent names it, and its major version. */
  readonly browser: string | undefined
  readonly browserMajor: string | undefined
  /** The line as read, for evidence (cut to a bound by the reader). */
  readonly line: string
}
