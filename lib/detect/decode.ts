/**
 * Decoding before matching, the way servers and browsers will read the value: what an attacker encodes to
 * slip past a signature is decoded here first.
 *
 * A value that needs decoding is copied once into a scratch array of UTF-16 code units and decoded there in
 * place (every step only shortens the text), each step one loop that starts at the first character it can
 * change: a loop over a typed array costs a fraction of one over `charCodeAt`, and nothing is allocated per
 * escape, so 64 KB of escapes, stray `%` or `&` decodes in about the time of one plain pass. Long stretches
 * with nothing to decode are found by indexOf and moved at once. The last step lowercases and takes the
 * character classes (chars.ts) in the same loop, and writes a one-byte string when it can.
 */

import { CLASSES, charClasses } from './chars.js'

const HEX = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i
  HEX[0x61 + i] = 10 + i
}

// Bulk copies between strings and the scratch go through a Buffer view, which writes UTF-16LE: on a
// big-endian machine, and for short values (where a call costs more than the loop), a loop is used instead.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const BULK = 64

// Decoding is synchronous, so one scratch array serves every call; it grows on demand. `bytes` receives the
// final text, which becomes a one-byte string when every code unit of it is below 256: half the memory of
// the two-byte string a UTF-16 decode gives.
let units = new Uint16Array(1024)
let view = Buffer.from(units.buffer)
let bytes = Buffer.allocUnsafe(1024)

/** Copies `s` into `units`. */
function load (s: string): void {
  const n = s.length
  if (units.length < n) {
    units = new Uint16Array(Math.max(n, 2 * units.length))
    view = Buffer.from(units.buffer)
    bytes = Buffer.allocUnsafe(units.length)
  }
  if (n >= BULK && LITTLE_ENDIAN) view.write(s, 0, 'utf16le')
  else for (let i = 0; i < n; i++) units[i] = s.charCodeAt(i)
}

/** The string of `units[0, n)`. */
function text (n: number): string {
  if (n >= BULK && LITTLE_ENDIAN) return view.toString('utf16le', 0, 2 * n)
  let s = ''
  for (let i = 0; i < n; i++) s += String.fromCharCode(units[i])
  return s
}

/** The string of `bytes[0, n)`, one byte per character. */
function byteText (n: number): string {
  if (n >= BULK) return bytes.toString('latin1', 0, n)
  let s = ''
  for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[i])
  return s
}

function hexAt (u: Uint16Array, i: number, n: number): number {
  if (i >= n) return -1
  const c = u[i]
  return c < 128 ? HEX[c] : -1
}

/** The byte of a `%hh` escape at `u[i]`, or -1. */
function byteAt (u: Uint16Array, i: number, n: number): number {
  if (i + 2 >= n || u[i] !== 0x25) return -1
  const h = hexAt(u, i + 1, n)
  if (h < 0) return -1
  const l = hexAt(u, i + 2, n)
  return l < 0 ? -1 : h * 16 + l
}

/** The code unit of an IIS `%uhhhh` escape at `u[i]` (known to be `%`), or -1. */
function wideAt (u: Uint16Array, i: number, n: number): number {
  if (i + 5 >= n || (u[i + 1] | 0x20) !== 0x75) return -1
  let value = 0
  for (let j = i + 2; j < i + 6; j++) {
    const d = hexAt(u, j, n)
    if (d < 0) return -1
    value = value * 16 + d
  }
  return value
}

/** Whether the `%` at `u[i]` starts a valid escape that ends before `end`. */
function escapeAt (u: Uint16Array, i: number, end: number): boolean {
  return i + 1 < end && (byteAt(u, i, end) >= 0 || wideAt(u, i, end) >= 0)
}

// Set by percentPass when an escape it decoded is `&` or NUL, which entityPass then has to look for.
let decodedEntityWork = false

// Set by percentPass: output index of the first `%` it wrote that starts a valid escape, so that a second
// level has work from there on, or -1. Each `%` written is checked once: when the next one is written (what
// lies between is final by then) or at the end.
let again = -1

// Plain characters are copied one by one up to SCAN of them in a row; the rest of a longer stretch is found
// by indexOf and moved by one copyWithin, whose call costs what the loop does on a few dozen characters.
const SCAN = 16

