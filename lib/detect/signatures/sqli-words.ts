/**
 * One pass over the words of an SQL reading, each looked up in the name lists of data/sqli-functions.ts: a
 * set lookup per word instead of a regex alternation of a hundred names tried at every position.
 */
import { BARE_CALLS, DELAY_FUNCTIONS, ERROR_FUNCTIONS, FUNCTIONS, SCHEMA_OBJECTS, SYSTEM_PROCEDURES } from './data/sqli-functions.js'

/** What a word is, when it is one of the listed names. */
export const Word = {
  /** A function of extraction, called: `concat(`. */
  call: 0,
  /** An error-based function, called: `extractvalue(`. */
  errorCall: 1,
  /** A delay function, called: `sleep(`; or `pg_sleep` alone. */
  delay: 2,
  /** `database()`, `user(` at the end: the current database, user or version asked for. */
  bareCall: 3,
  /** A catalog or system object: `information_schema`, `sysobjects`. */
  catalog: 4,
  /** A procedure that reaches files, network or shell: `xp_cmdshell`, `load_file`. */
  system: 5
} as const
const KINDS = 6

const CALLS = new Map<string, number>()
for (const name of FUNCTIONS) CALLS.set(name, Word.call)
for (const name of ERROR_FUNCTIONS) CALLS.set(name, Word.errorCall)
for (const name of DELAY_FUNCTIONS) CALLS.set(name, Word.delay)
const BARE = new Set<string>(BARE_CALLS)
const NAMES = new Map<string, number>()
for (const name of SCHEMA_OBJECTS) NAMES.set(name, Word.catalog)
for (const name of SYSTEM_PROCEDURES) NAMES.set(name, Word.system)
NAMES.set('pg_sleep', Word.delay)

// Identifier characters of the SQL dialects (`$` in Oracle, `@` for SQL Server variables), `.` joining a
// qualified name, and every non-ASCII character, so `haßelt (` is no call of `elt`. A table read at
// `Math.min(c, 0xc0)` (every unit from 0xc0 on is one): random text would mispredict a chain of comparisons.
const WORD_CHARS = new Uint8Array(0xc1)
for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789_.$@') WORD_CHARS[c.charCodeAt(0)] = 1
WORD_CHARS[0xc0] = 1

function isWordChar (c: number): boolean {
  return WORD_CHARS[Math.min(c, 0xc0)] === 1
}

const LONGEST = 48

// The first two letters of every listed name (of each part of a qualified one), as a table of 128 x 128 flags:
// a word whose start is in no name is passed over without being copied or looked up, so a value of many
// unlisted words costs the walk over its characters only.
const PREFIXES = new Uint8Array(128 * 128)
const prefixOf = (a: number, b: number): number => (a < 128 && b < 128 ? a * 128 + b : 0)
for (const name of [...CALLS.keys(), ...BARE, ...NAMES.keys()]) {
  for (const part of name.split('.')) if (part.length >= 2) PREFIXES[prefixOf(part.charCodeAt(0), part.charCodeAt(1))] = 1
}
PREFIXES[0] = 0

/** Whether the word `u[start, end)` (or its last part, after `lastDot`) may be a listed name. */
function mayBeListed (u: Uint16Array, start: number, lastDot: number, end: number): boolean {
  return PREFIXES[prefixOf(u[start], u[start + 1])] === 1 ||
    (lastDot !== -1 && lastDot + 2 < end && PREFIXES[prefixOf(u[lastDot + 1], u[lastDot + 2])] === 1)
}

// The view is walked in a typed array of its code units, reused between values: a loop over it costs a
// fraction of one over `charCodeAt`. Short views are copied by a loop, where a native call costs more.
const BULK = 64
let units = new Uint16Array(4096)
let bulk = Buffer.from(units.buffer)

function load (view: string): Uint16Array {
  const n = view.length
  if (units.length < n + 1) {
    units = new Uint16Array(Math.max(n + 1, 2 * units.length))
    bulk = Buffer.from(units.buffer)
  }
  if (n >= BULK) bulk.write(view, 0, 'utf16le')
  else for (let i = 0; i < n; i++) units[i] = view.charCodeAt(i)
  // A unit that is no word character ends the last word without a test of the length.
  units[n] = 0
  return units
}

/**
 * Finds the first word of each `Word` kind in `view`. Returns start, length pairs by kind in `hits`
 * (-1 when none), reused between calls.
 */
export function scanWords (view: string, hits: Int32Array): void {
  hits.fill(-1)
  const n = view.length
  const u = load(view)
  // The last two words looked up (start, length, whether called): a word repeated, or two in turn
  // (`union select union select`), has already added whatever it adds, and is passed over without a copy.
  let seenStart = -1
  let seenLength = 0
  let seenCall = false
  let otherStart = -1
  let otherLength = 0
  let otherCall = false
  let i = 0
  while (i < n) {
    let c = u[i]
    if (!isWordChar(c)) { i++; continue }
    const start = i
    let lastDot = -1
    do {
      if (c === 0x2e) lastDot = i
      c = u[++i]
    } while (isWordChar(c))
    const length = i - start
    // Numbers and over-long words name nothing listed.
    if (length < 3 || length > LONGEST || u[start] <= 0x39 || !mayBeListed(u, start, lastDot, i)) continue
    // `name (`, `name(`, and `md5\(` (a backslash an escaping layer left) are calls.
    let j = i
    if (c === 0x20 || c === 0x5c) j++
    const call = j < n && u[j] === 0x28
    if ((call === seenCall && sameWord(u, start, length, seenStart, seenLength)) ||
      (call === otherCall && sameWord(u, start, length, otherStart, otherLength))) continue
    const word = view.slice(start, i)
    let kind = -1
    let remembered = true
    if (call) {
      kind = CALLS.get(word) ?? -1
      if (kind === -1 && BARE.has(word)) {
        // Whether a bare call reads as one depends on what follows it: not remembered.
        remembered = false
        let k = j + 1
        if (k < n && u[k] === 0x20) k++
        if (k >= n || u[k] === 0x29) kind = Word.bareCall
      }
    }
    if (kind === -1) kind = NAMES.get(word) ?? -1
    if (kind === -1 && word.includes('.')) {
      // A qualified name: `information_schema.tables`, `master.dbo.xp_cmdshell`.
      const first = word.slice(0, word.indexOf('.'))
      const last = word.slice(word.lastIndexOf('.') + 1)
      kind = NAMES.get(first) ?? NAMES.get(last) ?? -1
    }
    if (kind !== -1 && hits[kind * 2] === -1) {
      hits[kind * 2] = start
      hits[kind * 2 + 1] = length
    }
    if (remembered) {
      otherStart = seenStart
      otherLength = seenLength
      otherCall = seenCall
      seenStart = start
      seenLength = length
      seenCall = call
    }
  }
}

/** Whether `u[a, a + length)` and `u[b, b + bLength)` are the same word (`b` -1: no word). */
function sameWord (u: Uint16Array, a: number, length: number, b: number, bLength: number): boolean {
  if (b < 0 || length !== bLength) return false
  for (let k = 0; k < length; k++) if (u[a + k] !== u[b + k]) return false
  return true
}

/** A buffer for scanWords. */
export function wordHits (): Int32Array {
  return new Int32Array(KINDS * 2)
}
