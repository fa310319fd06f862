import { Char } from '../chars.js'
import { active, report, reportMatch } from '../report.js'
import { ANYWHERE, ARGUMENT_PLACES, Place, ruleMaker, type Detector, type Inspected, type Scope, type Threat } from '../types.js'
import { PHP_CONFIG_DIRECTIVES } from './data/php-config-directives.js'
import { PHP_FUNCTIONS, PHP_WORD_FUNCTIONS } from './data/php-function-names-all.js'
import { NOT_WANTED, findCalls, findDangerousCall, squeezed, withoutComments, type CallHits } from './php-code.js'

const rule = ruleMaker('php')

const OPEN_TAG = rule('php-open-tag', 1, 5, 'A PHP opening tag: `<?php `, `<?=`, `<? `, `<?xml:`, or a template engine\'s `[php]`, `{php}`')
const UPLOAD = rule('php-script-upload', 1, 5, 'An uploaded file name with a PHP extension (`.php5`, `.phtml`, `.phar`…) in `X-Filename` or a multipart `filename=`')
const SESSION_UPLOAD = rule('php-session-upload', 1, 5, 'An uploaded file named like a PHP session file (`sess_<id>`), to plant session data')
const CONFIG = rule('php-config-directive', 1, 5, 'A php.ini directive set in a value: `allow_url_include=1`, `auto_prepend_file=`, `memory_limit =`…')
const SUPERGLOBAL = rule('php-superglobal', 1, 5, 'A PHP superglobal: `$_GET`, `$_POST`, `$_REQUEST`, `$_SERVER`, `$_COOKIE`, `$GLOBALS`…')
const VARIABLE_VARIABLE = rule('php-variable-variable', 1, 5, 'A PHP variable named by an expression: `${\'a\'}`, `${$a}`')
const WRAPPER = rule('php-stream-wrapper', 1, 5, 'A PHP stream wrapper: `php://input`, `php://filter`, `phar://`, `zip://`, `expect://`, `data://`…')
const CALL = rule('php-function-call', 1, 5, 'A call of a dangerous PHP function: `system(`, `eval(`, `base64_decode(`, `call_user_func(`…, comments and whitespace allowed')
const VARIABLE_CALL = rule('php-variable-call', 1, 5, 'A call through a variable: `$f(…)`, `$a[\'x\'](…)`, `${\'a\'}(…)`, `$obj->$m()`')
const CALLABLE_STRING = rule('php-callable-string', 1, 5, 'A call of a string or expression: `(system)(\'id\');`, `"sys"."tem"(\'id\');`, `[system][0](ls);`')
const SERIALIZED = rule('php-serialized-object', 1, 5, 'A serialized PHP object: `O:8:"stdClass":1:{…`')
const ANY_CALL = rule('php-any-function-call', 2, 5, 'A call of any PHP function of the language\'s dictionary (about 2,200 names): `array_diff (`, `ldap_get_entries(`')
const WORD_CALL = rule('php-word-function-call', 3, 5, 'A call of a short PHP function whose name is also a word: `checkdate()`, `touch()`, `range()`, `crypt(…)`')
const DOUBLE_EXTENSION = rule('php-double-extension-upload', 3, 5, 'An uploaded file name with a PHP extension before another: `shell.php.jpg`')
const SERVER_VARIABLE = rule('php-server-variable', 3, 5, 'A superglobal broken by whitespace (`$_S ERVER`) or a `$_SERVER` key: `REQUEST_URI`, `HTTP_USER_AGENT`…')
const EXPRESSION_CALL = rule('php-expression-call', 3, 5, 'A parenthesised expression called at the end of a value: `(sy.(st).em)(@id)`')
const CLOSE_TAG = rule('php-close-tag', 3, 5, 'A PHP closing tag `?>` outside an XML declaration')

