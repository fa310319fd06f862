/**
 * Log4j 2 message lookups (CVE-2021-44228, "Log4Shell"): `${jndi:ldap://host/a}` in anything the server logs
 * makes Log4j fetch and run a remote class. Log4j resolves nested lookups first, so the word `jndi` can be
 * spelled with lookups that evaluate to its letters: `${${lower:j}ndi:`, `${${::-j}${::-n}di:`,
 * `${${env:NOPE:-j}ndi:`, `${${date:'j'}ndi:`. These are resolved here the same way, innermost first.
 */

// An innermost lookup: no brace inside.
const LOOKUP = /\$\{([^{}]{0,128})\}/g
// `prefix:name:-default` resolves to its default when the name is unset; `::-j` has an empty prefix and name.
const DEFAULT = ':-'
// `${lower:x}`, `${upper:x}`: the text itself, case aside. `${date:'j'}` formats a literal.
const CASE = /^(?:lower|upper):/
const DATE_LITERAL = /^date:'([^']{0,16})'$/
/** A JNDI lookup once nested lookups are resolved. */
const JNDI = /\$\{\s{0,8}jndi\s{0,8}:/
// Resolution rounds: each removes one level of nesting; four covers every obfuscation in the wild.
const ROUNDS = 4

function resolve (match: string, body: string): string {
  if (body.startsWith('jndi')) return match
  const dflt = body.indexOf(DEFAULT)
  if (dflt !== -1) return body.slice(dflt + DEFAULT.length)
  if (CASE.test(body)) return body.slice(body.indexOf(':') + 1)
  const date = DATE_LITERAL.exec(body)
  return date !== null ? date[1] : match
}

/** Index in `text` (lowercase) of a JNDI lookup, after resolving the lookups nested in it; -1 if none. */
export function findJndi (text: string): number {
  const start = text.indexOf('${')
  if (start === -1) return -1
  const plain = JNDI.exec(text)
  if (plain !== null) return plain.index
  // Nothing resolves without a closing brace.
  if (text.indexOf('}', start) === -1) return -1
  let s = text
  for (let round = 0; round < ROUNDS; round++) {
    const next = s.replace(LOOKUP, resolve)
    if (next === s) return -1
    s = next
    if (JNDI.test(s)) return start
  }
  return -1
}
