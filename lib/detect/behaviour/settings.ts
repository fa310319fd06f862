import { BUCKETS, DEFAULT_LOGIN_PATHS, SCENARIOS, type BucketScenario, type BucketSettings, type Scenario } from './scenarios.js'

/** Settings of the behaviour windows; every one has a default. */
export interface BehaviourSettings {
  /** Estimated bytes of state kept, sources and hosts together; least recently used sources go first. Default 32 MiB. */
  maxBytes: number
  /** Most requests kept as an alert's evidence. Default 20. */
  evidence: number
  /** How long a source stays marked (`marked()`) after an alert. Default 4 h, CrowdSec's default ban. */
  markMs: number
  /** Login routes (paths, matched with what lies under them) whose 401/403 count as failed logins besides every POST. */
  loginPaths: readonly string[]
  /** Threat score from which a request is an attack (with a finding other than `script-client`). Default 5. */
  attackScore: number
  /** Attacks from one source within `attackWindowMs` that raise `repeated-attacks`. Default 3, the seed's rule. */
  attackThreshold: number
  /** Window of `repeated-attacks`, also its silence after an alert. Default 10 min. */
  attackWindowMs: number
  /** Distinct attacking sources against one host within `hostWindowMs` that raise `distributed-attack`. Default 10. */
  hostSources: number
  /** Window of `distributed-attack`, also its silence after an alert. Default 10 min. */
  hostWindowMs: number
  /** Capacity, leak and blackhole per bucket scenario, each field defaulting to the scenario's own. */
  buckets: Partial<Record<BucketScenario, Partial<BucketSettings>>>
  /** Scenarios that never run. */
  disable: readonly Scenario[]
  /** The clock `marked()` reads; observations carry their own time. Default `Date.now`. */
  now: () => number
}

const MINUTE = 60_000
const DEFAULTS: BehaviourSettings = {
  maxBytes: 32 * 1024 * 1024,
  evidence: 20,
  markMs: 240 * MINUTE,
  loginPaths: DEFAULT_LOGIN_PATHS,
  attackScore: 5,
  attackThreshold: 3,
  attackWindowMs: 10 * MINUTE,
  hostSources: 10,
  hostWindowMs: 10 * MINUTE,
  buckets: {},
  disable: [],
  now: Date.now
}

// Largest counts accepted: a window or host keeps this many entries per key.
const MAX_COUNT = 1000

/** Defaults filled in and every value checked; throws a TypeError naming the bad setting. */
export function resolveSettings (options: Partial<BehaviourSettings>): BehaviourSettings {
  const s: BehaviourSettings = { ...DEFAULTS }
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue
    if (!(name in DEFAULTS)) throw new TypeError(`behaviour: unknown setting '${name}'; known are ${Object.keys(DEFAULTS).join(', ')}`)
    ;(s as unknown as Record<string, unknown>)[name] = value
  }
  count('maxBytes', s.maxBytes, 1024, Number.MAX_SAFE_INTEGER)
  count('evidence', s.evidence, 1, MAX_COUNT)
  count('attackThreshold', s.attackThreshold, 1, MAX_COUNT)
  count('hostSources', s.hostSources, 1, MAX_COUNT)
  for (const name of ['markMs', 'attackWindowMs', 'hostWindowMs', 'attackScore'] as const) positive(name, s[name])
  if (!Array.isArray(s.loginPaths) || !s.loginPaths.every((p) => typeof p === 'string' && p.startsWith('/'))) {
    throw new TypeError('behaviour: loginPaths must be an array of paths starting with /')
  }
  const ids = SCENARIOS.map((x) => x.id as string)
  if (!Array.isArray(s.disable) || !s.disable.every((id) => ids.includes(id))) {
    throw new TypeError(`behaviour: disable must list scenario ids among ${ids.join(', ')}`)
  }
  if (typeof s.now !== 'function') throw new TypeError('behaviour: now must be a function returning ms since the epoch')
  if (typeof s.buckets !== 'object' || s.buckets === null) throw new TypeError('behaviour: buckets must be an object')
  const bucketIds = BUCKETS.map((b) => b.id as string)
  for (const [id, b] of Object.entries(s.buckets)) {
    if (!bucketIds.includes(id)) throw new TypeError(`behaviour: buckets.${id} names no bucket scenario; known are ${bucketIds.join(', ')}`)
    if (b?.capacity !== undefined) count(`buckets.${id}.capacity`, b.capacity, 1, MAX_COUNT)
    if (b?.leakMs !== undefined) positive(`buckets.${id}.leakMs`, b.leakMs)
    if (b?.blackholeMs !== undefined && (typeof b.blackholeMs !== 'number' || !(b.blackholeMs >= 0))) {
      throw new TypeError(`behaviour: buckets.${id}.blackholeMs must be a number >= 0`)
    }
  }
  return s
}

function count (name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`behaviour: ${name} must be an integer from ${min} to ${max}; got ${String(value)}`)
  }
}

function positive (name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`behaviour: ${name} must be a finite number > 0; got ${String(value)}`)
  }
}
