import type { Threat } from '../types.js'
import { describe, fnv1a, Pending, type Burst, type Evidence, type Spec } from './bucket.js'
import { HostWatch } from './hosts.js'
import {
  BUCKETS, isAdmin, isLoginPath, isSensitivePath, isStatic, loginRoutes, pathOf,
  type BucketScenario, type BucketSettings, type Scenario
} from './scenarios.js'
import { own, sourceKey } from './source-key.js'
import { SourceState, SourceStore } from './store.js'
import { resolveSettings, type BehaviourSettings } from './settings.js'

export type { Evidence } from './bucket.js'
export type { BucketScenario, BucketSettings, Scenario, ScenarioInfo } from './scenarios.js'
export { SCENARIOS, DEFAULT_LOGIN_PATHS } from './scenarios.js'
export { sourceKey } from './source-key.js'
export type { BehaviourSettings } from './settings.js'

/** One finished request, as the behaviour windows see it. */
export interface Observation {
  /** The client address (after trusted proxies); IPv6 is grouped by /64. */
  readonly realIp: string
  /** The Host header, for scenarios keyed by host. */
  readonly host: string | undefined
  readonly method: string
  /** The request-target as received: path and query, still percent-encoded (Fastify's `request.url`). */
  readonly url: string
  /** Response status; undefined when the client went away first. */
  readonly status: number | undefined
  readonly reqId: string
  /** When the request finished, ms since the epoch. */
  readonly time: number
  readonly threats: readonly Threat[]
  readonly threatScore: number
}

/** One alert record per triggered behaviour (not one per request). */
export interface Alert {
  /** Stable id (README, "Behaviour scenarios"). */
  readonly scenario: Scenario
  /** The source's key: its IPv4 address, its IPv6 /64 (`2001:db8:1:2::/64`); for `distributed-attack` the host. */
  readonly source: string
  /** The Host header of the requests, for scenarios keyed by source and host. */
  readonly host?: string
  /** Events in the burst: requests for `repeated-attacks`, distinct sources for `distributed-attack`. */
  readonly count: number
  /** Time of the burst's first and last event, ms since the epoch. */
  readonly first: number
  readonly last: number
  /** The latest requests of the burst, oldest first (at most option `evidence`). */
  readonly evidence: readonly Evidence[]
  /** One line: "12 requests for missing or forbidden paths in 8 s". */
  readonly summary: string
}

/** Behaviour windows across requests. */
export interface Behaviour {
  /** Counts one finished request; returns the alerts it triggered (usually none). */
  observe (o: Observation): readonly Alert[]
  /** Scenarios that fired for the source of `realIp` and whose mark is still in force (option `markMs`). */
  marked (realIp: string): readonly Scenario[]
  /** Sources held. */
  readonly size: number
  /** Estimated bytes held, sources and hosts; at most option `maxBytes` (a single oversized source aside). */
  readonly bytes: number
}

const NONE: readonly never[] = Object.freeze([])
// Threat kinds that pour into a bucket of their own.
const KIND_BUCKET: ReadonlyMap<string, BucketScenario> = new Map([
  ['sqli', 'http-sqli-probing'],
  ['xss', 'http-xss-probing'],
  ['lfi', 'http-path-traversal-probing'],
  ['scanner', 'http-bad-user-agent'],
  ['web-shell', 'http-backdoors-attempts']
])
// Rule ids kept per piece of evidence.
const RULES = 8
// Hosts get at most this share of `maxBytes`; sources the rest.
const HOST_SHARE = 8

