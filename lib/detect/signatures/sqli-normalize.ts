/**
 * The SQL reading of a decoded value: what a database's lexer keeps of it. Injections hide keywords from
 * signatures with the lexer's own rules, so they are undone here before matching:
 * - block comments `/* ... *\/` separate tokens (`union/**\/select`): they become one space;
 * - MySQL executable comments `/*!50000select*\/` run their content (MySQL manual, "Comments"): the opener with
 *   its version digits and the closer become spaces, the content stays;
 * - a line comment (`#`, `-- `) that a newline ends (`union#\nselect`) becomes a space; one that runs to the
 *   end of the value stays, since ending a query early is itself a sign of injection;
 * - every whitespace the lexers accept (tab, CR, LF, VT, FF, NBSP) and `+` become a space, runs one space.
 */

// Whatever makes the SQL reading differ from the text: a comment opener or closer, a line break or another
// whitespace, a run of spaces.
const NEEDS_VIEW = /\/\*|\*\/|[\t\n\r\v\f\u00a0+]| {2}/

// `+` too: a body sent without a form content type keeps the `+` of its form encoding, and between SQL
// tokens `+` separates them as a space does (`'+sleep(5)+'`).
function isSpace (c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x2b
}

// The reading is written into a buffer reused between values, grown when a value is longer, and turned
// into a string by one native decode: one-byte text as latin1, other text as UTF-16.
let units = new Uint16Array(4096)

function asString (length: number, wide: boolean): string {
  const bytes = Buffer.from(units.buffer, units.byteOffset, length * 2)
  if (wide) return bytes.toString('utf16le')
  const narrow = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) narrow[i] = units[i]
  return narrow.toString('latin1')
}

// Without a line break no line comment ends, so the reading is one native replace: each run of comments,
// comment closers and spaces becomes one space. At most one alternative can go on past a position's first
// characters (`/*!` is told from `/*` by its third), and a block comment ends in a match wherever it starts
// (at its closer or at the end), so the replace is linear.
const GAPS = /(?:\/\*!\d*|\*\/|\/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+\/|\**$)|[\t-\r \u00a0+])+/g

/** `text` as an SQL lexer tokenizes it (see the file comment); `text` itself when nothing changes. Linear. */
export function sqlView (text: string): string {
  if (!NEEDS_VIEW.test(text)) return text
  const lastNewline = text.lastIndexOf('\n')
  if (lastNewline === -1) {
    let view = text.replace(GAPS, ' ')
    if (view.charCodeAt(0) === 0x20) view = view.slice(1)
    return view.charCodeAt(view.length - 1) === 0x20 ? view.slice(0, -1) : view
  }
  return withLineComments(text, lastNewline)
}

/**
 * The reading of a value with line breaks, whose line comments end at them, in one walk over the value.
 * `lastNewline` is looked up once: a search per `#` would make a value of many `#` quadratic.
 */
function withLineComments (text: string, lastNewline: number): string {
  const n = text.length
  if (units.length < n) units = new Uint16Array(n)
  let length = 0
  let wide = false
  let space = false
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i)
    let skipTo = -1
    if (c === 0x2f && i + 1 < n && text.charCodeAt(i + 1) === 0x2a) { // /*
      if (i + 2 < n && text.charCodeAt(i + 2) === 0x21) { // /*! : the content runs
        skipTo = i + 3
        while (skipTo < n && text.charCodeAt(skipTo) >= 0x30 && text.charCodeAt(skipTo) <= 0x39) skipTo++
      } else {
        const end = text.indexOf('*/', i + 2)
        skipTo = end === -1 ? n : end + 2
      }
    } else if (c === 0x2a && i + 1 < n && text.charCodeAt(i + 1) === 0x2f) { // a closer left by /*!
      skipTo = i + 2
    } else if (c === 0x23 || (c === 0x2d && i + 2 < n && text.charCodeAt(i + 1) === 0x2d && isSpace(text.charCodeAt(i + 2)))) { // # or --
      if (i < lastNewline) skipTo = text.indexOf('\n', i) + 1
    } else if (isSpace(c)) {
      skipTo = i + 1
    }
    if (skipTo === -1) {
      if (space && length > 0) units[length++] = 0x20
      space = false
      units[length++] = c
      if (c > 0xff) wide = true
      i++
    } else {
      space = true
      i = skipTo
    }
  }
  return asString(length, wide)
}
