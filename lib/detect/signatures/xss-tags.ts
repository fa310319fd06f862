/**
 * The `<` of a value read the way an HTML5 tokenizer reads a tag open (WHATWG HTML, "tag open state"): `<`
 * or `</`, then a tag name of ASCII letters. Filters that normalise input before it reaches a page also join
 * what the tokenizer would not, so the dangerous-tag patterns tolerate whitespace after `<`, a namespace
 * prefix (`<x:script`, `<v:vmlframe`: XHTML served as XML) and a name spelt one letter at a time (`<f o r m`).
 * Each is one regular expression over the value: the engine skips to each `<` natively, and a tag name is
 * tried in bounded steps there.
 */

// Elements whose mere presence runs script, loads active content or redirects the page: frames and plugins,
// SVG and MathML (their own script and event models), base/link/meta/style (change where or how the page
// loads), forms (formaction, credential phishing), legacy IE/Netscape elements, SVG animation elements.
const DANGEROUS = [
  'iframe', 'frameset', 'frame', 'object', 'embed', 'applet', 'param', 'svg', 'math', 'base', 'link', 'meta',
  'style', 'form', 'isindex', 'vmlframe', 'import', 'xml', 'xss', 'dialog', 'marquee', 'bgsound', 'layer', 'ilayer',
  'animate', 'set', 'bindings', 'template', 'portal'
]

// Ordinary HTML elements (WHATWG element index plus obsolete ones browsers still parse).
const HTML = ('a abbr acronym address area article aside audio b bdi bdo big blink blockquote body br button ' +
  'canvas caption center cite code col colgroup command content data datalist dd del details dfn dir div dl dt ' +
  'element em fieldset figcaption figure font footer h1 h2 h3 h4 h5 h6 head header hgroup hr html i image img input ' +
  'ins kbd keygen label legend li listing main map mark menu menuitem meter multicol nav nextid nobr noembed ' +
  'noframes noscript ol optgroup option output p picture plaintext pre progress q rb rp rt rtc ruby s samp ' +
  'section select shadow slot small source spacer span strike strong sub summary sup table tbody td textarea tfoot ' +
  'th thead time title tr track tt u ul var video wbr xmp').split(' ')

/** Longer names first, so an alternation tries `frameset` before `frame`. */
function alternation (names: readonly string[]): string {
  return [...names].sort((a, b) => b.length - a.length).join('|')
}

// `<`, optional whitespace and `/`, an optional namespace prefix ending in `:`. A name must end where a
// tag name ends: `<scripts` and `<form2` are other words.
const OPEN = String.raw`<\s{0,3}\/?\s{0,3}(?:[a-z]{0,16}\s{0,3}:\s{0,3})?`
const END = '(?![a-z0-9_-])'

/** A `<script` or `</script` tag, evasions included. */
export const SCRIPT_TAG = new RegExp(OPEN + 'script' + END)
/** A tag of an element that loads or runs content, evasions included. */
export const DANGEROUS_TAG = new RegExp(OPEN + '(?:' + alternation(DANGEROUS) + ')' + END + '|<\\??\\s{0,4}import\\s{0,4}implementation')
/** Any HTML element, written as a browser reads a tag: a letter right after `<` or `</`. */
export const HTML_TAG = new RegExp('<\\/?(?:' + alternation(HTML) + ')(?![a-z0-9_:-])')

// A name spelt one letter at a time: three or more single letters, each parted by whitespace.
const SPACED = /<\s{0,3}\/?\s{0,3}((?:[a-z]\s{1,3}){2,15}[a-z])(?![a-z])/g
const SPACED_NAMES = new Set(['script', ...DANGEROUS])
const LONGEST_SPACED = Math.max(...[...SPACED_NAMES].map((name) => name.length))

/**
 * Index of a script or dangerous tag whose name is spelt with gaps (`<f o r m`), or -1. Every candidate is
 * looked at: matches do not overlap, and each is checked by reading its letters without copying them.
 */
export function findSpacedTag (text: string): number {
  SPACED.lastIndex = 0
  for (let m = SPACED.exec(text); m !== null; m = SPACED.exec(text)) {
    const spelt = m[1]
    let name = ''
    for (let i = 0; i < spelt.length && name.length <= LONGEST_SPACED; i += 1) {
      const c = spelt.charCodeAt(i)
      if (c >= 0x61 && c <= 0x7a) name += spelt[i]
    }
    if (SPACED_NAMES.has(name)) return m.index
  }
  return -1
}

// Event-handler content attributes browsers implement (WHATWG "global event handlers" and window handlers,
// plus legacy IE and SVG ones) that attacks use. A name from this list is trusted after a `/` or `,` too
// (`<svg/onload=`), or at the start of a value; an unknown `on…` name only after whitespace, a quote or `;`,
// where an attribute can start (HTML "before attribute name state"). Handler names are 3 to 50 letters after
// `on`, as CRS bounds them; `==` is a comparison, not an attribute.
const HANDLERS = (
  'beforescriptexecute afterscriptexecute animationiteration pointerrawupdate readystatechange ' +
  'transitionstart animationstart beforeactivate canplaythrough layoutcomplete loadedmetadata ' +
  'propertychange transitionend transitionrun animationend beforeunload filterchange pointerenter ' +
  'pointerleave volumechange beforepaste beforeprint contextmenu pointerdown pointermove pointerover ' +
  'afterprint beforecopy hashchange loadeddata mouseenter mouseleave mousewheel timeupdate touchstart ' +
  'beforecut dragenter dragleave dragstart focusback loadstart mousedown mousemove mouseover pointerup ' +
  'touchmove activate auxclick dblclick dragover focusout keypress mouseout pagehide pageshow popstate ' +
  'progress touchend canplay dragend focusin invalid keydown message mouseup playing seeking storage bounce ' +
  'change finish repeat resize scroll search seeked select submit toggle unload abort begin click ended ' +
  'error focus input keyup paste pause reset start wheel blur copy drag drop load play show zoom cut end'
).split(' ')

/** `on<name>=` after an attribute boundary. */
export const EVENT_HANDLER = new RegExp(String.raw`[\s"'\`;]on[a-z]{3,50}(?![a-z])\s{0,3}=(?!=)|(?:^|[/,])on(?:` + HANDLERS.join('|') + String.raw`)\s{0,3}=(?!=)`)