const OPEN_TAG_PATTERN = /<\?(?:php\s|[\s=]|$|xml(?:\s{1,64}[^a-z\s]|:))|\[[/\\]?php\]|\{\/?php\}/
const SUPERGLOBAL_PATTERN = /\$(?:_(?:get|post|request|server|cookie|files|env|session)\b|globals\b|http_(?:cookie|env|get|post|request|server)_vars\b|http_post_files\b|http_raw_post_data\b|http_response_header\b|php_errormsg\b)/
const SERVER_KEYS = /\b(?:auth_type|http_(?:accept(?:_(?:charset|encoding|language))?|connection|host|user_agent|keep_alive|referer|x_forwarded_for)|orig_path_info|path_(?:info|translated)|query_string|request_uri)\b/
const VARIABLE_VARIABLE_PATTERN = /\$\s{0,64}\{\s{0,64}[^\s{}][^{}]{0,256}\}/
// php:// streams that read the request or filter a file (PHP manual, "Supported Protocols and Wrappers"),
// and the compression, archive, SSH and expect wrappers.
const WRAPPER_PATTERN = /php:\/\/(?:std(?:in|out|err)|(?:in|out)put|fd|filter|memory|temp)|(?:^|[^a-z0-9.])(?:bzip2|expect|glob|ogg|phar|rar|ssh2(?:\.(?:shell|exec|tunnel|sftp|scp))?|zip|zlib|compress\.(?:zlib|bzip2))\s{0,4}:\/\//
// serialize() format: O:<name length>:"<class>":<property count>:{ (C: for Serializable); `O:+8:` parses too.
const SERIALIZED_PATTERN = /(?:^|[^a-z0-9_])[oc]:\+?\d{1,6}:"[^"]{1,256}":\d{1,6}:\{/
// A variable (or `${expr}`), any `[…]`/`{…}` subscripts, then `(`. A `)` must follow somewhere (checked apart).
// Tried only at the first `$` of a run: from each `$` of a long run, `\$+` would read the rest of it again.
const VARIABLE_CALL_PATTERN = /(?<!\$)\$+\s{0,4}(?:[a-z_\u0080-\uffff][a-z0-9_\u0080-\uffff]{0,63}|\{[^{}]{1,64}\})\s{0,8}(?:(?:\[(?:[^[\]]|\[[^[\]]{1,32}\]){1,64}\]|\{[^{}]{1,64}\})\s{0,8}){0,8}\(/
// On whitespace-free code: `)(`, `](`, `}(` or `"name"(` with arguments, then `);`.
const CALLABLE_PATTERN = /(?:[)\]}]|["'][a-z0-9_\\.-]{1,64}["'])\([^();]{1,200}\);/
const EXPRESSION_CALL_PATTERN = /\)\([^();0-9][^();]{0,199}\)$/
const PHP_EXTENSION = /\.ph(?:p\d{0,3}|tml|ar|ps|t|pt)\.*$/
const PHP_INNER_EXTENSION = /\.ph(?:p\d{0,3}|tml|ar|ps|t|pt)\./
const SESSION_FILE = /(?:^|[/\\])sess_[,\-0-9a-z]{20,256}$/
const MULTIPART_FILENAME = /filename\s{0,4}=\s{0,4}"([^"\r\n]{0,256})"/g
const FILENAME_HEADERS = new Set(['x-filename', 'x_filename', 'x.filename', 'x-file-name'])

const DIRECTIVES = new Set(PHP_CONFIG_DIRECTIVES)
const FUNCTIONS = new Set(PHP_FUNCTIONS)
const WORD_FUNCTIONS = new Set(PHP_WORD_FUNCTIONS)
const CODE_PLACES = ARGUMENT_PLACES | Place.path

function isDirectiveChar (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e
}

/**
 * `name=` with `name` a php.ini directive, as `ini_set`, `-d name=value` (CVE-2024-4577) or an .ini file
 * take it. A plain word (`engine`, `precision`) counts only at the start of the value, of a line, or of a
 * `name=value` pair (`var=engine=1` in a form body read raw).
 */
function findDirective (text: string): number {
  // Every `=`: the walk back from one stops at the one before (`=` is no name character), so it is linear.
  for (let eq = text.indexOf('='); eq !== -1; eq = text.indexOf('=', eq + 1)) {
    if (text.charCodeAt(eq + 1) === 0x3d) { eq++; continue }
    let end = eq
    while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
    let start = end
    while (start > 0 && end - start < 64 && isDirectiveChar(text.charCodeAt(start - 1))) start--
    if (start === end) continue
    const name = text.slice(start, end)
    if (!DIRECTIVES.has(name)) continue
    const before = start === 0 ? '\n' : text[start - 1]
    if (name.includes('_') || name.includes('.') || '\n\r;=&'.includes(before)) return start
  }
  return -1
}

/** File names of an upload: the `X-Filename` header family, or the `filename="…"` of multipart parts. */
function inspectUpload (value: Inspected, scope: Scope, out: Threat[]): void {
  const names: string[] = []
  if (value.place === Place.otherHeader) names.push(value.text)
  else {
    MULTIPART_FILENAME.lastIndex = 0
    for (let m = MULTIPART_FILENAME.exec(value.text); m !== null; m = MULTIPART_FILENAME.exec(value.text)) names.push(m[1])
  }
  for (const raw of names) {
    // Windows and PHP's own handling drop trailing dots and spaces: `shell.php .`, `photo. php`.
    const name = squeezed(raw)
    if (active(UPLOAD, scope) && PHP_EXTENSION.test(name)) report(out, UPLOAD, value, 0, 0)
    else if (active(DOUBLE_EXTENSION, scope) && PHP_INNER_EXTENSION.test(name)) report(out, DOUBLE_EXTENSION, value, 0, 0)
    if (active(SESSION_UPLOAD, scope) && SESSION_FILE.test(name)) report(out, SESSION_UPLOAD, value, 0, 0)
  }
}

