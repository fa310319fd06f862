/**
 * Reading a value as PHP source: comments removed the way the PHP lexer drops them, and function calls found
 * by walking back from each `(` to the name before it, so the cost is one short walk per parenthesis whatever
 * the number of names looked for.
 */
import { withoutSpaces } from '../units.js'
import { PHP_HIGH_RISK_FUNCTIONS } from './data/php-function-names.js'

// Execution, evaluation, file and decoding functions an injected snippet calls, matched as whole names.
// (CRS rule 933160 rates the same kind of names.)
const CALLS = new Set([
  'assert', 'assert_options', 'chr', 'create_function', 'eval', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open',
  'pcntl_exec', 'system', 'phpinfo', 'include', 'include_once', 'require', 'require_once', 'file', 'fopen', 'fputs',
  'fwrite', 'file_put_contents', 'readfile', 'unlink', 'mkdir', 'opendir', 'tmpfile', 'glob', 'stat', 'filegroup',
  'symlink', 'chmod', 'copy', 'rename', 'extract', 'putenv', 'dl', 'mail', 'unserialize', 'unpack', 'str_rot13',
  'strrev', 'md5', 'exp', 'ord', 'prev', 'intval', 'substr', 'rtrim', 'strip_tags', 'usort', 'is_a', 'imagegif',
  'imagejpeg', 'imagepng', 'imagewbmp', 'imagexbm', 'array_walk', 'call_user_func_array', 'forward_static_call',
  'preg_replace', 'mb_ereg_replace', 'ini_alter', 'pcntl_fork', 'posix_setuid', 'socket_connect'
])

// Names that are also English words: "operating system (OS)", "the file (PDF)". They count only written
// against their parenthesis or with arguments that look like code.
const WORDS = new Set(['file', 'system', 'stat', 'exp', 'ord', 'prev', 'glob', 'copy', 'rename', 'extract', 'mail',
  'include', 'require', 'chr', 'md5'])

// High-risk names (CRS 933150) are found inside longer identifiers too (`FOOcall_user_func()`), as CRS's
// phrase match does; the shortest is six letters, so a suffix of fewer is not looked up.
const HIGH_RISK = new Set(PHP_HIGH_RISK_FUNCTIONS)
const SHORTEST_HIGH_RISK = 6
const LONGEST_HIGH_RISK = Math.max(...PHP_HIGH_RISK_FUNCTIONS.map((name) => name.length))
// The first two letters of the high-risk names, as 128 x 128 flags: a suffix of a name is copied and looked
// up only when it starts like one, so the suffixes of a long name cost a table read each.
const HIGH_RISK_STARTS = new Uint8Array(128 * 128)
for (const name of PHP_HIGH_RISK_FUNCTIONS) HIGH_RISK_STARTS[name.charCodeAt(0) * 128 + name.charCodeAt(1)] = 1
const LONGEST_NAME = 64

function isNameChar (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f
}

