/**
 * Patterns for the script side of cross-site scripting: URL schemes that run script, CSS that runs script,
 * DOM sinks and calls, and the obfuscations of JavaScript itself. Every pattern is matched on the decoded,
 * lowercased text; repetitions are bounded and alternatives start with distinct characters, so each runs in
 * time linear in the value.
 */

/**
 * `javascript:`, `vbscript:`, `livescript:`. The URL parser removes tab and newline anywhere in a URL
 * (WHATWG URL, "remove all ASCII tab or newline"), so `ja\tvascript:` is still the scheme.
 */
export const SCRIPT_SCHEME = /(?:j\s{0,4}a\s{0,4}v\s{0,4}a|v\s{0,4}b|l\s{0,4}i\s{0,4}v\s{0,4}e)\s{0,4}s\s{0,4}c\s{0,4}r\s{0,4}i\s{0,4}p\s{0,4}t\s{0,4}:/

/**
 * `data:` URLs a browser renders as a document or runs (RFC 2397): HTML, XML, SVG or script media types, or
 * any data URL whose content is markup (`data:,<svg …`). Each part's characters end it, so there is no
 * backtracking.
 */
export const DATA_URL = /data\s{0,4}:\s{0,4}(?:text\/(?:html|xml|javascript)|image\/svg|application\/(?:x-)?(?:javascript|ecmascript|xhtml|xml)|(?:[a-z]{1,20}\/[a-z0-9.+-]{1,40})?\s{0,4}(?:;[a-z0-9=;-]{0,60})?,\s{0,8}<[a-z!?/])/

/**
 * CSS that runs script: IE `expression()` and `behavior:url()`, Mozilla XBL `-moz-binding`, `url()` of a
 * script URL, and `@import` of a style sheet (CSS Syntax: an `@import` with a string or `url(`). Every
 * alternative starts with a literal character, so the engine skips natively to the places one could start.
 */