/**
 * The end of the stretch of plain characters at `r` in `units[r, n)`: the next `first`, or `second` when it
 * is not -1. `source`, when given, is the text `units` was loaded from, unchanged from `r` on, where a string
 * indexOf is a memchr. Found positions are kept in `next`, so each search starts past the last: linear.
 */
function stretchEnd (r: number, n: number, first: number, second: number, source: string | null, next: Int32Array): number {
  if (next[0] < r) next[0] = nextOf(first, r, n, source)
  if (second === -1) return next[0]
  if (next[1] < r) next[1] = nextOf(second, r, n, source)
  return next[1] < next[0] ? next[1] : next[0]
}

/**
 * The index of the code unit `c` in `units[r, n)` (see stretchEnd), or `n`. Without a source text the search
 * runs on a view of the first `n` units: past them lies what longer values left, which a search of the
 * whole array would read again for every short value after a long one.
 */
function nextOf (c: number, r: number, n: number, source: string | null): number {
  const at = source !== null ? source.indexOf(String.fromCharCode(c), r) : units.subarray(0, n).indexOf(c, r)
  return at === -1 ? n : at
}
const nextSpecial = new Int32Array(2)

/**
 * One level of percent-decoding of `units[from, n)` in place; returns the new length. Runs of `%hh` bytes
 * are read as UTF-8, tolerating what a lenient server tolerates: overlong forms decode to their character
 * (`%c0%ae` is `.`), and a byte that starts no valid sequence within the run stands for itself (Latin-1).
 * IIS-style `%uhhhh` is one code unit; `+` is a space when `plusIsSpace`; a `%` starting no escape stays.
 * `source`: see stretchEnd.
 */
function percentPass (from: number, n: number, plusIsSpace: boolean, source: string | null): number {
  const u = units
  // `+` when it stands for a space, else `%` again.
  const plusUnit = plusIsSpace ? 0x2b : 0x25
  let last = -1 // output index of the last `%` written
  let w = from
  let r = from
  again = -1
  nextSpecial[0] = nextSpecial[1] = -1
  let plain = 0 // plain characters copied by the loop since the last `%`
  while (r < n) {
    const c = u[r]
    if (c !== 0x25 && c !== plusUnit) {
      u[w++] = c
      r++
      if (++plain === SCAN) {
        plain = 0
        const end = stretchEnd(r, n, 0x25, plusIsSpace ? 0x2b : -1, source, nextSpecial)
        if (w !== r) u.copyWithin(w, r, end)
        w += end - r
        r = end
      }
      continue
    }
    plain = 0
    if (c !== 0x25) {
      u[w++] = 0x20 // a `+` that stands for a space
      r++
      continue
    }
    if (r + 1 < n && u[r + 1] === 0x25) {
      // A run of `%`: none but its last can start an escape, so they are copied as they are.
      if (again < 0 && last >= 0 && last + 2 < w && escapeAt(u, last, w)) again = last
      while (r + 1 < n && u[r + 1] === 0x25) u[w++] = u[r++]
      last = w - 1
    }
    // The hex digits are looked at here rather than through byteAt: most `%` of a hostile value start nothing.
    const h = r + 2 < n && u[r + 1] < 128 ? HEX[u[r + 1]] : -1
    const l = h >= 0 && u[r + 2] < 128 ? HEX[u[r + 2]] : -1
    let cp = 0x25
    if (l >= 0) {
      const b = h * 16 + l
      const need = b < 0xc0 ? 0 : b < 0xe0 ? 1 : b < 0xf0 ? 2 : b < 0xf8 ? 3 : 0
      let v = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07
      let ok = need > 0
      for (let j = 1; ok && j <= need; j++) {
        const next = byteAt(u, r + 3 * j, n)
        if (next < 0 || (next & 0xc0) !== 0x80) ok = false
        else v = (v << 6) | (next & 0x3f)
      }
      cp = ok ? v : b
      r += ok ? 3 * (need + 1) : 3
    } else {
      const wide = h < 0 && (u[r + 1] | 0x20) === 0x75 && r + 5 < n && u[r + 2] < 128 && HEX[u[r + 2]] >= 0 ? wideAt(u, r, n) : -1
      if (wide >= 0) cp = wide
      r += wide >= 0 ? 6 : 1
    }
    if (cp > 0xffff) {
      cp -= 0x10000
      u[w++] = 0xd800 + (cp >> 10)
      u[w++] = 0xdc00 + (cp & 0x3ff)
      continue
    }
    if (cp === 0x25) {
      if (again < 0 && last >= 0 && last + 2 < w && escapeAt(u, last, w)) again = last
      last = w
    } else if (cp === 0x26 || cp === 0) decodedEntityWork = true
    u[w++] = cp
  }
  if (again < 0 && last >= 0 && escapeAt(u, last, w)) again = last
  return w
}

