/**
 * Prototype pollution (CRS 934130 for the idea): a parameter path or JSON key that walks into
 * `Object.prototype` through `__proto__` or `constructor.prototype`, which merge, clone and query-string
 * parsers (qs, lodash.merge, jQuery.extend) then write to, changing every object of the process.
 *
 * Forms: bracket paths `a[__proto__][x]=`, dot paths `__proto__.x`, JSON keys `{"__proto__": {...}}`,
 * React Flight references `$1:__proto__:then` (CVE-2025-55182), and the JavaScript escapes `\u0070` that a
 * JSON or JavaScript parser would read back as letters.
 */
import { Char } from '../chars.js'
import { active, report } from '../report.js'
import { ARGUMENTS, Place, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'

const PROTO: Rule = {
  id: 'prototype-pollution-proto',
  kind: 'prototype-pollution',
  paranoia: 1,
  score: 5,
  summary: '`__proto__` as a key or path step: `a[__proto__][x]`, `__proto__.x`, `{"__proto__": ...}`, `$1:__proto__:then`'
}
const CONSTRUCTOR: Rule = {
  id: 'prototype-pollution-constructor',
  kind: 'prototype-pollution',
  paranoia: 1,
  score: 5,
  summary: '`constructor` followed by `prototype` or `constructor` as path steps: `constructor[prototype]`, `x.constructor.constructor(...)`'
}

/**
 * `__proto__` used as a step: a whole key, or followed or preceded by a path separator (`[ ] . : " '`, `=`).
 * Prose that merely names the property ("the __proto__ property") does not match.
 */
const PROTO_STEP = /(?:^|[[.:"'\]])\s*__proto__|__proto__\s*(?:$|[[\].:"'=])/
/** `constructor` then `prototype` or `constructor` with only separators, quotes and spaces between them. */
const CONSTRUCTOR_STEP = /constructor\s*[[\].:"'\s]{1,6}\s*(?:prototype|constructor)\b/

const ESCAPE = /\\u([0-9a-f]{4})|\\x([0-9a-f]{2})/g

/** JavaScript and JSON escapes (`\u0070`, `\x70`) read as the characters they stand for. */
function unescapeJs (text: string): string {
  return text.replace(ESCAPE, (_, u: string | undefined, x: string | undefined) => String.fromCharCode(parseInt(u ?? x ?? '0', 16)))
}

function find (value: Inspected, text: string, scope: Scope, out: Threat[]): void {
  if (active(PROTO, scope) && text.includes('__proto__')) {
    const match = PROTO_STEP.exec(text)
    if (match !== null) report(out, PROTO, value, match.index, match[0].length)
  }
  if (active(CONSTRUCTOR, scope) && text.includes('constructor')) {
    const match = CONSTRUCTOR_STEP.exec(text)
    if (match !== null) report(out, CONSTRUCTOR, value, match.index, match[0].length)
  }
}

/** Prototype pollution in parameter names, JSON keys and argument values. */
export const prototypePollution: Detector = {
  kind: 'prototype-pollution',
  rules: [PROTO, CONSTRUCTOR],
  places: ARGUMENTS | Place.queryName | Place.bodyName,
  // Every form has an underscore-free separator or is a whole key; a whole key `__proto__` has no special
  // character, so names are always inspected (they are short), values only with a separator or escape.
  triggers: 0,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    const isName = value.place === Place.queryName || value.place === Place.bodyName
    if (!isName && (value.chars & (Char.bracket | Char.dot | Char.colon | Char.dquote | Char.quote | Char.backslash)) === 0) return
    find(value, value.text, scope, out)
    if ((value.chars & Char.backslash) !== 0 && value.text.includes('\\u')) find(value, unescapeJs(value.text), scope, out)
  }
}
