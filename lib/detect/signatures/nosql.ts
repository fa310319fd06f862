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
const JS_OPERATORS = ['where', 'function', 'accumulator']
const OPERATORS = [
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'and', 'or', 'nor', 'not', 'exists', 'type', 'expr', 'regex',
  'options', 'mod', 'text', 'search', 'all', 'elemmatch', 'size', 'jsonschema', 'lookup', 'unionwith', 'merge', 'out'
]

/**
 * `[$op]` in a parameter path, `$op` as a whole key or dot step, or `"$op":` as a JSON key inside a value. The
 * operators are in the patterns, so a match is a finding: one search per rule, however many `[$x]` there are.
 */
function patterns (names: readonly string[]): { name: RegExp, value: RegExp } {
  const op = `\\$(?:${names.join('|')})`
  return {
    name: new RegExp(`(?:^|[[.])\\s*${op}\\s*(?:$|[\\].[])`),
    value: new RegExp(`["']${op}["']\\s*:|\\[\\s*${op}\\s*\\]`)
  }
}
const FOUND = [
  { rule: OPERATOR, patterns: patterns(OPERATORS) },
  { rule: JAVASCRIPT, patterns: patterns(JS_OPERATORS) }
]

/** MongoDB operators in parameter names, JSON keys and JSON-looking values. */
export const nosql: Detector = {
  kind: 'nosql',
  rules: [OPERATOR, JAVASCRIPT],
  places: ARGUMENTS | Place.queryName | Place.bodyName,
  triggers: Char.dollar,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    const isName = value.place === Place.queryName || value.place === Place.bodyName
    for (const { rule, patterns } of FOUND) {
      if (active(rule, scope)) {
        const match = (isName ? patterns.name : patterns.value).exec(value.text)
        if (match !== null) report(out, rule, value, match.index, match[0].length)
      }
    }
  }
}