/** PHP injection: PHP code, its wrappers, configuration and serialized objects in a value. */
export const php: Detector = {
  kind: 'php',
  rules: [OPEN_TAG, UPLOAD, SESSION_UPLOAD, CONFIG, SUPERGLOBAL, VARIABLE_VARIABLE, WRAPPER, CALL, VARIABLE_CALL,
    CALLABLE_STRING, SERIALIZED, ANY_CALL, WORD_CALL, DOUBLE_EXTENSION, SERVER_VARIABLE, EXPRESSION_CALL, CLOSE_TAG],
  places: ANYWHERE,
  // Every value: an upload's file name (`sess_…`) can be letters, digits and `_` only. The checks below
  // begin with the value's character bits, so a plain value costs a few comparisons.
  triggers: 0,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    const text = value.text
    const chars = value.chars
    if ((chars & (Char.lt | Char.bracket | Char.brace)) !== 0 && active(OPEN_TAG, scope)) reportMatch(out, OPEN_TAG, value, OPEN_TAG_PATTERN)
    if ((chars & Char.colon) !== 0 && (chars & Char.brace) !== 0 && active(SERIALIZED, scope)) reportMatch(out, SERIALIZED, value, SERIALIZED_PATTERN)
    if ((value.place === Place.otherHeader && FILENAME_HEADERS.has(value.name)) || (value.place === Place.body && text.includes('filename'))) inspectUpload(value, scope, out)
    if ((value.place & CODE_PLACES) === 0) return
    if ((chars & Char.dollar) !== 0) inspectVariables(value, scope, out)
    if ((chars & Char.paren) !== 0) inspectCalls(value, scope, out)
    if ((value.place & ARGUMENT_PLACES) === 0) return
    if ((chars & Char.colon) !== 0 && text.includes('://') && active(WRAPPER, scope)) reportMatch(out, WRAPPER, value, WRAPPER_PATTERN)
    if ((chars & Char.equals) !== 0 && active(CONFIG, scope)) {
      const at = findDirective(text)
      if (at !== -1) report(out, CONFIG, value, at, 20)
    }
    if (active(SERVER_VARIABLE, scope) && text.includes('_')) {
      if (!reportMatch(out, SERVER_VARIABLE, value, SERVER_KEYS) && (chars & Char.dollar) !== 0) {
        const m = SUPERGLOBAL_PATTERN.exec(squeezed(text))
        if (m !== null) report(out, SERVER_VARIABLE, value, text.indexOf('$'), m[0].length)
      }
    }
    if ((chars & Char.question) !== 0 && text.includes('?>') && !/<\?(?!php)[a-z]/.test(text) && active(CLOSE_TAG, scope)) reportMatch(out, CLOSE_TAG, value, /\?>/)
  }
}

function inspectVariables (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = value.text
  if (active(SUPERGLOBAL, scope) && (value.place & ARGUMENT_PLACES) !== 0) reportMatch(out, SUPERGLOBAL, value, SUPERGLOBAL_PATTERN)
  if ((value.chars & Char.brace) !== 0 && active(VARIABLE_VARIABLE, scope)) reportMatch(out, VARIABLE_VARIABLE, value, VARIABLE_VARIABLE_PATTERN)
  if ((value.chars & Char.paren) !== 0 && active(VARIABLE_CALL, scope)) {
    const code = withoutComments(text)
    const m = VARIABLE_CALL_PATTERN.exec(code)
    if (m !== null && code.indexOf(')', m.index + m[0].length) !== -1) report(out, VARIABLE_CALL, value, m.index, m[0].length)
  }
}

function inspectCalls (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = value.text
  const code = withoutComments(text)
  const hits: CallHits = {
    dangerous: active(CALL, scope) ? -1 : NOT_WANTED,
    named: active(ANY_CALL, scope) ? -1 : NOT_WANTED,
    word: active(WORD_CALL, scope) ? -1 : NOT_WANTED
  }
  findCalls(code, FUNCTIONS, WORD_FUNCTIONS, hits)
  if (hits.dangerous === -1 && code !== text) hits.dangerous = findDangerousCall(text)
  if (hits.dangerous >= 0) report(out, CALL, value, hits.dangerous, 20)
  if (hits.named >= 0) report(out, ANY_CALL, value, hits.named, 20)
  if (hits.word >= 0) report(out, WORD_CALL, value, hits.word, 20)
  if ((value.place & ARGUMENT_PLACES) === 0) return
  const tight = squeezed(code)
  if ((value.chars & Char.semicolon) !== 0 && active(CALLABLE_STRING, scope)) {
    const m = CALLABLE_PATTERN.exec(tight)
    if (m !== null) report(out, CALLABLE_STRING, value, 0, 0)
  }
  if (active(EXPRESSION_CALL, scope) && EXPRESSION_CALL_PATTERN.test(tight)) report(out, EXPRESSION_CALL, value, 0, 0)
}
