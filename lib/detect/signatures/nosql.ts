/**
 * NoSQL operator injection (MongoDB query language): a client that turns `user[$ne]=x` into
 * `{ user: { $ne: 'x' } }` (qs, PHP, Rails parameter parsing) or posts JSON lets the attacker replace a value
 * with an operator: `$ne`/`$gt` to match any password, `$regex` to read it a character at a time, `$where`
 * and `$function` to run JavaScript on the server. CRS 942290 for the idea.
 *
 * Operators are recognised only where a query parser would see them, as a whole key or bracket step, or as a
 * quoted JSON key inside a value; a `$` in ordinary text (`$10`, `$existingUser`) is not an operator.
 */
import { Char } from '../chars.js'
import { active, report } from '../report.js'
import { ARGUMENTS, Place, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'

const OPERATOR: Rule = {
  id: 'nosql-operator',
  kind: 'nosql',
  paranoia: 1,
  score: 5,
  summary: 'A MongoDB query operator as a parameter step or JSON key: `user[$ne]=`, `{"password": {"$gt": ""}}`, `[$regex]`'
}
const JAVASCRIPT: Rule = {
  id: 'nosql-javascript',
  kind: 'nosql',
  paranoia: 1,
  score: 5,
  summary: 'A MongoDB operator that runs JavaScript on the server: `$where`, `$function`, `$accumulator`'
}

/**
 * Query and aggregation operators an injection uses (MongoDB manual, "Query and Projection Operators"):
 * comparison, logical, element, evaluation and array operators. `$where`, `$function` and `$accumulator`
 * take JavaScript.
 */
const OPERATORS = new Set([
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'and', 'or', 'nor', 'not', 'exists', 'type', 'expr', 'regex',
  'options', 'mod', 'text', 'search', 'all', 'elemmatch', 'size', 'jsonschema', 'where', 'function', 'accumulator',
  'lookup', 'unionwith', 'merge', 'out'
])
const JS_OPERATORS = new Set(['where', 'function', 'accumulator'])

/** `[$op]` in a parameter path, `$op` as a whole key or dot step, or `"$op":` as a JSON key inside a value. */
const IN_NAME = /(?:^|[[.])\s*\$([a-z]{2,11})\s*(?:$|[\].[])/g
const IN_VALUE = /["']\$([a-z]{2,11})["']\s*:|\[\s*\$([a-z]{2,11})\s*\]/g

// Candidates read per value: enough for any real query, and a bound on what a repeated `[$x]` costs.
const CANDIDATES = 32

function find (value: Inspected, pattern: RegExp, scope: Scope, out: Threat[]): void {
  pattern.lastIndex = 0
  let match
  for (let n = 0; n < CANDIDATES && (match = pattern.exec(value.text)) !== null; n++) {
    const name = match[1] ?? match[2]
    if (OPERATORS.has(name)) {
      const rule = JS_OPERATORS.has(name) ? JAVASCRIPT : OPERATOR
      if (active(rule, scope)) report(out, rule, value, match.index, match[0].length)
    }
  }
}

/** MongoDB operators in parameter names, JSON keys and JSON-looking values. */
export const nosql: Detector = {
  kind: 'nosql',
  rules: [OPERATOR, JAVASCRIPT],
  places: ARGUMENTS | Place.queryName | Place.bodyName,
  triggers: Char.dollar,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    const isName = value.place === Place.queryName || value.place === Place.bodyName
    find(value, isName ? IN_NAME : IN_VALUE, scope, out)
  }
}
