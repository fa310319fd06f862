/**
 * Finding the operating-system and application files of lfi-os-files (CRS data) inside a value, without a
 * regex over a thousand alternatives: the entries are indexed by their first three characters, and only the
 * positions where a path fragment can begin (a `.` or `/`, or the start of a word) are looked up.
 */
import { LFI_OS_FILES } from './data/lfi-os-files.js'

/** A list of file fragments indexed for findFile. */
export interface FileIndex {
  /** Entries by the key of their first three characters. */
  readonly byKey: Map<number, string[]>
}

// A backslash reads as a slash: `c:\windows\win.ini` is `windows/win.ini`.
function code (s: string, i: number): number {
  const c = s.charCodeAt(i)
  return c === 0x5c ? 0x2f : c
}

function key (s: string, i: number): number {
  return (code(s, i) << 16) ^ (code(s, i + 1) << 8) ^ code(s, i + 2)
}

function startsAt (text: string, entry: string, at: number): boolean {
  if (at + entry.length > text.length) return false
  for (let k = 0; k < entry.length; k++) if (code(text, at + k) !== entry.charCodeAt(k)) return false
  return true
}

function build (entries: readonly string[]): FileIndex {
  const byKey = new Map<number, string[]>()
  for (const entry of entries) {
    if (entry.length < 3) continue
    const k = key(entry, 0)
    const list = byKey.get(k)
    if (list === undefined) byKey.set(k, [entry])
    else list.push(entry)
  }
  return { byKey }
}

/** Every entry: what an argument must not name. */
export const ALL_FILES = build(LFI_OS_FILES)

// System roots whose files are never part of a web application's own URL space, so they are looked for in the
// path too (`/@fs/etc/passwd`, `/cgi-bin/../../proc/self/environ`).
const SYSTEM_ROOT = /^\/?(?:etc|proc|sys|windows|winnt|boot|root|system32|inetpub)\/|^(?:boot|win|system)\.ini$/

/** Entries under a system root (`etc/`, `proc/`, `windows/`...) and the Windows ini files. */
export const SYSTEM_FILES = build(LFI_OS_FILES.filter((e) => SYSTEM_ROOT.test(e)))

function isWordChar (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f
}

// A dotfile name alone (`.boto`, `.forward`) must end where the name ends: `.botox` is not `.boto`.
function isDotfileName (entry: string): boolean {
  return entry.charCodeAt(0) === 0x2e && entry.indexOf('/') === -1 && entry.indexOf('.', 1) === -1 && isWordChar(entry.charCodeAt(entry.length - 1))
}

/**
 * The first entry of `index` found in `text` (lowercase; `\` read as `/`) and its position.
 * An entry that begins with a letter must begin a word (`xetc/passwd` is not `etc/passwd`); one that
 * begins with `.` or `/` may begin anywhere (`backup.sql.gz`).
 */
export function findFile (text: string, index: FileIndex): { at: number, entry: string } | undefined {
  const end = text.length - 2
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x2e && c !== 0x2f && c !== 0x5c && (!isWordChar(c) || (i > 0 && isWordChar(text.charCodeAt(i - 1))))) continue
    const list = index.byKey.get(key(text, i))
    if (list === undefined) continue
    for (let j = 0; j < list.length; j++) {
      const entry = list[j]
      if (startsAt(text, entry, i) && (!isDotfileName(entry) || !isWordChar(text.charCodeAt(i + entry.length)))) return { at: i, entry }
    }
  }
  return undefined
}
