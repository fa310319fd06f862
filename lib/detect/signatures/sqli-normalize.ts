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

// Text is built from code units in chunks: String.fromCharCode.apply has an argument limit.
const CHUNK = 8192

/** `text` as an SQL lexer tokenizes it (see the file comment); `text` itself when nothing changes. Linear. */
export function sqlView (text: string): string {
  if (!NEEDS_VIEW.test(text)) return text
  const units: number[] = []
  let out = ''
  let space = false
  const n = text.length
  // Looked up once: a search per `#` would make a value of many `#` quadratic.
  const lastNewline = text.lastIndexOf('\n')
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i)
    let skipTo = -1
    if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) { // /*
      if (text.charCodeAt(i + 2) === 0x21) { // /*! : the content runs
        skipTo = i + 3
        while (skipTo < n && text.charCodeAt(skipTo) >= 0x30 && text.charCodeAt(skipTo) <= 0x39) skipTo++
      } else {
        const end = text.indexOf('*/', i + 2)
        skipTo = end === -1 ? n : end + 2
      }
    } else if (c === 0x2a && text.charCodeAt(i + 1) === 0x2f) { // a closer left by /*!
      skipTo = i + 2
    } else if (c === 0x23 || (c === 0x2d && text.charCodeAt(i + 1) === 0x2d && isSpace(text.charCodeAt(i + 2)))) { // # or --
      if (i < lastNewline) skipTo = text.indexOf('\n', i) + 1
    } else if (isSpace(c)) {
      skipTo = i + 1
    }
    if (skipTo === -1) {
      if (space && (units.length > 0 || out.length > 0)) units.push(0x20)
      space = false
      units.push(c)
      i++
      if (units.length >= CHUNK) {
        out += String.fromCharCode.apply(null, units)
        units.length = 0
      }
    } else {
      space = true
      i = skipTo
    }
  }
  return out + String.fromCharCode.apply(null, units)
}