/**
 * One level of percent-decoding (see percentPass). A value without `%` (or `+` when `plusIsSpace`) is
 * returned as it is.
 */
export function percentDecode (input: string, plusIsSpace: boolean): string {
  const percent = input.indexOf('%')
  const plus = plusIsSpace ? input.indexOf('+') : -1
  if (percent === -1 && plus === -1) return input
  load(input)
  return text(percentPass(percent === -1 || (plus !== -1 && plus < percent) ? plus : percent, input.length, plusIsSpace, input))
}

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<', gt: '>', quot: '"', apos: "'", amp: '&', colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')',
  sol: '/', bsol: '\\', semi: ';', equals: '=', comma: ',', period: '.', excl: '!', grave: '`', nbsp: ' ',
  lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', lcub: '{', rcub: '}', lbrace: '{', rbrace: '}', quest: '?',
  num: '#', dollar: '$', percnt: '%', plus: '+', ast: '*', verbar: '|', vert: '|', hyphen: '-', dash: '-'
}

// The names by their first two letters (a-z as 0-25), longest first, so a reference is looked up without
// building a string: [name, code unit] pairs.
const BY_START: Array<Array<[string, number]> | undefined> = new Array(26 * 26)
for (const name of Object.keys(NAMED_ENTITIES).sort((a, b) => b.length - a.length)) {
  const key = (name.charCodeAt(0) - 0x61) * 26 + name.charCodeAt(1) - 0x61
  ;(BY_START[key] ??= []).push([name, NAMED_ENTITIES[name].charCodeAt(0)])
}

function letterAt (u: Uint16Array, i: number, n: number): number {
  const c = i < n ? u[i] | 0x20 : 0
  return c >= 0x61 && c <= 0x7a ? c : 0
}

// First two letters of the names (see BY_START), for a quick look before reference.
const STARTS = new Uint8Array(26 * 26)
BY_START.forEach((names, key) => { if (names !== undefined) STARTS[key] = 1 })

/** Whether `u[i, i + 2)` can start a reference: `#` and a digit or `x`, or the first two letters of a name. */
function mayReference (u: Uint16Array, i: number, n: number): boolean {
  if (i + 1 >= n) return false
  const a = u[i] | 0x20
  const b = u[i + 1] | 0x20
  if (a === 0x23) return (b >= 0x30 && b <= 0x39) || b === 0x78
  return a >= 0x61 && a <= 0x7a && b >= 0x61 && b <= 0x7a && STARTS[(a - 0x61) * 26 + b - 0x61] === 1
}

// Set by reference: the code point of the reference found.
let referenced = 0

/**
 * The end of an HTML character reference whose `&` is at `u[i - 1]`, or -1, with its code point in
 * `referenced`. As browsers do, numeric references need no closing `;` and may have any number of leading
 * zeros, and a named reference is the longest known name at that place (`&ltscript` is `<script`).
 */
function reference (u: Uint16Array, i: number, n: number): number {
  let j = i
  if (j < n && u[j] === 0x23) { // #
    j++
    const base = j < n && (u[j] | 0x20) === 0x78 ? 16 : 10
    if (base === 16) j++
    const start = j
    while (j < n && u[j] === 0x30) j++
    let value = 0
    for (let digits = 0; digits < 7 && j < n; digits++, j++) {
      const c = u[j]
      const d = base === 16 ? (c < 128 ? HEX[c] : -1) : c - 0x30
      if (d < 0 || d >= base) break
      value = value * base + d
    }
    if (j === start || value > 0x10ffff) return -1
    referenced = value
  } else {
    const first = letterAt(u, j, n)
    const second = letterAt(u, j + 1, n)
    const names = first === 0 || second === 0 ? undefined : BY_START[(first - 0x61) * 26 + second - 0x61]
    if (names === undefined) return -1
    let found = -1
    for (let k = 0; k < names.length && found < 0; k++) {
      const name = names[k][0]
      let m = 2
      while (m < name.length && letterAt(u, j + m, n) === name.charCodeAt(m)) m++
      if (m === name.length) found = k
    }
    if (found < 0) return -1
    referenced = names[found][1]
    j += names[found][0].length
  }
  return j < n && u[j] === 0x3b ? j + 1 : j // ;
}

