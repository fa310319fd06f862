/** What a finding says the request tried. */
export type ThreatKind =
  | 'sqli' | 'xss' | 'lfi' | 'rfi' | 'rce' | 'php' | 'java'
  | 'scanner' | 'script-client' | 'sensitive-file' | 'web-shell'
  | 'ssrf' | 'prototype-pollution' | 'nosql' | 'impersonation'

/** CRS-style paranoia level: 1 rarely gives a false positive, 4 often does. */
export type Paranoia = 1 | 2 | 3 | 4

/** One finding in a request: an item of `requestInfo.threats`. */
export interface Threat {
  /** The family the rule belongs to. */
  readonly kind: ThreatKind
  /** The rule's stable id, e.g. `sqli-union-select` (README, "Detection rules"). */
  readonly rule: string
  /** Where it was found: `path`, `query:<name>`, `query-name`, `header:<name>`, `cookie:<name>`, `cookie-name`, `body`, `body:<name>`, `client`. */
  readonly where: string
  /** The decoded text around the match, at most 80 characters. */
  readonly excerpt: string
  /** The rule's weight: 5 critical, 4 error, 3 warning, 2 notice, 1 a weak signal. */
  readonly score: number
}

/** A documented detection rule. */
export interface Rule {
  /** Stable id, lowercase words joined by `-`, starting with the kind. */
  readonly id: string
  readonly kind: ThreatKind
  /** Lowest paranoia level at which the rule runs. */
  readonly paranoia: Paranoia
  /** Score a match adds (see Threat.score). */
  readonly score: number
  /** One line for the README's rule table. */
  readonly summary: string
}

/** Places a value comes from, as bits so a detector can name several. */
export const Place = {
  path: 1 << 0,
  queryName: 1 << 1,
  query: 1 << 2,
  userAgent: 1 << 3,
  referer: 1 << 4,
  cookie: 1 << 5,
  /** Forwarded, X-Forwarded-*, X-Real-IP. */
  forwarded: 1 << 6,
  /** Any other request header: only whole-request attacks such as Shellshock and JNDI lookups look here. */
  otherHeader: 1 << 7,
  bodyName: 1 << 8,
  body: 1 << 9,
  cookieName: 1 << 10
} as const

/** Every place that carries an argument's value. */
export const ARGUMENTS = Place.query | Place.body | Place.cookie
/** Every place that carries an argument: query and body names and values, cookie values. */
export const ARGUMENT_PLACES = ARGUMENTS | Place.queryName | Place.bodyName
/** Every place. */
export const ANYWHERE = (1 << 11) - 1

/** One value of the request, decoded once and shared by every detector. */
export interface Inspected {
  /** One bit of `Place`. */
  readonly place: number
  /** Parameter, header or cookie name ('' for the path and a whole text body); at most 64 characters. */
  readonly name: string
  /** The value as received. */
  readonly raw: string
  /** The value decoded (see decode.ts) and lowercased: what the rules match. */
  readonly text: string
  /** `Char` bits of the characters in `text`. */
  readonly chars: number
}

/** What the rules of a detection run may do. */
export interface Scope {
  readonly paranoia: Paranoia
  /** Rule ids switched off by option `detect.disable`. */
  readonly disabled: ReadonlySet<string>
}

/** A family of signatures, one file per family. */
export interface Detector {
  readonly kind: ThreatKind
  readonly rules: readonly Rule[]
  /** `Place` bits of the values this detector reads. */
  readonly places: number
  /** `Char` bits of which at least one must be in a value for `inspect` to run; 0 to see every value. */
  readonly triggers: number
  /** Adds findings for one value through `report()`. Pure, linear in the value's length. */
  inspect (value: Inspected, scope: Scope, out: Threat[]): void
}

/** The rule constructor of one family: `const rule = ruleMaker('rfi')`, then `rule(id, paranoia, score, summary)`. */
export function ruleMaker (kind: ThreatKind): (id: string, paranoia: Paranoia, score: number, summary: string) => Rule {
  return (id, paranoia, score, summary) => ({ id, kind, paranoia, score, summary })
}
