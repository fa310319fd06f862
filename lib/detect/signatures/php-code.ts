/**
 * Reading a value as PHP source: comments removed the way the PHP lexer drops them, and function calls found
 * by walking back from each `(` to the name before it, so the cost is one short walk per parenthesis whatever
 * the number of names looked for.
 */
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
const LONGEST_NAME = 64
// Parentheses looked at per value: a hostile value of thousands of `f(` stays cheap. A call behind that
// many others still leaves its `$`, quotes and tags to other rules.
const MAX_CALLEES = 512

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

/**
 * Index of the first call of a dangerous PHP function in `code` (lowercase, comments removed), or -1. A name
 * of CALLS needs a `)` after its `(`; a high-risk name is enough with its `(` alone, as in CRS.
 */
export function findDangerousCall (code: string): number {
  const lastClose = code.lastIndexOf(')')
  const callee: Callee = { start: 0, end: 0, written: false }
  let budget = MAX_CALLEES
  for (let open = code.indexOf('('); open !== -1 && budget > 0; open = code.indexOf('(', open + 1)) {
    budget--
    calleeOf(code, open, callee)
    const { start, end } = callee
    if (start === end) continue
    const name = code.slice(start, end)
    const word = WORDS.has(name)
    if (CALLS.has(name) && open < lastClose && (!word || ((callee.written || codeArguments(code, open)) && !plural(code, open)))) return start
    for (let k = 0; k + SHORTEST_HIGH_RISK <= name.length; k++) if (HIGH_RISK.has(k === 0 ? name : name.slice(k))) return start + k
  }
  return -1
}

/**
 * Index of the first `name(` in `code` with `name` one of `names`, or -1. With `words`, the names are words
 * too: a `)` must follow, and a name parted from its `(` by one space needs code-like arguments ("work time
 * (rosewood)" is prose, `touch ()` and `range \t()` are not).
 */
export function findNamedCall (code: string, names: ReadonlySet<string>, words: boolean): number {
  const closed = words
  const lastClose = closed ? code.lastIndexOf(')') : code.length
  const callee: Callee = { start: 0, end: 0, written: false }
  let budget = MAX_CALLEES
  for (let open = code.indexOf('('); open !== -1 && open < lastClose && budget > 0; open = code.indexOf('(', open + 1)) {
    budget--
    calleeOf(code, open, callee)
    if (callee.start === callee.end) continue
    if (!names.has(code.slice(callee.start, callee.end))) continue
    if (!words || callee.written || callee.end !== open - 1 || code[open - 1] !== ' ' || codeArguments(code, open, false)) return callee.start
  }
  return -1
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
  return code.replace(/\s+/g, '')
}
