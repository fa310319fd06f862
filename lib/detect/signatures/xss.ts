import { Char } from '../chars.js'
import { decodeEntities, percentDecode } from '../decode.js'
import { active, report, reportMatch } from '../report.js'
import { ANYWHERE, Place, ruleMaker, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { DANGEROUS_TAG as DANGEROUS_TAG_PATTERN, EVENT_HANDLER as EVENT_HANDLER_PATTERN, HTML_TAG as HTML_TAG_PATTERN, SCRIPT_TAG as SCRIPT_TAG_PATTERN, findSpacedTag } from './xss-tags.js'
import {
  ANGULAR_ESCAPE, CSS_SCRIPT, DANGEROUS_ATTRIBUTE, DATA_URL, DOM_ACCESS, JSFUCK, JS_CALL,
  JS_ESCAPES, SCRIPT_SCHEME, SSI, TAGGED_TEMPLATE, UTF7, XML_ENTITY, XML_NAMESPACE, cssUnescape, findAltBrackets,
  withoutBlockComments
} from './xss-script.js'

const rule = ruleMaker('xss')

const SCRIPT_TAG = rule('xss-script-tag', 1, 5, 'A `<script` or `</script` tag, also after whitespace or namespaced (`< x:script`)')
const DANGEROUS_TAG = rule('xss-dangerous-tag', 1, 5, 'A tag that loads or runs content (iframe, object, embed, svg, base, link, meta, style, form, vmlframe, `<?import`…), or any such tag or script spelt with gaps (`<f o r m`)')
const EVENT_HANDLER = rule('xss-event-handler', 1, 5, 'An `on…=` event-handler attribute after whitespace, a quote, `/` or `;` (`" onmouseover=`, `<svg/onload=`)')
const SCRIPT_URL = rule('xss-script-url', 1, 5, 'A `javascript:`/`vbscript:` URL, with tab/newline evasions, in an attribute or followed by code')
const DATA_URL_RULE = rule('xss-data-url', 1, 5, 'A `data:` URL of HTML, XML, SVG or script, or one whose content is markup')
const CSS_RULE = rule('xss-css-script', 1, 5, 'CSS that runs script: `expression(`, `-moz-binding`, `behavior:url(`, `url(javascript`, `@import`')
const DOM_RULE = rule('xss-dom-access', 1, 5, 'DOM reads and sinks: `document.cookie`, `window.location`, `.innerHTML`, `window["alert"]`, `(document)["cookie"]`')
const JS_CALL_RULE = rule('xss-js-call', 1, 5, 'A call of `alert`, `prompt`, `confirm`, `eval`, `setTimeout`, `new Function`, `atob`, `fromCharCode`… with `(` or a template')
const TEMPLATE_CALL = rule('xss-tagged-template', 1, 5, 'A function called through a tagged template: ``[].sort.call`${alert}1` ``')
const JSFUCK_RULE = rule('xss-jsfuck', 1, 5, 'JSFuck building blocks: `!![]`, `![]+[]`')
const UTF7_RULE = rule('xss-utf7', 1, 5, 'UTF-7 encoded `<` or `>`: `+ADw-`, `+AD4-`')
const ALT_BRACKETS = rule('xss-alternate-brackets', 1, 5, 'An element opened and closed with look-alike brackets: ¼ ¾ (US-ASCII high-bit loss), fullwidth ＜ ＞, `\\xbc`')
const XML_ENTITY_RULE = rule('xss-xml-entity', 1, 5, 'An XML external entity declaration: `<!ENTITY % x SYSTEM "…">`')
const XML_NAMESPACE_RULE = rule('xss-xml-namespace', 1, 5, 'XHTML/SVG namespaces, XLink, XInclude or schema locations in an argument (`xmlns=`, `xlink:href`, `xi:include`)')
const ATTRIBUTE_RULE = rule('xss-dangerous-attribute', 1, 5, 'A `formaction=` or `srcdoc=` attribute after an attribute boundary')
const SSI_RULE = rule('xss-ssi-directive', 1, 5, 'A server-side include directive in markup: `<!--#exec`, `<!--#include`, `<!--#set`…')
const ANGULAR_RULE = rule('xss-angular-sandbox-escape', 1, 5, 'An AngularJS expression reaching `constructor`, `$eval`, `$on` or a dialog: `{{constructor.constructor(…)()}}`')
const HTML_TAG = rule('xss-html-tag', 2, 5, 'Any HTML element tag (`<a `, `<img`, `<div>`, `</b>`)')
const TEMPLATE_EXPRESSION = rule('xss-template-expression', 2, 5, 'A client-side template expression that calls a function: `{{ f(x) }}`')
const HTML_COMMENT = rule('xss-html-comment', 2, 5, 'HTML comment or CDATA markup that can close a context: `-->`, `<!--`, `<![CDATA[`')
const JS_ESCAPE_RULE = rule('xss-js-escapes', 2, 5, 'JavaScript escapes of plain characters, two close together: `\\u0076\\u0061l`')

// Values a browser never renders: the protocol headers. Tags and handlers are still looked for there, as
// some applications echo them (logs, admin pages).
const HEADERS = Place.forwarded | Place.otherHeader
// The path carries tags and handlers (`/<svg/onload=…>`), but dotted names and calls are ordinary there.
const NOT_CODE = HEADERS | Place.path

// An XML declaration or processing instruction (`<?xml`, `<?xpacket`); `<?php` is PHP and `<?import` an IE
// element behaviour, not documents.
const XML_PROLOG = /<\?(?!php|import)[a-z]/

/**
 * The text whose `<` are tags someone wrote into the value. In an XML document (a value with a prolog: SOAP,
 * SVG, XMP, feeds) the document's own elements are markup the application expects, so only escaped markup
 * counts there: `&lt;script` in an attribute or text node is what a page would render.
 */
function markupOf (value: Inspected): string {
  if (!XML_PROLOG.test(value.text)) return value.text
  let s = value.raw
  if (s.includes('%')) {
    s = percentDecode(s, (value.place & (Place.query | Place.queryName)) !== 0)
    if (s.includes('%')) s = percentDecode(s, false)
  }
  return decodeEntities(s.replaceAll('<', ' ')).toLowerCase()
}

function scanTags (value: Inspected, scope: Scope, out: Threat[]): void {
  let m: RegExpExecArray | null = null
  // A script element is script in any document: an SVG upload with `<script>` is stored XSS.
  if (active(SCRIPT_TAG, scope) && value.text.includes('script') && (m = SCRIPT_TAG_PATTERN.exec(value.text)) !== null) report(out, SCRIPT_TAG, value, m.index, m[0].length)
  if (m !== null) return
  const text = markupOf(value)
  if (active(DANGEROUS_TAG, scope) && (m = DANGEROUS_TAG_PATTERN.exec(text)) !== null) report(out, DANGEROUS_TAG, value, m.index, m[0].length)
  if (m !== null) return
  const spaced = (value.chars & Char.space) !== 0 && active(DANGEROUS_TAG, scope) ? findSpacedTag(text) : -1
  if (spaced !== -1) report(out, DANGEROUS_TAG, value, spaced, 12)
  else if (active(HTML_TAG, scope) && (m = HTML_TAG_PATTERN.exec(text)) !== null) report(out, HTML_TAG, value, m.index, m[0].length)
}

// How SCRIPT_SCHEME ends: one search for a `p` before what starts with any of three letters at every position.
const SCHEME_END = /p\s{0,4}t\s{0,4}:/

/** `javascript:` with a gap inside the word, or after an attribute's `=`/quote, or followed by code. */
function scanScriptScheme (value: Inspected, out: Threat[]): void {
  let text = value.text
  let match = SCHEME_END.test(text) ? SCRIPT_SCHEME.exec(text) : null
  // XML text is entity-decoded once by its parser and again by the page it is written into: `ja&amp;tab;vascript:`.
  if (match === null && text.includes('&')) {
    text = decodeEntities(text).toLowerCase()
    if (SCHEME_END.test(text)) match = SCRIPT_SCHEME.exec(text)
  }
  if (match === null) return
  const end = match.index + match[0].length
  let evident = /\s/.test(match[0]) || (match.index > 0 && '=\'"(`'.includes(text[match.index - 1]))
  for (let i = end; !evident && i < text.length && i < end + 100; i++) evident = '=\\([.</\'"`'.includes(text[i])
  if (evident) report(out, SCRIPT_URL, value, match.index, match[0].length)
}

function scanTemplate (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = value.text
  const open = text.indexOf('{{')
  const close = text.indexOf('}}', open + 2)
  const inside = text.slice(open + 2, close === -1 ? open + 400 : Math.min(close, open + 400))
  if (active(ANGULAR_RULE, scope) && ANGULAR_ESCAPE.test(inside)) report(out, ANGULAR_RULE, value, open, inside.length + 4)
  else if (close !== -1 && active(TEMPLATE_EXPRESSION, scope) && inside.includes('(')) report(out, TEMPLATE_EXPRESSION, value, open, inside.length + 4)
}

/** A value that is an XML document: it has a prolog, or it is a whole body starting with an element. */
function isXmlDocument (value: Inspected): boolean {
  return XML_PROLOG.test(value.text) || (value.place === Place.body && value.name === '' && value.text.trimStart().startsWith('<'))
}

/** Cross-site scripting: markup, URLs, CSS and JavaScript that a page would run if it reflected the value. */
export const xss: Detector = {
  kind: 'xss',
  rules: [SCRIPT_TAG, DANGEROUS_TAG, EVENT_HANDLER, SCRIPT_URL, DATA_URL_RULE, CSS_RULE, DOM_RULE, JS_CALL_RULE,
    TEMPLATE_CALL, JSFUCK_RULE, UTF7_RULE, ALT_BRACKETS, XML_ENTITY_RULE, XML_NAMESPACE_RULE, ATTRIBUTE_RULE, SSI_RULE,
    ANGULAR_RULE, HTML_TAG, TEMPLATE_EXPRESSION, HTML_COMMENT, JS_ESCAPE_RULE],
  places: ANYWHERE,
  triggers: Char.lt | Char.equals | Char.colon | Char.paren | Char.backtick | Char.bracket | Char.dot | Char.plus |
    Char.brace | Char.nonAscii | Char.backslash | Char.minus | Char.bang | Char.space,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    const text = value.text
    const chars = value.chars
    if ((chars & Char.lt) !== 0) scanTags(value, scope, out)
    if ((chars & Char.equals) !== 0 && text.includes('on') && active(EVENT_HANDLER, scope)) reportMatch(out, EVENT_HANDLER, value, EVENT_HANDLER_PATTERN)
    if ((value.place & HEADERS) !== 0) return
    if ((chars & Char.colon) !== 0) {
      if (active(SCRIPT_URL, scope) && (text.includes('script') || (chars & (Char.space | Char.control | Char.amp)) !== 0)) scanScriptScheme(value, out)
      if (active(DATA_URL_RULE, scope) && text.includes('data')) reportMatch(out, DATA_URL_RULE, value, DATA_URL)
    }
    if ((chars & Char.backslash) !== 0 || RARE_WORDS.test(text)) inspectRare(value, scope, out)
    if ((chars & Char.backslash) !== 0 && active(JS_ESCAPE_RULE, scope)) reportMatch(out, JS_ESCAPE_RULE, value, JS_ESCAPES)
    if ((value.place & NOT_CODE) !== 0) return
    inspectCode(value, scope, out)
  }
}

