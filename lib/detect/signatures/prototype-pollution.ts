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
import { decodeJsEscapes } from '../decode.js'
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
/** `constructor`'s separators: path punctuation, quotes and spaces. */
const SEPARATOR = /[[\].:"'\s]/
const SPACES = /\s*/y
const NEXT_STEP = /(?:prototype|constructor)\b/y
// Set by constructorStep: where the step it found starts and ends.
const found = { start: 0, end: 0 }

/**
 * `constructor` then `prototype` or `constructor` as the next step: between them only spaces around at most six
 * separators (`constructor[prototype]`, `constructor"]["prototype`, `constructor . constructor`). Read forward
 * from each `constructor` without backtracking (a regex with `\s*` on both sides of the separators is quadratic
 * in a run of spaces); what is read after one `constructor` ends before the next, so each character is read once.
 */
function constructorStep (text: string): boolean {
  for (let i = text.indexOf('constructor'); i !== -1; i = text.indexOf('constructor', i + 11)) {
    SPACES.lastIndex = i + 11
    SPACES.exec(text)
    const first = SPACES.lastIndex
    let end = first
    while (end < first + 6 && end < text.length && SEPARATOR.test(text[end])) end++
    if (first === i + 11 && end === first) continue
    SPACES.lastIndex = end
    SPACES.exec(text)
    NEXT_STEP.lastIndex = SPACES.lastIndex
    const next = NEXT_STEP.exec(text)
    if (next !== null) {
      found.start = i
      found.end = next.index + next[0].length
      return true
    }
  }
  return false
}

// An escape standing for a letter of `__proto__`, `constructor` or `prototype` (`_cenoprstuy`): without one,
// those names are in the unescaped text exactly where they are in the escaped one.
const NAME_ESCAPE = /\\(?:u00|x)(?:5f|6[35ef]|7[02-59])/

function find (value: Inspected, text: string, scope: Scope, out: Threat[]): void {
  if (active(PROTO, scope) && text.includes('__proto__')) {
    const match = PROTO_STEP.exec(text)
    if (match !== null) report(out, PROTO, value, match.index, match[0].length)
  }
  if (active(CONSTRUCTOR, scope) && constructorStep(text)) report(out, CONSTRUCTOR, value, found.start, found.end - found.start)
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
    // JavaScript and JSON escapes (`\u0070`, `\x70`), read back as letters by the parser that walks the path.
    const text = value.text
    if ((value.chars & Char.backslash) !== 0 && (text.includes('__proto__') || text.includes('constructor') || NAME_ESCAPE.test(text))) {
      find(value, decodeJsEscapes(text), scope, out)
    }
  }
}
