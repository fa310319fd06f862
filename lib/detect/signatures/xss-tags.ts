/**
 * The `<` of a value read the way an HTML5 tokenizer reads a tag open (WHATWG HTML, "tag open state"): `<`
 * or `</`, then a tag name of ASCII letters. Filters that normalise input before it reaches a page also join
 * what the tokenizer would not, so the scan tolerates whitespace after `<`, a namespace prefix (`<x:script`,
 * `<v:vmlframe`, XHTML served as XML) and a name spelt one letter at a time (`<f o r m`).
 */

/** What the tag at a `<` is: nothing, an ordinary HTML element, one that loads or runs content, a script. */
export const TagClass = { none: 0, html: 1, dangerous: 2, script: 3 } as const

// Elements whose mere presence runs script, loads active content or redirects the page: frames and plugins,
// SVG and MathML (their own script and event models), base/link/meta/style (change where or how the page
// loads), forms (formaction, credential phishing), legacy IE/Netscape elements, SVG animation elements.
const DANGEROUS = new Set([
  'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param', 'svg', 'math', 'base', 'link', 'meta',
  'style', 'form', 'isindex', 'vmlframe', 'import', 'xml', 'xss', 'dialog', 'marquee', 'bgsound', 'layer', 'ilayer',
  'animate', 'set', 'bindings', 'template', 'portal'
])

// Ordinary HTML elements (WHATWG element index plus obsolete ones browsers still parse).
const HTML = new Set(('a abbr acronym address area article aside audio b bdi bdo big blink blockquote body br button ' +
  'canvas caption center cite code col colgroup command content data datalist dd del details dfn dir div dl dt ' +
  'element em fieldset figcaption figure font footer h1 h2 h3 h4 h5 h6 head header hgroup hr html i image img input ' +
  'ins kbd keygen label legend li listing main map mark menu menuitem meter multicol nav nextid nobr noembed ' +
  'noframes noscript ol optgroup option output p picture plaintext pre progress q rb rp rt rtc ruby s samp ' +
  'section select shadow slot small source spacer span strike strong sub summary sup table tbody td textarea tfoot ' +
  'th thead time title tr track tt u ul var video wbr xmp').split(' '))

// Longest tag name read, and most whitespace tolerated at one gap.
const NAME_LENGTH = 16
const GAP = 3

function isLetter (c: number): boolean {
  return c >= 0x61 && c <= 0x7a
}

function isDigit (c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function isSpace (c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

function skipSpace (text: string, i: number): number {
  const end = Math.min(text.length, i + GAP)
  while (i < end && isSpace(text.charCodeAt(i))) i++
  return i
}

/** The name starting at `i`: contiguous letters, or single letters each parted by whitespace. Sets `end`. */
function readName (text: string, i: number, at: { end: number }): string {
  let j = i
  // Letters, then letters or digits (`h1`).
  while (j < text.length && j - i < NAME_LENGTH && (isLetter(text.charCodeAt(j)) || (j > i && isDigit(text.charCodeAt(j))))) j++
  let name = text.slice(i, j)
  if (name.length === 1) {
    // `<f o r m`: keep reading while each gap is whitespace and each piece one letter.
    let k = j
    for (;;) {
      const next = skipSpace(text, k)
      if (next === k || !isLetter(text.charCodeAt(next)) || isLetter(text.charCodeAt(next + 1)) || name.length >= NAME_LENGTH) break
      name += text[next]
      k = next + 1
      j = k
    }
  }
  at.end = j
  return name
}

/**
 * Classifies the tag opened at `text[lt] === '<'`. `strict` reads only what a browser reads as a tag (a letter
 * right after `<` or `</`); otherwise the evasions above are accepted too.
 */
export function classifyTag (text: string, lt: number, strict: boolean): number {
  let i = lt + 1
  if (!strict) i = skipSpace(text, i)
  if (text.charCodeAt(i) === 0x2f) i = strict ? i + 1 : skipSpace(text, i + 1) // `</`
  if (strict && !isLetter(text.charCodeAt(i))) return TagClass.none
  const at = { end: i }
  let name = readName(text, i, at)
  let next = text.charCodeAt(at.end)
  if (next === 0x3a && !strict) {
    // A namespace prefix (possibly empty, `<:vmlframe`): the element is what follows the colon.
    name = readName(text, skipSpace(text, at.end + 1), at)
    next = text.charCodeAt(at.end)
  }
  if (name === '') return TagClass.none
  // The name must end there: `<scripts` or `<form2` are other words.
  if (isLetter(next) || isDigit(next) || next === 0x5f || next === 0x2d) return TagClass.none
  if (name === 'script') return TagClass.script
  if (DANGEROUS.has(name)) return TagClass.dangerous
  return HTML.has(name) ? TagClass.html : TagClass.none
}

// Event-handler content attributes browsers implement (WHATWG "global event handlers" and window handlers,
// plus legacy IE and SVG ones) that attacks use. A name from this list is trusted after a `/` or `,` too
// (`<svg/onload=`); an unknown `on…` name only after whitespace or a quote, where an attribute can start.
const HANDLERS = new Set(('load error click dblclick auxclick contextmenu mouseover mouseout mouseenter mouseleave ' +
  'mousemove mousedown mouseup mousewheel wheel focus focusin focusout blur change input invalid submit reset ' +
  'select search keydown keyup keypress abort beforeunload unload resize scroll toggle begin end repeat start ' +
  'finish bounce pageshow pagehide hashchange message popstate storage copy cut paste drag dragstart dragend ' +
  'dragover dragenter dragleave drop play playing pause canplay canplaythrough loadstart loadeddata ' +
  'loadedmetadata progress ended seeked seeking timeupdate volumechange animationstart animationend ' +
  'animationiteration transitionend transitionrun transitionstart pointerover pointerdown pointerup pointerenter ' +
  'pointerleave pointermove pointerrawupdate touchstart touchend touchmove readystatechange propertychange ' +
  'beforescriptexecute afterscriptexecute beforeprint afterprint beforecopy beforecut beforepaste show ' +
  'activate beforeactivate focusback filterchange layoutcomplete zoom').split(' '))

// Handler names are 3 to 50 letters after `on`, as CRS bounds them.
const MIN_NAME = 3
const MAX_NAME = 50

/** Whether `c` may precede an attribute name: whitespace, a quote or backtick, `;`. */
function opensAttribute (c: number): boolean {
  return isSpace(c) || c === 0x22 || c === 0x27 || c === 0x60 || c === 0x3b
}

/**
 * Index of the first `on<name>=` that reads as an event-handler attribute (HTML "attribute name state": the
 * name ends at whitespace, `/`, `>` or `=`), or -1. `==` is a comparison, not an attribute.
 */
export function findEventHandler (text: string): number {
  for (let at = text.indexOf('on'); at !== -1; at = text.indexOf('on', at + 2)) {
    let j = at + 2
    while (j < text.length && j - at - 2 <= MAX_NAME && isLetter(text.charCodeAt(j))) j++
    const length = j - at - 2
    if (length < MIN_NAME || length > MAX_NAME) continue
    const after = skipSpace(text, j)
    if (text.charCodeAt(after) !== 0x3d || text.charCodeAt(after + 1) === 0x3d) continue
    const before = at === 0 ? -1 : text.charCodeAt(at - 1)
    if (opensAttribute(before)) return at
    if ((before === -1 || before === 0x2f || before === 0x2c) && HANDLERS.has(text.slice(at + 2, j))) return at
  }
  return -1
}
