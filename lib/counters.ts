/** Running totals of what the plugin did, readable at `fastify.requestInfo.counters`. */
export interface RequestInfoCounters {
  /** Records handed to the logger. */
  records: number
  /** Records lost because the logger's stream failed (each failure also counted in `errors`). */
  lost: number
  /** Requests not recorded because option `skip` returned true. */
  skipped: number
  /** Requests whose client went away before the response (recorded with `aborted: true`). */
  aborted: number
  /** Fingerprint headers ignored because the socket peer is not a trusted proxy. */
  untrustedFingerprintHeaders: number
  /** Fingerprint headers from a trusted proxy ignored because their value is malformed. */
  invalidFingerprintHeaders: number
  /** TLS connections closed before TLS saw them: no whole ClientHello in time, over the size cap, or malformed. */
  tlsConnectionsRefused: number
  /** HTTP/2 connections (option `h2Capture`) whose first frames gave no fingerprint: none in time, too big, or malformed. */
  h2ConnectionsUnread: number
  /** Requests whose threatScore reached option `detect.threshold`. */
  attacks: number
  /** Alert records written by the behaviour windows. */
  alerts: number
  /** Request bodies longer than option `detect.bodyLimit`: only their first part was inspected. */
  bodiesTruncated: number
  /** Requests the respond layer answered itself: 403 (rule or ban), 429 (rate limit), 503 (Redis away, `failClosed`). */
  denied: number
  /** Bans issued by this instance: by ban rules, behaviour alerts and `fastify.requestInfo.ban()`. */
  bans: number
  /** Rate limits that went over (one per limit and client each time it crosses its maximum). */
  limitsExceeded: number
  /** Redis failures of the respond layer (each request that met one); requests went on as `respond.failClosed` says. */
  storeErrors: number
  /** Reloads of `respond.rulesFile` that failed; the rules in force stayed. */
  rulesReloadsFailed: number
  /** Child processes the process watch saw (option `processWatch`), allowed or not. */
  processes: number
  /** Process alert records: spawns not on `processWatch.allow` or matching an always-alert pattern. */
  processAlerts: number
  /** Spawns refused before their child started, or children killed once seen (`processWatch.mode: 'block'`). */
  processesBlocked: number
  /** Failures inside the plugin (each logged once); the request went on. */
  errors: number
}

export function createCounters (): RequestInfoCounters {
  return { records: 0, lost: 0, skipped: 0, aborted: 0, untrustedFingerprintHeaders: 0, invalidFingerprintHeaders: 0, tlsConnectionsRefused: 0, h2ConnectionsUnread: 0, attacks: 0, alerts: 0, bodiesTruncated: 0, denied: 0, bans: 0, limitsExceeded: 0, storeErrors: 0, rulesReloadsFailed: 0, processes: 0, processAlerts: 0, processesBlocked: 0, errors: 0 }
}
