import { Place, type Inspected, type Rule, type Scope, type Threat } from './types.js'

/** Longest excerpt kept in a finding. */
export const EXCERPT_LENGTH = 80
// Characters of context kept before the match.
const LEAD = 20

/** Whether `rule` runs in this scope: its paranoia level is reached and it is not disabled. */
export function active (rule: Rule, scope: Scope): boolean {
  return rule.paranoia <= scope.paranoia && !scope.disabled.has(rule.id)
}

/** Where a value came from, as written in a finding. */
export function whereOf (value: Inspected): string {
  switch (value.place) {
    case Place.path: return 'path'
    case Place.queryName: return 'query-name'
    case Place.query: return 'query:' + value.name
    case Place.cookie: return 'cookie:' + value.name
    case Place.cookieName: return 'cookie-name'
    case Place.bodyName: return 'body-name'
    case Place.body: return value.name === '' ? 'body' : 'body:' + value.name
    default: return 'header:' + value.name
  }
}

/** The decoded text around `text[index, index + length)`, at most EXCERPT_LENGTH characters. */
export function excerpt (text: string, index: number, length: number): string {
  if (text.length <= EXCERPT_LENGTH) return text
  const start = Math.max(0, Math.min(index - LEAD, text.length - EXCERPT_LENGTH, index + length - EXCERPT_LENGTH + LEAD))
  return text.slice(Math.max(0, start), Math.max(0, start) + EXCERPT_LENGTH)
}

/**
 * Adds a finding of `rule` for the match at `text[index, index + length)` of `value`. A rule is reported once
 * per request, at the first place it matched, so a request's score counts each rule once.
 */
export function report (out: Threat[], rule: Rule, value: Inspected, index: number, length: number): void {
  for (let i = 0; i < out.length; i++) if (out[i].rule === rule.id) return
  out.push({ kind: rule.kind, rule: rule.id, where: whereOf(value), excerpt: excerpt(value.text, index, length), score: rule.score })
}

/** Runs `pattern` on the value's text and reports `rule` at the match. Returns whether it matched. */
export function reportMatch (out: Threat[], rule: Rule, value: Inspected, pattern: RegExp): boolean {
  const match = pattern.exec(value.text)
  if (match === null) return false
  report(out, rule, value, match.index, match[0].length)
  return true
}
