import type { Paranoia } from './types.js'
import { DETECTORS } from './families.js'
import { IMPERSONATION_RULES } from './impersonation/index.js'
import { resolveSettings, type BehaviourSettings } from './behaviour/settings.js'

/** Option `detect.behaviour`: the behaviour windows' settings (README, "Behaviour across requests"). */
export type BehaviourOptions = Partial<Omit<BehaviourSettings, 'now' | 'attackScore'>>

/** Option `detect`: attack signatures on every request. */
export interface DetectOptions {
  /**
   * CRS-style paranoia level: 1 runs only rules that rarely match benign traffic; 2–4 add broader rules
   * that catch more evasions and match more benign requests.
   * @default 1
   */
  paranoia?: Paranoia
  /**
   * Ids of rules that never run (README, "Detection rules"), for a rule that matches your own traffic.
   * @default []
   */
  disable?: string[]
  /**
   * Total score (`requestInfo.threatScore`) from which a request counts as an attack: one critical finding
   * (5) by default, as CRS's inbound anomaly threshold.
   * @default 5
   */
  threshold?: number
  /**
   * Characters of each request body inspected in the preValidation hook, after Fastify parsed it: JSON
   * members and string values, form fields, `text/*`. 0 leaves bodies alone.
   * @default 65536
   */
  bodyLimit?: number
  /**
   * Checks the client a User-Agent claims against what the request shows: header order, missing headers,
   * JA4 and the HTTP/2 fingerprint (README, "Impersonation"). `learn` keeps per-family profiles of what each
   * User-Agent family sends (rule `impersonation-unseen-traits`, paranoia 3), for at most `maxFamilies`
   * families. `false` turns the check off.
   * @default { learn: true, maxFamilies: 64 }
   */
  impersonation?: boolean | { learn?: boolean, maxFamilies?: number }
  /**
   * Per-source behaviour windows over finished requests (404 probing, admin and sensitive-file probing,
   * failed logins, repeated attacks, many sources against one host): one alert record per burst, and the
   * source marked (`fastify.requestInfo.marked(ip)`). A request counts as an attack from `threshold`.
   * Memory is bounded by `maxBytes` (32 MiB). `false` turns them off.
   * @default {}
   */
  behaviour?: boolean | BehaviourOptions
}

export interface ResolvedDetectOptions {
  paranoia: Paranoia
  disable: string[]
  threshold: number
  bodyLimit: number
  impersonation: { learn: boolean, maxFamilies: number } | false
  behaviour: BehaviourOptions | false
}

const KNOWN = ['paranoia', 'disable', 'threshold', 'bodyLimit', 'impersonation', 'behaviour']

/** Validates option `detect`; `fail` throws with the plugin's prefix. Returns false when detection is off. */
export function resolveDetectOptions (value: unknown, fail: (message: string) => never): ResolvedDetectOptions | false {
  if (value === false) return false
  if (value !== undefined && value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    fail('option detect must be a boolean or an object { paranoia, disable, threshold, bodyLimit, impersonation, behaviour }')
  }
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) fail(`unknown option 'detect.${key}'; known are ${KNOWN.join(', ')}`)
  }
  const paranoia = o.paranoia ?? 1
  if (paranoia !== 1 && paranoia !== 2 && paranoia !== 3 && paranoia !== 4) fail(`option detect.paranoia must be 1, 2, 3 or 4; got ${String(paranoia)}`)
  const disable = o.disable ?? []
  if (!Array.isArray(disable) || !disable.every((id) => typeof id === 'string')) fail('option detect.disable must be an array of rule ids')
  const known = new Set([...DETECTORS.flatMap((d) => d.rules), ...IMPERSONATION_RULES].map((r) => r.id))
  for (const id of disable as string[]) {
    if (!known.has(id)) fail(`option detect.disable names no rule: '${id}' (the rule ids are listed in the README, "Detection rules")`)
  }
  const threshold = o.threshold ?? 5
  if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1 || threshold > 1000) {
    fail(`option detect.threshold must be an integer from 1 to 1000; got ${String(threshold)}`)
  }
  const bodyLimit = o.bodyLimit ?? 65536
  if (typeof bodyLimit !== 'number' || !Number.isInteger(bodyLimit) || bodyLimit < 0 || bodyLimit > 16_777_216) {
    fail(`option detect.bodyLimit must be an integer from 0 to 16777216; got ${String(bodyLimit)}`)
  }
  return { paranoia, disable: [...disable], threshold, bodyLimit, impersonation: impersonation(o.impersonation, fail), behaviour: behaviour(o.behaviour, fail) }
}

function behaviour (value: unknown, fail: (message: string) => never): BehaviourOptions | false {
  if (value === false) return false
  if (value === undefined || value === true) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('option detect.behaviour must be a boolean or an object of behaviour settings')
  const o = value as Record<string, unknown>
  if ('now' in o || 'attackScore' in o) fail('option detect.behaviour takes no now or attackScore: the clock is the system\'s, and an attack is a request that reaches detect.threshold')
  try {
    resolveSettings(o as BehaviourOptions)
  } catch (err) {
    fail(`option detect.${(err as Error).message}`)
  }
  return { ...o } as BehaviourOptions
}

function impersonation (value: unknown, fail: (message: string) => never): ResolvedDetectOptions['impersonation'] {
  if (value === false) return false
  if (value !== undefined && value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    fail('option detect.impersonation must be a boolean or an object { learn, maxFamilies }')
  }
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (key !== 'learn' && key !== 'maxFamilies') fail(`unknown option 'detect.impersonation.${key}'; known are learn, maxFamilies`)
  }
  const learn = o.learn ?? true
  if (typeof learn !== 'boolean') fail(`option detect.impersonation.learn must be a boolean; got ${String(learn)}`)
  const maxFamilies = o.maxFamilies ?? 64
  if (typeof maxFamilies !== 'number' || !Number.isInteger(maxFamilies) || maxFamilies < 1 || maxFamilies > 4096) {
    fail(`option detect.impersonation.maxFamilies must be an integer from 1 to 4096; got ${String(maxFamilies)}`)
  }
  return { learn, maxFamilies }
}
