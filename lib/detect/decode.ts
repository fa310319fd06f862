/**
 * Decoding before matching, the way servers and browsers will read the value: what an attacker encodes to
 * slip past a signature is decoded here first. Every step is one linear pass.
 */

const HEX = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i
  HEX[0x61 + i] = 10 + i
}

function hex (s: string, i: number): number {
  const c = s.charCodeAt(i)
  return c < 128 ? HEX[c] : -1
}

// Scratch space for the bytes of a run of escapes and the code units they decode to, grown on demand:
// decoding is synchronous, so one pair serves every call.
let scratchBytes = new Uint8Array(1024)
let scratchUnits = new Uint16Array(1024)
const SHORT_RUN = 32

/**
 * The text of `n` percent-decoded bytes read as UTF-8, tolerating what a lenient server tolerates: overlong
 * forms decode to their character (`%c0%ae` is `.`), and a byte that starts no valid sequence stands for
 * itself (Latin-1).
 */
function utf8 (bytes: Uint8Array, n: number): string {
  if (scratchUnits.length < n) scratchUnits = new Uint16Array(2 * n)
  const units = scratchUnits
  let k = 0
  let i = 0
  while (i < n) {
    const b = bytes[i]
    const need = b < 0xc0 ? 0 : b < 0xe0 ? 1 : b < 0xf0 ? 2 : b < 0xf8 ? 3 : 0
    let cp = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07
    let ok = need > 0 && i + need < n
    for (let j = 1; ok && j <= need; j++) {
      const c = bytes[i + j]
      if ((c & 0xc0) !== 0x80) ok = false
      else cp = (cp << 6) | (c & 0x3f)
    }
    if (!ok) {
      units[k++] = b
      i++
    } else if (cp > 0xffff) {
      cp -= 0x10000
      units[k++] = 0xd800 + (cp >> 10)
      units[k++] = 0xdc00 + (cp & 0x3ff)
      i += need + 1
    } else {
      units[k++] = cp
      i += need + 1
    }
  }
  // A Buffer view costs more than a few characters do: short runs (the usual `%20`) are built directly.
  if (k < SHORT_RUN) {
    let text = ''
    for (let j = 0; j < k; j++) text += String.fromCharCode(units[j])
    return text
  }
  return Buffer.from(units.buffer, units.byteOffset, 2 * k).toString('utf16le')
}

/**
 * One level of percent-decoding: runs of `%hh` bytes as UTF-8 (see utf8), IIS-style `%uhhhh`, and `+` as a
 * space when `plusIsSpace` (query strings and form bodies). A `%` not followed by hex digits stays as it is.
 * Text between escapes is copied by slices, so a long value with few escapes costs little.
 */
export function percentDecode (input: string, plusIsSpace: boolean): string {
  const s = plusIsSpace && input.indexOf('+') !== -1 ? input.replaceAll('+', ' ') : input
  let out = ''
  let last = 0
  let i = s.indexOf('%')
  while (i !== -1) {
    let n = 0
    let j = i
    while (j < s.length && s.charCodeAt(j) === 0x25) {
      const h = hex(s, j + 1)
      const l = hex(s, j + 2)
      if (h < 0 || l < 0) break
      if (n === scratchBytes.length) {
        const grown = new Uint8Array(2 * n)
        grown.set(scratchBytes)
        scratchBytes = grown
      }
      scratchBytes[n++] = h * 16 + l
      j += 3
    }
    if (n > 0) {
      out += s.slice(last, i) + utf8(scratchBytes, n)
      last = j
    } else if ((s.charCodeAt(i + 1) | 0x20) === 0x75) { // %u
      const a = hex(s, i + 2); const b = hex(s, i + 3); const c = hex(s, i + 4); const d = hex(s, i + 5)
      if (a >= 0 && b >= 0 && c >= 0 && d >= 0) {
        out += s.slice(last, i) + String.fromCharCode(((a * 16 + b) * 16 + c) * 16 + d)
        last = j = i + 6
      } else j = i + 1
    } else j = i + 1
    i = s.indexOf('%', j)
  }
  return last === 0 ? s : out + s.slice(last)
}

const PERCENT_ESCAPE = /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')',
  sol: '/', bsol: '\\', semi: ';', equals: '=', comma: ',', period: '.', excl: '!', grave: '`', nbsp: ' ',
  lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', lcub: '{', rcub: '}', lbrace: '{', rbrace: '}', quest: '?',
  num: '#', dollar: '$', percnt: '%', plus: '+', ast: '*', verbar: '|', vert: '|', hyphen: '-', dash: '-'
}

const LONGEST_NAME = 8

function isLetter (c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a
}

/**
 * HTML character references (`&lt;`, `&#60`, `&#x3c;`, `&colon;`) as the characters they stand for. As
 * browsers do, numeric references need no closing `;` and may have any number of leading zeros, and a named
 * reference is the longest known name at that place (`&ltscript` is `<script`).
 */
export function decodeEntities (s: string): string {
  let i = s.indexOf('&')
  if (i === -1) return s
  let out = ''
  let last = 0
  while (i !== -1) {
    let j = i + 1
    let text: string | undefined
    if (s.charCodeAt(j) === 0x23) { // #
      j++
      const base = (s.charCodeAt(j) | 0x20) === 0x78 ? 16 : 10
      if (base === 16) j++
      const start = j
      while (s.charCodeAt(j) === 0x30) j++
      let value = 0
      let digits = 0
      for (; digits < 7; digits++, j++) {
        const d = base === 16 ? hex(s, j) : s.charCodeAt(j) - 0x30
        if (d < 0 || d >= base) break
        value = value * base + d
      }
      if (j > start && value <= 0x10ffff) text = String.fromCodePoint(value)
    } else {
      let end = j
      while (end - j < LONGEST_NAME && isLetter(s.charCodeAt(end))) end++
      for (; end - j >= 2; end--) {
        const name = s.slice(j, end).toLowerCase()
        if (Object.hasOwn(NAMED_ENTITIES, name)) {
          text = NAMED_ENTITIES[name]
          j = end
          break
        }
      }
    }
    if (text === undefined) {
      i = s.indexOf('&', i + 1)
      continue
    }
    if (s.charCodeAt(j) === 0x3b) j++ // ;
    out += s.slice(last, i) + text
    last = j
    i = s.indexOf('&', j)
  }
  return last === 0 ? s : out + s.slice(last)
}

const NEEDS_WORK = /[%&\0+]/

/**
 * The text the rules match: percent-decoded up to two levels, `+` as a space when `plusIsSpace`, NUL bytes
 * removed, HTML character references decoded, lowercased. SQL comments and shell quoting are left to the
 * families that care (sqli.ts, rce.ts).
 */
export function decodeValue (raw: string, plusIsSpace: boolean): string {
  if (!NEEDS_WORK.test(raw)) return raw.toLowerCase()
  let s = raw
  if (s.indexOf('%') !== -1 || (plusIsSpace && s.indexOf('+') !== -1)) {
    s = percentDecode(s, plusIsSpace)
    // A second level: `%252e` is `%2e` after the first. `+` is not a space at this level: it was a `%2b`.
    if (PERCENT_ESCAPE.test(s)) s = percentDecode(s, false)
  }
  s = decodeEntities(s)
  if (s.indexOf('\0') !== -1) s = s.replaceAll('\0', '')
  return s.toLowerCase()
}