/**
 * Decodes HTML character references in `units[from, n)` in place, dropping NULs when `dropNul`; returns the
 * new length. Long stretches without `&` (or NUL) are moved at once, as in percentPass (`source`: see stretchEnd).
 */
function entityPass (from: number, n: number, dropNul: boolean, source: string | null): number {
  const u = units
  let w = from
  let r = from
  let plain = 0
  nextSpecial[0] = nextSpecial[1] = -1
  while (r < n) {
    const c = u[r]
    if (c !== 0x26 && (c !== 0 || !dropNul)) {
      u[w++] = c
      r++
      if (++plain === SCAN) {
        plain = 0
        const end = stretchEnd(r, n, 0x26, dropNul ? 0 : -1, source, nextSpecial)
        if (w !== r) u.copyWithin(w, r, end)
        w += end - r
        r = end
      }
      continue
    }
    plain = 0
    if (c === 0) {
      r++
      continue
    }
    const end = mayReference(u, r + 1, n) ? reference(u, r + 1, n) : -1
    if (end < 0) {
      u[w++] = c
      r++
      continue
    }
    r = end
    if (referenced > 0xffff) {
      const v = referenced - 0x10000
      u[w++] = 0xd800 + (v >> 10)
      u[w++] = 0xdc00 + (v & 0x3ff)
    } else if (referenced !== 0 || !dropNul) u[w++] = referenced
  }
  return w
}

/** The first `&` or NUL in `units[0, n)`, or -1 (a native search: only where percent-decoding can have made one). */
function firstEntityWork (n: number): number {
  const decoded = units.subarray(0, n)
  const amp = decoded.indexOf(0x26)
  const nul = decoded.indexOf(0)
  return amp === -1 || (nul !== -1 && nul < amp) ? nul : amp
}

// Set by finish: the `Char` bits of the text decodeValue returned; or, for a text decodeValue only
// lowercased, that text, whose bits are computed when asked for (decodedChars).
let finishedChars = 0
let pending: string | null = null

// What finish adds to a code unit below 128 to lowercase it (at 128: every unit from 128 on, left to the
// engine's toLowerCase), read like CLASSES without a branch.
const TO_LOWER = new Uint8Array(129)
for (let c = 0x41; c <= 0x5a; c++) TO_LOWER[c] = 0x20

/**
 * The text of `units[0, n)` lowercased, with its `Char` bits in finishedChars, in one loop; a one-byte string
 * when every code unit is below 256.
 */
function finish (n: number): string {
  lowerInto(n)
  pending = null
  if (unitsOr < 0x80) return byteText(n)
  // Non-ASCII letters are lowercased by the engine. Its lowercase of a non-ASCII character can be an ASCII
  // letter (the Kelvin sign is `k`): letters have no `Char` bit, so the bits stay those of the result, at
  // most with `nonAscii` left set.
  return (unitsOr < 0x100 ? byteText(n) : text(n)).toLowerCase()
}

// Set by lowerInto: the OR of the code units it read (below 0x80 all ASCII, below 0x100 one byte each).
let unitsOr = 0

/**
 * The loop of finish: `units[0, n)` lowercased into `bytes`, the `Char` bits into finishedChars. A function
 * of its own that ends with the loop: the engine compiles a loop while it runs (on-stack replacement) with
 * what it has seen so far, and code after the loop that no call had reached yet would throw the compiled
 * loop away at every call.
 */
