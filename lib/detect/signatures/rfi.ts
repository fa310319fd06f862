/**
 * Remote file inclusion: an argument that hands a PHP-style `include($_GET[...])` a URL to fetch and run (CRS
 * 931100-931131 and fail2ban's php-url-fopen for the idea).
 *
 * A URL in an argument is ordinary (`?next=https://example.com/page`), so paranoia 1 keeps to what marks an
 * inclusion: a trailing `?` (it turns the `.php` the application appends into a query string), a host given
 * as an IP literal, a script or text file at the end of the URL, or a parameter named like an include path.
 * Any URL in an argument or the path is left to paranoia 2.
 */
import { active, report } from '../report.js'
import { Char } from '../chars.js'
import { ARGUMENT_PLACES, Place, ruleMaker, type Detector, type Inspected, type Scope, type Threat } from '../types.js'

const rule = ruleMaker('rfi')

const TRAILING_QUESTION = rule('rfi-url-trailing-question', 1, 5,
  'An argument is a URL (http, https, ftp, ftps, file) ending in `?`: the appended extension becomes its query string')
const IP_HOST = rule('rfi-ip-host', 1, 5,
  'A URL whose host is an IPv4 or IPv6 literal (or a decimal address) in an argument or a body')
const INCLUDE_PARAMETER = rule('rfi-include-parameter', 1, 5,
  'A URL in a parameter named like an include path (`file`, `include`, `path`, `template`, `mosConfig_absolute_path`...)')
const SCRIPT_URL = rule('rfi-script-url', 1, 5,
  'A URL pointing to a script or text file (`.txt`, `.inc`, `.sh`, `.pl`, `.py`, `.ps1`, `.cgi`): a payload to include')
const PAGE_URL = rule('rfi-page-url', 1, 3,
  'A URL pointing to a server page (`.php`, `.asp`, `.jsp`): ordinary links do this too, so it is a hint alone')
const URL_ARGUMENT = rule('rfi-url-argument', 2, 5,
  'An argument begins with a URL of any scheme (`https://`, `gopher://`, `jar:`, `url:file://`)')
const URL_PATH = rule('rfi-url-path', 2, 5,
  'The path carries a URL (`/https://...`, `/file:///...`)')


// `name=` before the value when a whole form body is one text value.
const PAIR = '(?:[a-z0-9_.\\[\\]-]{1,64}=)?'
const SCHEME = '(?:https?|ftps?|file)'
/**
 * The value is a scheme, possibly a whole URL, and ends in one or more `?` (931120's shape): this is what is
 * left before the trailing `?`s. (One regex with `[^\\s]{0,2048}\\?+$` backtracks through a long run of `?` once
 * per character of it.)
 */
const BEFORE_QUESTIONS = new RegExp(`^${PAIR}${SCHEME}(?::\\/\\/\\S{0,2048})?$`)
/** The last character that is not `?`: each start reads only the run of `?` after it, so the search is linear. */
const LAST_NOT_QUESTION = /[^?]\?*$/
/** A URL at the start of a token, host an IPv4 address, a bracketed or bare IPv6 address, or a 32-bit number. */
const IP_HOST_PATTERN = new RegExp(`(?:^|[\\s"'=<>(,;])${SCHEME}:\\/\\/(?:[^\\s/@]{0,64}@)?` +
  '(?:\\d{1,3}(?:\\.\\d{1,3}){3}|\\[[0-9a-f:.]{2,45}\\]|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:[/?#]|$)|\\d{8,10}(?:[/:?#]|$))')
/** The value begins with a scheme (a cheap test before looking for the end of its `?`s). */
const URL_START_OR_SCHEME = new RegExp(`^${PAIR}${SCHEME}[:?]`)
/** The value begins with a URL. */
const URL_START = new RegExp(`^${PAIR}${SCHEME}:\\/\\/`)
/**
 * A URL at the start of a token and its path up to the first character that ends a URL in text: the path is
 * consumed, so a URL inside another's path (which ends where it ends) is not looked at again.
 */
