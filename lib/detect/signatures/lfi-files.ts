/**
 * Finding the operating-system and application files of lfi-os-files (CRS data) inside a value in one linear
 * pass. A regex over a thousand whole entries would be slow (V8 tries each alternative at every position) and
 * a loop over every character in JavaScript costs several times a native scan, so a regex of the entries'
 * distinct first five characters (written as a tree) finds where one can begin, and a trie of the
 * entries, walked from there (at most as far as the longest entry), says which.
 */
import { LFI_OS_FILES } from './data/lfi-os-files.js'
import { prefixTree } from './prefix-tree.js'

/** A list of file fragments indexed for findFile. */
export interface FileIndex {
  /** Child node per (node, symbol): `next[node * SYMBOLS + symbol]`, 0 for none (the root is no one's child). */
  readonly next: Uint16Array
  /** Per node: the position in LFI_OS_FILES + 1 of the entry ending there, 0 if none. */
  readonly entry: Uint16Array
  /** Where an entry can begin: its first KEY characters, at a word start unless they begin with `.` or `/`. */
  readonly start: RegExp
}

// The symbols entries are spelled with; any other character ends a walk. A backslash reads as a slash:
// `c:\windows\win.ini` is `windows/win.ini`.
const SYMBOL = new Int8Array(128).fill(-1)
let SYMBOLS = 0
for (const c of ' -./0123456789_abcdefghijklmnopqrstuvwxyz') SYMBOL[c.charCodeAt(0)] = SYMBOLS++
SYMBOL[0x5c] = SYMBOL[0x2f]

function symbol (c: number): number {
  return c < 128 ? SYMBOL[c] : -1
}

function isWordChar (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f
}

function isSeparator (c: number): boolean {
  return c === 0x2e || c === 0x2f || c === 0x5c
}

// A dotfile name alone (`.boto`, `.forward`) must end where the name ends: `.botox` is not `.boto`.
function isDotfileName (entry: string): boolean {
  return entry.charCodeAt(0) === 0x2e && entry.indexOf('/') === -1 && entry.indexOf('.', 1) === -1 && isWordChar(entry.charCodeAt(entry.length - 1))
}

// One character of an entry as a regex: `/` also matches a backslash.
function literal (c: string): string {
  return c === '/' ? '[/\\\\]' : c.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
}

// `\b` before a word character is isWordChar's boundary: the text is lowercase, and non-ASCII is no word character.
function startPattern (keys: readonly string[]): RegExp {
  const unique = [...new Set(keys)].sort()
  const word = unique.filter((k) => isWordChar(k.charCodeAt(0)))
  const other = unique.filter((k) => !isWordChar(k.charCodeAt(0)))
  return new RegExp('\\b' + prefixTree(word, literal) + '|' + prefixTree(other, literal), 'g')
}

// Characters of an entry the start pattern reads: fewer make a start at every `php:` or `.gi`, each one a
// regex call and a walk; more lengthen the regex, not the time it spends per position.
const KEY = 5

function build (keep: (entry: string) => boolean): FileIndex {
  const entries = LFI_OS_FILES.map((e, i): [string, number] => [e, i + 1]).filter(([e]) => e.length >= 3 && keep(e))
  let nodes = 1
  for (const [e] of entries) nodes += e.length
  const next = new Uint16Array(nodes * SYMBOLS)
  const entry = new Uint16Array(nodes)
  let count = 1
  for (const [e, at] of entries) {
    let node = 0
    for (let k = 0; k < e.length; k++) {
      const s = symbol(e.charCodeAt(k))
      if (s < 0) throw new Error(`lfi-os-files entry with an unexpected character: ${e}`)
      if (next[node * SYMBOLS + s] === 0) next[node * SYMBOLS + s] = count++
      node = next[node * SYMBOLS + s]
    }
    if (entry[node] === 0) entry[node] = at
  }
  if (count > 0xffff) throw new Error('lfi-os-files trie too large')
  return { next: next.slice(0, count * SYMBOLS), entry: entry.slice(0, count), start: startPattern(entries.map(([e]) => e.slice(0, KEY))) }
}

/** Every entry: what an argument must not name. */
export const ALL_FILES = build(() => true)

// System roots whose files are never part of a web application's own URL space, so they are looked for in the
// path too (`/@fs/etc/passwd`, `/cgi-bin/../../proc/self/environ`).
const SYSTEM_ROOT = /^\/?(?:etc|proc|sys|windows|winnt|boot|root|system32|inetpub)\/|^(?:boot|win|system)\.ini$/

/** Entries under a system root (`etc/`, `proc/`, `windows/`...) and the Windows ini files. */
export const SYSTEM_FILES = build((e) => SYSTEM_ROOT.test(e))

/**
 * The entry of `index` that begins at `at` and comes first in the list, or 0: position in LFI_OS_FILES + 1.
 * An entry that begins with a letter must begin a word (`xetc/passwd` is not `etc/passwd`); one that begins
 * with `.` or `/` may begin anywhere (`backup.sql.gz`). The walk is bounded by the longest entry.
 */
function entryAt (text: string, at: number, index: FileIndex): number {
  const c = text.charCodeAt(at)
  if (!isSeparator(c) && (!isWordChar(c) || (at > 0 && isWordChar(text.charCodeAt(at - 1))))) return 0
  let best = 0
  let node = 0
  for (let k = at; k < text.length; k++) {
    const s = symbol(text.charCodeAt(k))
    if (s < 0) break
    node = index.next[node * SYMBOLS + s]
    if (node === 0) break
    const e = index.entry[node]
    if (e !== 0 && (best === 0 || e < best) && (!isDotfileName(LFI_OS_FILES[e - 1]) || !isWordChar(text.charCodeAt(k + 1)))) best = e
  }
  return best
}

/**
 * The first entry of `index` found in `text` (lowercase; `\\` read as `/`) and its position: the smallest
 * position where one begins, and of the entries beginning there the first in the list.
 */
export function findFile (text: string, index: FileIndex): { at: number, entry: string } | undefined {
  const start = index.start
  start.lastIndex = 0
  let m
  while ((m = start.exec(text)) !== null) {
    const e = entryAt(text, m.index, index)
    if (e !== 0) return { at: m.index, entry: LFI_OS_FILES[e - 1] }
    start.lastIndex = m.index + 1
  }
  return undefined
}
