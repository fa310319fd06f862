import { parseDuration } from '../respond/duration.js'
import { parseAllowList, type AllowEntry, type AllowList } from './programs.js'

/** Options of the process watch (`processWatch`): README, "Process watch". */
export interface ProcessWatchOptions {
  /**
   * Programs the service starts: a name (`'git'`: any path with that basename), a path (`'/usr/bin/git'`:
   * that path only), or `{ program, args }` where `args` (a RegExp, or its source) must match the arguments
   * joined by single spaces. Any other program alerts (rule `unlisted`); reverse-shell command lines alert
   * whatever this list says.
   * @default []
   */
  allow?: AllowEntry[]
  /**
   * `monitor` writes an alert record; `block` also refuses the spawn: the wrapped `child_process` function
   * throws `ProcessBlockedError` before the child starts (a child seen only once started, by the diagnostics
   * channel or the poller, is killed).
   * @default 'monitor'
   */
  mode?: 'monitor' | 'block'
  /**
   * Bans the source of the request a spawn is attributed to, through the respond layer (needs option
   * `respond`): `true` with the respond layer's ban length, or `{ ttl }` (ms or a duration such as `'1d'`).
   * @default false
   */
  ban?: boolean | { ttl?: number | string }
  /**
   * Also listens on Node's `child_process` diagnostics channel, which sees the asynchronous spawns of code that
   * took a function before the wrappers were installed (no preload).
   * @default true
   */
  diagnostics?: boolean
  /**
   * Linux: reads `/proc/self/task/<tid>/children` from a worker thread every `interval` ms, for children that
   * bypass JavaScript (native addons). Children that live shorter than the interval can be missed.
   * @default false
   */
  poller?: boolean | { interval?: number }
  /**
   * When requests run in the `AsyncLocalStorage` context that ties a spawn to its request. `always`: from the
   * first request on. `after-first-spawn`: from the first spawn the watch sees (of any program, allowed or
   * not); until then no context is kept and a spawn names the requests in flight instead, as the poller's
   * findings do. Keeping the context costs every request on Node 20 and 22 (promise hooks for every promise of
   * the process), which a service that never starts a program need not pay.
   * @default 'after-first-spawn'
   */
  requestContext?: 'always' | 'after-first-spawn'
}

/** The process watch's options after validation. */
export interface ResolvedProcessWatchOptions {
  allow: AllowList
  /** As given, for worker threads to read again. */
  allowEntries: AllowEntry[]
  mode: 'monitor' | 'block'
  /** `ttl` in ms; undefined: the respond layer's ban length. */
  ban: { ttl: number | undefined } | false
  diagnostics: boolean
  poller: { interval: number } | false
  requestContext: 'always' | 'after-first-spawn'
}

const KNOWN = ['allow', 'mode', 'ban', 'diagnostics', 'poller', 'requestContext']
const CONTEXTS = ['always', 'after-first-spawn']

/** Validates option `processWatch` (`true`: every default); `fail` throws with the message given. */
export function resolveProcessWatchOptions (value: unknown, fail: (message: string) => never): ResolvedProcessWatchOptions | false {
  if (value === undefined || value === false) return false
  const o = (value === true ? {} : value) as Record<string, unknown>
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return fail(`option processWatch must be a boolean or an object; got ${String(value)}`)
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) fail(`option processWatch accepts the keys ${KNOWN.join(', ')}; got '${key}'`)
  }
  let allow: AllowList
  try {
    allow = parseAllowList(o.allow ?? [], 'processWatch.allow')
  } catch (err) {
    return fail((err as Error).message)
  }
  if (o.mode !== undefined && o.mode !== 'monitor' && o.mode !== 'block') {
    fail(`option processWatch.mode must be one of 'monitor', 'block'; got ${JSON.stringify(o.mode) ?? String(o.mode)}`)
  }
  let ban: ResolvedProcessWatchOptions['ban'] = false
  if (o.ban === true) ban = { ttl: undefined }
  else if (typeof o.ban === 'object' && o.ban !== null && Object.keys(o.ban).every((key) => key === 'ttl')) {
    const ttl = (o.ban as { ttl?: unknown }).ttl
    if (ttl !== undefined && typeof ttl !== 'number' && typeof ttl !== 'string') fail(`option processWatch.ban.ttl must be ms or a duration such as '1h'; got ${String(ttl)}`)
    try {
      ban = { ttl: ttl === undefined ? undefined : parseDuration(ttl as number | string, 'option processWatch.ban.ttl') }
    } catch (err) {
      fail((err as Error).message)
    }
  } else if (o.ban !== undefined && o.ban !== false) {
    fail(`option processWatch.ban must be a boolean or { ttl }; got ${JSON.stringify(o.ban) ?? String(o.ban)}`)
  }
  if (o.diagnostics !== undefined && typeof o.diagnostics !== 'boolean') fail(`option processWatch.diagnostics must be a boolean; got ${String(o.diagnostics)}`)
  let poller: ResolvedProcessWatchOptions['poller'] = false
  if (o.poller === true) poller = { interval: 10 }
  else if (typeof o.poller === 'object' && o.poller !== null && Object.keys(o.poller).every((key) => key === 'interval')) {
    const interval = (o.poller as { interval?: unknown }).interval ?? 10
    if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1 || interval > 60_000) {
      fail(`option processWatch.poller.interval must be an integer from 1 to 60000 (ms); got ${String(interval)}`)
    }
    poller = { interval: interval as number }
  } else if (o.poller !== undefined && o.poller !== false) {
    fail(`option processWatch.poller must be a boolean or { interval }; got ${JSON.stringify(o.poller) ?? String(o.poller)}`)
  }
  if (o.requestContext !== undefined && !CONTEXTS.includes(o.requestContext as string)) {
    fail(`option processWatch.requestContext must be one of ${CONTEXTS.map((c) => `'${c}'`).join(', ')}; got ${JSON.stringify(o.requestContext) ?? String(o.requestContext)}`)
  }
  return {
    allow,
    allowEntries: (o.allow ?? []) as AllowEntry[],
    mode: (o.mode as 'monitor' | 'block' | undefined) ?? 'monitor',
    ban,
    diagnostics: (o.diagnostics as boolean | undefined) ?? true,
    poller,
    requestContext: (o.requestContext as ResolvedProcessWatchOptions['requestContext'] | undefined) ?? 'after-first-spawn'
  }
}