function isSpace (c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

/** Arguments that read as code rather than prose: empty, a string, a variable, `@`, a number if `digits`. */
function codeArguments (code: string, open: number, digits = true): boolean {
  let i = open + 1
  while (i < code.length && isSpace(code.charCodeAt(i))) i++
  const c = code[i]
  return c === ')' || c === '"' || c === "'" || c === '$' || c === '@' || (digits && c >= '0' && c <= '9')
}

/** The name before a `(`: `code.slice(start, end)`, and whether code (not only whitespace) separates them. */
interface Callee { start: number, end: number, written: boolean }

/**
 * Finds the name called by the `(` at `open`. Allowed between name and `(`: whitespace, `=`, and the quotes
 * and parenthesis of `('system')(…)`; anything but whitespace there is code (`f=(`, `(f)(`, `"f"(`).
 */
function calleeOf (code: string, open: number, callee: Callee): void {
  let j = open - 1
  while (j >= 0 && isSpace(code.charCodeAt(j))) j--
  callee.written = j === open - 1
  while (j >= 0 && (isSpace(code.charCodeAt(j)) || code[j] === '=' || code[j] === ')' || code[j] === '"' || code[j] === "'")) {
    callee.written = true
    j--
  }
  callee.end = j + 1
  while (j >= 0 && callee.end - j <= LONGEST_NAME && isNameChar(code.charCodeAt(j))) j--
  callee.start = j + 1
}

/** `word(s)`: a plural in prose ("file(s)", "system(s)"), not a call. */
function plural (code: string, open: number): boolean {
  return code[open + 1] === 's' && code[open + 2] === ')'
}

/** Where the first call of each kind is in a value: an index, -1 when none, NOT_WANTED when not looked for. */
export interface CallHits {
  /** A dangerous function (CALLS, or a high-risk name ending an identifier). */
  dangerous: number
  /** A name of the `names` set of findCalls. */
  named: number
  /** A name of the `words` set of findCalls. */
  word: number
}

/** A search findCalls is not to make. */
export const NOT_WANTED = -2

/**
 * Finds the first calls of each kind in `code` (lowercase, comments removed) in one pass over its `(`, each
 * looked at once whatever the number of kinds. Set a kind of `hits` to -1 to look for it, NOT_WANTED not to.
 * - dangerous: a name of CALLS needs a `)` after its `(`; a high-risk name is enough with its `(` alone, as in
 *   CRS;
 * - named: `name(` with `name` in `names`;
 * - word: `name(` with `name` in `words`, which are words too: a `)` must follow, and a name parted from its
 *   `(` by one space needs code-like arguments ("work time (rosewood)" is prose, `touch ()` and `range \t()`
 *   are not).
 */
export function findCalls (code: string, names: ReadonlySet<string>, words: ReadonlySet<string>, hits: CallHits): void {
  const lastClose = code.lastIndexOf(')')
  const callee: Callee = { start: 0, end: 0, written: false }
  // Every `(` is looked at: the walk back from one stops at the one before, so the whole is linear.
  for (let open = code.indexOf('('); open !== -1; open = code.indexOf('(', open + 1)) {
    if (hits.dangerous !== -1 && hits.named !== -1 && hits.word !== -1) return
    // `((` (or a `(` first) has no name before it: a run of `(` is passed over at once.
    if (open === 0 || code.charCodeAt(open - 1) === 0x28) {
      while (open + 1 < code.length && code.charCodeAt(open + 1) === 0x28) open++
      continue
    }
    calleeOf(code, open, callee)
    const { start, end } = callee
    // No function has a one-letter name: `a(` repeated is passed over without copying names.
    if (end - start < 2) continue
    const name = code.slice(start, end)
    if (hits.dangerous === -1) hits.dangerous = dangerousAt(code, open, name, callee, lastClose)
    if (hits.named === -1 && names.has(name)) hits.named = start
    if (hits.word === -1 && open < lastClose && words.has(name) &&
      (callee.written || end !== open - 1 || code[open - 1] !== ' ' || codeArguments(code, open, false))) hits.word = start
  }
}

/** Index of the dangerous function `name` called by the `(` at `open` (or a high-risk one ending it), or -1. */
function dangerousAt (code: string, open: number, name: string, callee: Callee, lastClose: number): number {
  const { start, end } = callee
  if (open < lastClose && CALLS.has(name) && (!WORDS.has(name) || ((callee.written || codeArguments(code, open)) && !plural(code, open)))) return start
  for (let k = Math.max(start, end - LONGEST_HIGH_RISK); k + SHORTEST_HIGH_RISK <= end; k++) {
    const a = code.charCodeAt(k)
    const b = code.charCodeAt(k + 1)
    if (a < 128 && b < 128 && HIGH_RISK_STARTS[a * 128 + b] === 1 && HIGH_RISK.has(k === start ? name : code.slice(k, end))) return k
  }
  return -1
}

const NONE: ReadonlySet<string> = new Set()

/** Index of the first call of a dangerous PHP function in `code` (see findCalls), or -1. */
export function findDangerousCall (code: string): number {
  const hits: CallHits = { dangerous: -1, named: NOT_WANTED, word: NOT_WANTED }
  findCalls(code, NONE, NONE, hits)
  return hits.dangerous
}

/**
 * `code` without PHP comments: `/* … *\/`, `#` and `//` up to a line break, each running to the end when
 * unclosed. Only done when a value has a block comment, or a line break and a line comment: a value with
 * `//` and no line break is more likely a URL than commented code.
 */
export function withoutComments (code: string): string {
  if (code.indexOf('/*') === -1 && (code.indexOf('\n') === -1 || (code.indexOf('#') === -1 && code.indexOf('//') === -1))) return code
  return code.replace(COMMENT, ' ')
}

// Each alternative ends in a match wherever it starts (at its close, its line break, or the end), so a
// global replace is linear.
const COMMENT = /\/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+\/|\**$)|(?:#|\/\/)[^\n\r]*(?:[\n\r]|$)/g

/** `code` without whitespace, for shapes that spaces and tabs are used to break up. */
export function squeezed (code: string): string {
  return withoutSpaces(code)
}