const FILE_URL = /(?:^|[\s"'=<>(])(?:https?|ftps?|file):\/\/[^\s?#"'<>]*/g
/** The end of a URL's path: a script or text extension (group 1). */
const FILE_EXTENSION = /\.(txt|inc|sh|pl|py|ps1|cgi|bat|php\d?|phtml|aspx?|jsp)$/
const SCRIPT_EXTENSIONS = new Set(['txt', 'inc', 'sh', 'pl', 'py', 'ps1', 'cgi', 'bat'])
/**
 * Parameter names of include paths: whole words of the name (`file`, `_conf[path]`, `config[root_dir]`,
 * `mosconfig_absolute_path`, `gallery_basedir`, `_server[document_root]`).
 */
const INCLUDE_NAME = /(?:^|[_\[.-])(?:include|inc|require|file|filename|path|absolute_path|dir|basedir|base_dir|root|root_dir|rootdir|docroot|document_root|template|tpl|theme|skin|lang|language|module|mod|conf|config|cfg|lib|libdir|appserv_root)(?:$|[\]_.-])/
/** Any scheme, with the `url:` and `jar:` wrappers of Java URL handlers. */
const ANY_URL_START = /^(?:url:|jar:)?[a-z][a-z0-9+._-]{1,20}:\/\/|^jar:/
/**
 * Parameters whose name says they carry a link (`url`, `redirect_uri`, `next`, `q`...): a URL there is what the
 * application expects, so rfi-url-argument leaves them to the more specific rules (open redirects and SSRF
 * are other families).
 */
const URL_NAME = /(?:^|[_\[.-])(?:url|uri|link|href|redirect|redirect_uri|redirect_url|next|return|returnurl|return_to|returnto|callback|loc|location|q|query|search|target|dest|destination|continue|goto|ref|referer|referrer|site|website|homepage|feed|source|origin|u|ssrf)(?:$|[\]_.-])/
const PATH_URL = new RegExp(`\\/${SCHEME}:\\/\\/?`)

/** Reports the first URL whose path ends in a script or text file; every URL is read, in one pass. */
function fileUrl (value: Inspected, out: Threat[]): void {
  const text = value.text
  FILE_URL.lastIndex = 0
  let m
  while ((m = FILE_URL.exec(text)) !== null) {
    const at = text.indexOf('://', m.index)
    const end = m.index + m[0].length
    // The extension is at most six characters with its dot: only the end of the path is read.
    const ext = FILE_EXTENSION.exec(text.slice(Math.max(at + 3, end - 8), end))
    if (ext !== null) return report(out, SCRIPT_EXTENSIONS.has(ext[1]) ? SCRIPT_URL : PAGE_URL, value, at, end - at)
  }
}

function inspect (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = value.text
  if (value.place === Place.path) {
    // No `includes(':/')` first: a string search for it is slow on a run of `:`, the regex is not.
    if (active(URL_PATH, scope)) {
      const m = PATH_URL.exec(text)
      if (m !== null) report(out, URL_PATH, value, m.index, m[0].length)
    }
    return
  }
  if (text.charCodeAt(text.length - 1) === 0x3f && active(TRAILING_QUESTION, scope) && URL_START_OR_SCHEME.test(text)) {
    const last = LAST_NOT_QUESTION.exec(text)
    if (last !== null && BEFORE_QUESTIONS.test(text.slice(0, last.index + 1))) report(out, TRAILING_QUESTION, value, 0, text.length)
  }
  if (!text.includes(':')) return
  if (active(IP_HOST, scope)) {
    const m = IP_HOST_PATTERN.exec(text)
    if (m !== null) report(out, IP_HOST, value, m.index, m[0].length)
  }
  if (active(SCRIPT_URL, scope)) fileUrl(value, out)
  if (active(INCLUDE_PARAMETER, scope) && INCLUDE_NAME.test(value.name) && URL_START.test(text)) report(out, INCLUDE_PARAMETER, value, 0, text.length)
  if (active(URL_ARGUMENT, scope) && ANY_URL_START.test(text) && !URL_NAME.test(value.name.toLowerCase())) report(out, URL_ARGUMENT, value, 0, text.length)
}

/** Remote file inclusion. */
export const rfi: Detector = {
  kind: 'rfi',
  rules: [TRAILING_QUESTION, IP_HOST, INCLUDE_PARAMETER, SCRIPT_URL, PAGE_URL, URL_ARGUMENT, URL_PATH],
  places: ARGUMENT_PLACES | Place.path,
  triggers: Char.colon | Char.question,
  inspect
}