/** Behaviour windows bound to settings; time comes from the observations, and `now` for `marked`. */
export function createBehaviour (options: Partial<BehaviourSettings> = {}): Behaviour {
  const settings = resolveSettings(options)
  const disabled = new Set<string>(settings.disable)
  const specs = new Map<Scenario, Spec>()
  for (const b of BUCKETS) {
    if (disabled.has(b.id)) continue
    const s: BucketSettings = { ...b.defaults, ...settings.buckets[b.id] }
    specs.set(b.id, { id: b.id, ...s, distinct: b.distinct, window: false, evidence: Math.min(s.capacity + 1, settings.evidence), noun: b.noun })
  }
  const repeated: Spec | undefined = disabled.has('repeated-attacks')
    ? undefined
    : { id: 'repeated-attacks', capacity: settings.attackThreshold, leakMs: settings.attackWindowMs, blackholeMs: settings.attackWindowMs, distinct: false, window: true, evidence: Math.min(settings.attackThreshold, settings.evidence), noun: 'attacks' }
  const hosts = disabled.has('distributed-attack')
    ? undefined
    : new HostWatch({ sources: settings.hostSources, windowMs: settings.hostWindowMs, blackholeMs: settings.hostWindowMs, evidence: settings.evidence })
  const store = new SourceStore()
  const loginPaths = loginRoutes(settings.loginPaths)
  const probing = specs.get('http-probing')
  const admin = specs.get('http-admin-interface-probing')
  const sensitive = specs.get('http-sensitive-files')
  const login = specs.get('http-bf-login')

  /** The specs `o` is an event of, in BUCKETS order. */
  function matches (o: Observation, attack: boolean): Spec[] {
    const out: Spec[] = []
    const status = o.status
    const path = pathOf(o.url)
    const missing = status === 404 || status === 403
    if (probing !== undefined && (missing || status === 400) && !isStatic(path)) out.push(probing)
    if (admin !== undefined && missing && isAdmin(path)) out.push(admin)
    if (sensitive !== undefined && (isSensitivePath(path) || o.threats.some((t) => t.kind === 'sensitive-file'))) out.push(sensitive)
    if (login !== undefined && (status === 401 || status === 403) && (o.method === 'POST' || isLoginPath(path, loginPaths))) out.push(login)
    for (const t of o.threats) {
      const id = KIND_BUCKET.get(t.kind)
      const spec = id === undefined ? undefined : specs.get(id)
      if (spec !== undefined && !out.includes(spec)) out.push(spec)
    }
    if (attack && repeated !== undefined) out.push(repeated)
    return out
  }

  function observe (o: Observation): readonly Alert[] {
    const attack = o.threatScore >= settings.attackScore && o.threats.some((t) => t.kind !== 'script-client')
    const events = matches(o, attack)
    if (events.length === 0) return NONE
    const key = sourceKey(String(o.realIp))
    const host = o.host === undefined ? '-' : own(o.host, 255).toLowerCase()
    const state = store.get(key) ?? new SourceState(key)
    const evidence = new Pending(() => evidenceOf(o))
    const target = fnv1a(o.url.length > 2048 ? o.url.slice(0, 2048) : o.url)
    const alerts: Alert[] = []
    let remarked = false
    for (const spec of events) {
      const hostKeyed = spec === probing
      const burst = state.bucket(spec, hostKeyed ? host : undefined).pour(o.time, target, evidence)
      if (burst === null) continue
      alerts.push(alertOf(spec.id, key, hostKeyed && o.host !== undefined ? host : undefined, burst, spec.noun))
      state.mark(spec.id, burst.last + settings.markMs)
      remarked = true
    }
    if (attack && hosts !== undefined) {
      const burst = hosts.attack(host, key, o.time, evidence, settings.maxBytes / HOST_SHARE)
      if (burst !== null) alerts.push(alertOf('distributed-attack', host, undefined, burst, 'sources attacking ' + host))
    }
    store.put(state, o.time, remarked, settings.maxBytes - (hosts?.bytes ?? 0))
    return alerts.length === 0 ? NONE : alerts
  }

  function marked (realIp: string): readonly Scenario[] {
    // The response layer asks on every request: most of the time nothing is marked at all.
    if (!store.anyMarked) return NONE
    const state = store.getMarked(sourceKey(String(realIp)))
    return state === undefined ? NONE : state.inForce(settings.now())
  }

  return {
    observe,
    marked,
    get size () { return store.size },
    get bytes () { return store.bytes + (hosts?.bytes ?? 0) }
  }
}

function evidenceOf (o: Observation): Evidence {
  const rules: string[] = []
  for (const t of o.threats) if (rules.length < RULES && !rules.includes(t.rule)) rules.push(t.rule)
  return Object.freeze({
    reqId: own(String(o.reqId), 64),
    time: o.time,
    method: own(String(o.method), 16),
    url: own(o.url, 256),
    status: o.status,
    rules: rules.length === 0 ? NONE : Object.freeze(rules.slice())
  })
}

function alertOf (scenario: Scenario, source: string, host: string | undefined, burst: Burst, noun: string): Alert {
  const summary = describe(burst.count, noun, burst.first, burst.last) + (host === undefined ? '' : ` on ${host}`)
  const alert = { scenario, source, count: burst.count, first: burst.first, last: burst.last, evidence: Object.freeze(burst.evidence), summary }
  return host === undefined ? alert : { ...alert, host }
}