export const CSS_SCRIPT = /(?<![a-z\s])expression\(|[:=]\s{0,4}expression\s{0,4}\(|-moz-binding|behavior\s{0,4}:\s{0,4}url\s{0,4}\(|url\s{0,4}\(\s{0,4}['"]?\s{0,4}(?:java|vb)script|@\s{0,4}import\s{0,4}(?:['"]|url\s{0,4}\()/

/** CSS escapes of a non-hex character stand for the character (CSS Syntax, "consume an escaped code point"). */
export function cssUnescape (text: string): string {
  return text.replace(/\\+(?![0-9a-f])/g, '')
}

/**
 * Reads and writes of the DOM that carry data out or navigate: `document.cookie`, `window.location`, and
 * the bracket forms `window["alert"]`, `(document)["cookie"]`, `self["$"]` that dodge dotted names. A `+`
 * between tokens is read as the space it was in a form body read raw.
 */
export const DOM_ACCESS = /\b(?:document|window)[\s+]{0,8}\)?[\s+]{0,8}\.[\s+]{0,8}(?:cookie|domain|location|write|body|head|documentelement|createelement|queryselector|getelementby|forms|referrer|execcommand|open[\s+]{0,4}\(|alert|eval|localstorage|sessionstorage|childnodes|implementation|defaultview|opener|navigate|fetch|settimeout|setinterval|atob)|\b(?:document|window|self|top|parent|frames|globalthis|opener)[\s+]{0,8}\)?[\s+]{0,8}\[[\s+]{0,8}["'`]|\b(?:self|top|parent|opener|frames|globalthis)[\s+]{0,8}\.[\s+]{0,8}(?:document|location|alert|eval|cookie|settimeout|setinterval|fetch|open[\s+]{0,4}\()|\.[\s+]{0,4}(?:innerhtml|outerhtml|insertadjacenthtml|parentnode|appendchild)\b/

/**
 * Calls of the functions XSS probes use: dialogs (`alert(1)`, ``alert`1` ``), string evaluation
 * (`eval`, `setTimeout`, `new Function`), base64 and char-code decoding, dynamic `import()`. The name must
 * start a word (a digit or a non-ASCII letter before it continues an identifier): `1alert(1)` is not a call. English words (`alert`, `prompt`, `confirm`) must touch their
 * parenthesis, so "weather alert (severe)" stays text.
 */
export const JS_CALL = /(?<![a-z0-9_$\u0080-\uffff])(?:alert|prompt|confirm|import|(?:eval|settimeout|setinterval|execscript|atob|btoa|fromcharcode|new\s{1,4}function)\s{0,4})[(`]/

/** A function called with a template literal through `call`/`apply`/`bind`: ``[].sort.call`${alert}1` ``. */
export const TAGGED_TEMPLATE = /\.\s{0,8}(?:call|apply|bind)\s{0,8}`/

/** JSFuck: JavaScript written with `[]()!+` only; `![]`, `!![]` and `![]+[]` are its building blocks. */
export const JSFUCK = /!!\s{0,2}\[\s{0,2}\]|!\s{0,2}\[\s{0,2}\][\s+]{0,4}\[\s{0,2}\]/

/** UTF-7 `<` and `>` (`+ADw-`, `+AD4-`, RFC 2152), for pages a browser can be tricked into reading as UTF-7. */
export const UTF7 = /\+ad[w4]-|(?:^|\s)adw-[a-z/!]/

// Characters that stand for `<` and `>` after a lossy conversion: ¼ and ¾ (0xBC, 0xBE) lose their high bit in
// US-ASCII; fullwidth ＜ ＞ fold to `<` `>` under Unicode NFKC; `\xbc` is the same byte written as an escape.
const ALT_LT = '(?:\\\\xbc|[\\u00bc\\uff1c])'
// A UTF-8 lead byte written as an escape may come first: `\xc2\xbe`, `\xd0\xbe`.
const ALT_GT = '(?:\\\\x[c-f][0-9a-f])?(?:\\\\xbe|[\\u00be\\uff1e])'
const ALT_OPEN = new RegExp(`${ALT_LT}\\s{0,3}[a-z]{1,20}\\s{0,3}${ALT_GT}`)
const ALT_CLOSE = new RegExp(`${ALT_LT}\\s{0,3}/\\s{0,3}[a-z]{1,20}\\s{0,3}${ALT_GT}`, 'g')

/** Index of an element written with look-alike brackets, opened and later closed (`¼script¾…¼/script¾`), or -1. */
export function findAltBrackets (text: string): number {
  const open = ALT_OPEN.exec(text)
  if (open === null) return -1
  ALT_CLOSE.lastIndex = open.index + open[0].length
  return ALT_CLOSE.test(text) ? open.index : -1
}

/** XML external entity declarations (`<!ENTITY % x SYSTEM "http://…">`, XML 1.0 §4.2.2). */
export const XML_ENTITY = /!\s{0,4}entity\s{1,4}(?:%\s{0,4})?[a-z0-9_.:-]{1,64}\s{1,4}(?:system|public)\b/

/** XML namespaces that make a browser read markup as XHTML/SVG, XLink, XInclude and schema locations. */
export const XML_NAMESPACE = /\bxmlns(?::[a-z0-9_-]{1,32})?\s{0,4}=|\bxlink\s{0,4}:\s{0,4}href|\bxsi\s{0,4}:\s{0,4}schemalocation|\bxi\s{0,4}:\s{0,4}include/

/** Attributes that carry a document or a URL to run: `formaction=`, `srcdoc=`, after an attribute boundary. */
export const DANGEROUS_ATTRIBUTE = /[\s"'/`;](?:formaction|srcdoc)\s{0,4}=/

/** Server-side include directives (Apache mod_include) written into a value. */
export const SSI = /<!--\s{0,4}#\s{0,4}(?:exec|include|echo|set|config|fsize|flastmod|printenv|if|elif)\b/

/** AngularJS sandbox escapes inside `{{ }}`: reaching `Function` through `constructor`, `$eval`, `$on`. */
export const ANGULAR_ESCAPE = /constructor|\$eval|\$on\b|\$\$|fromcharcode|\.\s{0,4}charat\s{0,4}=|(?<![a-z0-9_$])(?:alert|prompt|confirm|eval)\s{0,4}\(/

/** JavaScript escapes of characters that need none, two close together (`\u0076\u0061l`, `\x73y\x73`). */
export const JS_ESCAPES = /\\(?:u00[0-9a-f]{2}|x[0-9a-f]{2})[a-z0-9]{0,4}\\(?:u00[0-9a-f]{2}|x[0-9a-f]{2})/

// Unrolled (Friedl): every `/*` ends in a match, at its `*/` or at the end, so replacing is linear.
const BLOCK_COMMENT = /\/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+\/|\**$)/g

/** `/* … *\/` comments removed, as JavaScript and CSS ignore them (an unclosed one runs to the end). */
export function withoutBlockComments (text: string): string {
  return text.indexOf('/*') === -1 ? text : text.replace(BLOCK_COMMENT, ' ')
}