function lowerInto (n: number): void {
  const u = units
  const b = bytes
  const classes = CLASSES
  const lower = TO_LOWER
  let bits = 0
  let all = 0
  for (let i = 0; i < n; i++) {
    // Without a branch (see CLASSES): random input would mispredict one on every other character.
    const c = u[i]
    const k = Math.min(c, 128)
    bits |= classes[k]
    all |= c
    b[i] = c + lower[k]
  }
  finishedChars = bits
  unitsOr = all
}

/** HTML character references (`&lt;`, `&#60`, `&#x3c;`, `&colon;`) as the characters they stand for (see reference). */
export function decodeEntities (s: string): string {
  const i = s.indexOf('&')
  if (i === -1) return s
  load(s)
  return text(entityPass(i, s.length, false, s))
}

const NEEDS_WORK = /[%&\0+]/

/**
 * The text the rules match: percent-decoded up to two levels, `+` as a space when `plusIsSpace`, NUL bytes
 * removed, HTML character references decoded, lowercased. SQL comments and shell quoting are left to the
 * families that care (sqli.ts, rce.ts). The text's `Char` bits are then given by decodedChars.
 */
export function decodeValue (raw: string, plusIsSpace: boolean): string {
  // On a long value a regex costs a pass of its own where indexOf is a memchr.
  if (raw.length < BULK ? !NEEDS_WORK.test(raw) : raw.indexOf('%') === -1 && raw.indexOf('&') === -1 && raw.indexOf('\0') === -1 && (!plusIsSpace || raw.indexOf('+') === -1)) {
    pending = raw.toLowerCase()
    return pending
  }
  load(raw)
  let n = raw.length
  const percent = raw.indexOf('%')
  const plus = plusIsSpace ? raw.indexOf('+') : -1
  let entities = raw.indexOf('&')
  const nul = raw.indexOf('\0')
  if (entities === -1 || (nul !== -1 && nul < entities)) entities = nul
  decodedEntityWork = false
  if (percent !== -1 || plus !== -1) {
    n = percentPass(percent === -1 || (plus !== -1 && plus < percent) ? plus : percent, n, plusIsSpace, raw)
    // A second level: `%252e` is `%2e` after the first. `+` is not a space at this level: it was a `%2b`.
    if (again >= 0) n = percentPass(again, n, false, null)
    if (entities !== -1 || decodedEntityWork) entities = firstEntityWork(n)
    if (entities !== -1) n = entityPass(entities, n, true, null)
  } else if (entities !== -1) n = entityPass(entities, n, true, raw)
  return finish(n)
}

// The value decodeRaw last decoded, and its text (kept until the next header is decoded).
let lastValue: object | null = null
let lastText = ''

/**
 * `value.raw` decoded as decodeValue decodes it, for the families that read decoded a header the framework
 * only lowercases (rce.ts, lfi.ts): each value is decoded once, however many families ask. The value object
 * is the key, so a request never gets another's text.
 */
export function decodeRaw (value: { readonly raw: string }): string {
  if (value !== lastValue) {
    lastText = decodeValue(value.raw, false)
    lastValue = value
  }
  return lastText
}

/** `Char` bits of the text the last decodeValue returned. */
export function decodedChars (): number {
  if (pending !== null) {
    finishedChars = charClasses(pending)
    pending = null
  }
  return finishedChars
}

/**
 * JavaScript and JSON escapes, `\uhhhh` and `\xhh`, as the characters they stand for, for the families whose
 * payload a JavaScript or JSON parser reads back (prototype-pollution.ts). One pass, however many escapes.
 */
export function decodeJsEscapes (s: string): string {
  const first = s.indexOf('\\')
  if (first === -1) return s
  load(s)
  const u = units
  const n = s.length
  let w = first
  let r = first
  while (r < n) {
    const c = u[r]
    const kind = c === 0x5c && r + 3 < n ? u[r + 1] : 0
    const digits = kind === 0x75 ? 4 : kind === 0x78 ? 2 : 0
    let value = digits > 0 && r + 1 + digits < n ? 0 : -1
    for (let j = r + 2; value >= 0 && j < r + 2 + digits; j++) {
      const d = hexAt(u, j, n)
      value = d < 0 ? -1 : value * 16 + d
    }
    if (value >= 0) {
      u[w++] = value
      r += 2 + digits
    } else {
      u[w++] = c
      r++
    }
  }
  return text(w)
}
