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
import { loadUnits, unitsText } from '../units.js'

// Whatever makes the SQL reading differ from the text: a comment opener or closer, a line break or another
// whitespace, a run of spaces.
const NEEDS_VIEW = /\/\*|\*\/|[\t\n\r\v\f\u00a0+]| {2}/

// `+` too: a body sent without a form content type keeps the `+` of its form encoding, and between SQL
// tokens `+` separates them as a space does (`'+sleep(5)+'`).
function isSpace (c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x2b
}

// The reading is made in place in the scratch array of UTF-16 code units shared by the detectors (units.ts;
// a loop over a typed array costs a fraction of one over `charCodeAt`), each unit also written to a byte
// buffer, so that a one-byte reading becomes a string by one native latin1 decode (a loop for short ones,
// where a native call costs more), other text as UTF-16.
const BULK = 64
let bytes = Buffer.allocUnsafe(4096)

function asString (length: number, wide: boolean): string {
  if (wide) return unitsText(length)
  if (length >= BULK) return bytes.toString('latin1', 0, length)
  let s = ''
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[i])
  return s
}

/** `text` as an SQL lexer tokenizes it (see the file comment); `text` itself when nothing changes. Linear. */
export function sqlView (text: string): string {
  if (!NEEDS_VIEW.test(text)) return text
  return reading(text, text.lastIndexOf('\n'))
}

/**
 * The reading of a value in one walk over it: each run of comments, comment closers and spaces becomes one
 * space, and a line comment a line break ends is part of the run. `lastNewline` is looked up once: a search
 * per `#` would make a value of many `#` quadratic. Block comment closers are found by indexOf on `text`,
 * whose characters from the read position on are those of the buffer.
 */
function reading (text: string, lastNewline: number): string {
  const n = text.length
  const u = loadUnits(text)
  if (bytes.length < n) bytes = Buffer.allocUnsafe(Math.max(n, 2 * bytes.length))
  const b = bytes
  let length = 0
  let all = 0 // OR of the units written: above 0xff, the reading is not one-byte
  let space = false
  for (let i = 0; i < n;) {
    const c = u[i]
    let skipTo = -1
    if (c === 0x2f && i + 1 < n && u[i + 1] === 0x2a) { // /*
      if (i + 2 < n && u[i + 2] === 0x21) { // /*! : the content runs
        skipTo = i + 3
        while (skipTo < n && u[skipTo] >= 0x30 && u[skipTo] <= 0x39) skipTo++
      } else {
        const end = text.indexOf('*/', i + 2)
        skipTo = end === -1 ? n : end + 2
      }
    } else if (c === 0x2a && i + 1 < n && u[i + 1] === 0x2f) { // a closer left by /*!
      skipTo = i + 2
    } else if (c === 0x23 || (c === 0x2d && i + 2 < n && u[i + 1] === 0x2d && isSpace(u[i + 2]))) { // # or --
      if (i < lastNewline) skipTo = text.indexOf('\n', i) + 1
    } else if (isSpace(c)) {
      skipTo = i + 1
    }
    if (skipTo === -1) {
      // In place: a space is written only after a gap of at least one character, so writing stays behind reading.
      if (space && length > 0) {
        u[length] = 0x20
        b[length++] = 0x20
      }
      space = false
      u[length] = c
      b[length++] = c
      all |= c
      i++
    } else {
      space = true
      i = skipTo
    }
  }
  return asString(length, all > 0xff)
}
