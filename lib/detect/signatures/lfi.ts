/**
 * Path traversal and local file inclusion: `../` sequences that climb out of the directory an application
 * reads from, and the names of the system files such an attack is after (CRS 930100-930121 for the idea).
 *
 * Traversal forms: `../` and `..\` in any decoding decode.ts undoes (`%2e%2e%2f`, `%252e`, `%c0%ae`,
 * `%u002e`), Tomcat's `..;/` (a path parameter the servlet container drops), filter-bypass doubles such as
 * `....//` (what is left after a filter strips `../` once) and `.../`, and the literal hex notation
 * `0x2e0x2e0x2f` some decoders read as bytes.
 */
import { decodeRaw } from '../decode.js'
import { active, report } from '../report.js'
import { Char } from '../chars.js'
import { ANYWHERE, ARGUMENT_PLACES, Place, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { ALL_FILES, SYSTEM_FILES, findFile } from './lfi-files.js'

const TRAVERSAL: Rule = {
  id: 'lfi-traversal',
  kind: 'lfi',
  paranoia: 1,
  score: 5,
  summary: 'Directory traversal: `../`, `..\\`, `..;/`, `....//` after a separator, in any encoding, anywhere in the request'
}
const TRAVERSAL_SINGLE: Rule = {
  id: 'lfi-traversal-single',
  kind: 'lfi',
  paranoia: 1,
  score: 3,
  summary: 'One `../` inside a value (not at its start): a relative link in markup is one too, so it is a hint alone'
}
const OS_FILE: Rule = {
  id: 'lfi-os-file',
  kind: 'lfi',
  paranoia: 1,
  score: 5,
  summary: 'An argument names an operating-system or application file (`/etc/passwd`, `.ssh/`, `win.ini`; CRS lfi-os-files)'
}
const SYSTEM_FILE_PATH: Rule = {
  id: 'lfi-system-file-path',
  kind: 'lfi',
  paranoia: 1,
  score: 5,
  summary: 'The URL path reaches into a system directory (`etc/`, `proc/`, `sys/`, `windows/`) or names `win.ini`/`boot.ini`'
}
const NULL_BYTE: Rule = {
  id: 'lfi-null-byte',
  kind: 'lfi',
  paranoia: 1,
  score: 3,
  summary: 'A NUL byte (`%00`) in the path or an argument: cuts off the extension an application appends to a file name'
}
const OS_FILE_HEADER: Rule = {
  id: 'lfi-os-file-header',
  kind: 'lfi',
  paranoia: 2,
  score: 5,
  summary: 'User-Agent, Referer or another header names an operating-system or application file'
}

/**
 * A climb that is an attack on its own: two or more traversals in a row, one that begins the value (or
 * follows `=`, as in a whole form body, or a multipart `filename="`), or `/..` ending a path. Dots may be
 * three or more or mixed with `;` (Tomcat path parameters).
 */
const TRAVERSAL_PATTERN = /(?:^|[^a-z0-9_])\.\.[.;]{0,6}[\\/]{1,4}\.\.|(?:^[\\/]?|=|filename\*?=["']?)\.\.[.;]{0,6}[\\/]/
/** `/..` ending the value: the parent of what the application reads. */
const TRAILING_PATTERN = /[\\/]\.\.;?$/
/** One traversal beginning a path segment inside the value. */
const SINGLE_PATTERN = /(?:[\\/;\s"'`,:(|&?<>])\.\.[.;]{0,6}[\\/]/
/**
 * A dot before a slash, a backslash or `;`: what every traversal pattern but a climb ending the value needs.
 * A regex, not `includes('./')`: V8's substring search costs per occurrence of the first character, so it is
 * slow on a long run of dots, while this is one linear scan.
 */
const CLIMB = /\.[\\/;]/
const HEX_NOTATION = /0x(?:2e|2f|5c)/g
const HEX_CHARS: Record<string, string> = { '0x2e': '.', '0x2f': '/', '0x5c': '\\' }
const NUL = /%(?:25)?00|%u0000/i


/** The value's text as a file path: other headers decoded here (the framework only lowercases them), hex notation read. */
function pathText (value: Inspected): string {
  let text = value.text
  if (value.place === Place.otherHeader && (value.raw.includes('%') || value.raw.includes('&'))) text = decodeRaw(value)
  if (text.includes('0x')) text = text.replace(HEX_NOTATION, (m) => HEX_CHARS[m])
  return text
}

function traversal (value: Inspected, scope: Scope, out: Threat[], text: string): void {
  // Every pattern needs a dot before a slash or a backslash (or `;`), except a climb at the very end.
  const climbs = CLIMB.test(text)
  const m = climbs ? TRAVERSAL_PATTERN.exec(text) : null
  if (m !== null) return report(out, TRAVERSAL, value, m.index, m[0].length)
  if (text.endsWith('..') || text.endsWith('..;')) {
    const tail = TRAILING_PATTERN.exec(text.slice(-4))
    if (tail !== null) return report(out, TRAVERSAL, value, Math.max(0, text.length - 4) + tail.index, tail[0].length)
  }
  // Clients resolve dot segments before sending, so even one left in the path was put there on purpose.
  const single = value.place === Place.path ? TRAVERSAL : TRAVERSAL_SINGLE
  const one = climbs && active(single, scope) ? SINGLE_PATTERN.exec(text) : null
  if (one !== null) report(out, single, value, one.index, one[0].length)
}

function inspect (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = pathText(value)
  if (active(TRAVERSAL, scope) && (text !== value.text || (value.chars & Char.dot) !== 0)) traversal(value, scope, out, text)
  if ((value.place & (Place.path | ARGUMENT_PLACES)) !== 0 && active(NULL_BYTE, scope) && value.raw.includes('%')) {
    const m = NUL.exec(value.raw)
    if (m !== null) report(out, NULL_BYTE, value, Math.max(0, text.length - 1), 1)
  }
  const rule = (value.place & ARGUMENT_PLACES) !== 0 ? OS_FILE : value.place === Place.path ? SYSTEM_FILE_PATH : OS_FILE_HEADER
  if (!active(rule, scope) || (value.chars & (Char.dot | Char.slash | Char.backslash)) === 0) return
  const found = findFile(text, rule === SYSTEM_FILE_PATH ? SYSTEM_FILES : ALL_FILES)
  if (found !== undefined) report(out, rule, value, found.at, found.entry.length)
}

/** Path traversal and local file inclusion. */
export const lfi: Detector = {
  kind: 'lfi',
  rules: [TRAVERSAL, TRAVERSAL_SINGLE, OS_FILE, SYSTEM_FILE_PATH, NULL_BYTE, OS_FILE_HEADER],
  places: ANYWHERE,
  triggers: Char.dot | Char.slash | Char.backslash | Char.percent | Char.digit,
  inspect
}