// One pass that every rule of inspectRare needs a word of: most values have none.
const RARE_WORDS = /expression|binding|behavior|url|import|<!|entity|xmlns|xlink|xsi|xi:|formaction|srcdoc|ad[w4]-|\{\{|-->|[\u0080-\uffff]/

const CSS_PUNCTUATION = Char.paren | Char.minus | Char.at

/** Whether `text` has a word every shape of CSS_SCRIPT has: a few native searches before a regex pass. */
function hasCssWord (text: string): boolean {
  return text.includes('expression') || text.includes('binding') || text.includes('behavior') || text.includes('url') || text.includes('import')
}

/** Rules of rarer constructs: CSS, SSI, XML, attributes, UTF-7, look-alike brackets, templates, comments. */
function inspectRare (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = value.text
  const chars = value.chars
  // Every shape of CSS_SCRIPT has a `(`, `-` or `@`: without one, removing escapes cannot make one.
  if (active(CSS_RULE, scope) && !(hasCssWord(text) && reportMatch(out, CSS_RULE, value, CSS_SCRIPT)) && (chars & Char.backslash) !== 0 && (chars & CSS_PUNCTUATION) !== 0) {
    const css = cssUnescape(text)
    const m = hasCssWord(css) ? CSS_SCRIPT.exec(css) : null
    if (m !== null) report(out, CSS_RULE, value, m.index, m[0].length)
  }
  if ((chars & Char.lt) !== 0 && active(SSI_RULE, scope)) reportMatch(out, SSI_RULE, value, SSI)
  if ((chars & Char.bang) !== 0 && active(XML_ENTITY_RULE, scope)) reportMatch(out, XML_ENTITY_RULE, value, XML_ENTITY)
  // An XML document declares its namespaces; a value that is not one and does is injecting markup.
  if ((chars & (Char.equals | Char.colon)) !== 0 && active(XML_NAMESPACE_RULE, scope) && !isXmlDocument(value)) reportMatch(out, XML_NAMESPACE_RULE, value, XML_NAMESPACE)
  if ((chars & Char.equals) !== 0 && active(ATTRIBUTE_RULE, scope)) reportMatch(out, ATTRIBUTE_RULE, value, DANGEROUS_ATTRIBUTE)
  if ((chars & (Char.plus | Char.space)) !== 0 && active(UTF7_RULE, scope)) reportMatch(out, UTF7_RULE, value, UTF7)
  if (((chars & Char.nonAscii) !== 0 || text.includes('\\xbc')) && active(ALT_BRACKETS, scope)) {
    const at = findAltBrackets(text)
    if (at !== -1) report(out, ALT_BRACKETS, value, at, 10)
  }
  if ((chars & Char.brace) !== 0 && text.includes('{{')) scanTemplate(value, scope, out)
  if ((chars & (Char.lt | Char.minus)) !== 0 && active(HTML_COMMENT, scope) && (text.includes('-->') || text.includes('<!--') || text.includes('<![cdata['))) {
    report(out, HTML_COMMENT, value, Math.max(0, text.indexOf('--')), 4)
  }
}

/** JavaScript in the value: calls, DOM access, tagged templates, JSFuck. Comments are removed first. */
function inspectCode (value: Inspected, scope: Scope, out: Threat[]): void {
  const chars = value.chars
  if ((chars & (Char.paren | Char.backtick | Char.dot | Char.bracket)) === 0) return
  const code = withoutBlockComments(value.text)
  if ((chars & (Char.paren | Char.backtick)) !== 0 && active(JS_CALL_RULE, scope)) matchCode(out, JS_CALL_RULE, value, code, JS_CALL)
  if ((chars & (Char.dot | Char.bracket)) !== 0 && active(DOM_RULE, scope)) matchCode(out, DOM_RULE, value, code, DOM_ACCESS)
  if ((chars & Char.backtick) !== 0 && active(TEMPLATE_CALL, scope)) matchCode(out, TEMPLATE_CALL, value, code, TAGGED_TEMPLATE)
  if ((chars & Char.bang) !== 0 && (chars & Char.bracket) !== 0 && active(JSFUCK_RULE, scope)) matchCode(out, JSFUCK_RULE, value, code, JSFUCK)
}

function matchCode (out: Threat[], r: Rule, value: Inspected, code: string, pattern: RegExp): void {
  const m = pattern.exec(code)
  if (m !== null) report(out, r, value, m.index, m[0].length)
}
