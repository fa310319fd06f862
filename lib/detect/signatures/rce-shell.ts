/**
 * Unix shell grammar for rce.ts: the text a shell would see once its quoting is undone, and where in it a
 * command begins (POSIX Shell Command Language, 2.9: a command follows `;`, `&`, `|`, `&&`, `||`, a newline,
 * `` ` `` or `$(`).
 */
import { Char } from '../chars.js'
import { loadUnits, unitsText } from '../units.js'
import { Word, commandWord, isTellingAlone } from './rce-words.js'

// `$IFS`, `${IFS}` and `$IFS$9` are a space to the shell.
const IFS = /\$(?:\{ifs\}|ifs\b)(?:\$\d)?/g
// Expansions that are empty, or a single character of shell state, spliced into a word: `c$@at`, `who$()ami`,
// `pi<()ng`, `una$$me`: `$` and one of `@*!?_$#-` or a digit, `$()`, `${}`, `<()`, `>()`, two backticks.
const STATE = new Uint8Array(128)
for (const c of '@*!?_$#-0123456789') STATE[c.charCodeAt(0)] = 1
const EXPANSION_CHARS = Char.dollar | Char.lt | Char.gt | Char.backtick
const QUOTING_CHARS = Char.quote | Char.dquote | Char.backslash
const NEEDS_WORK = QUOTING_CHARS | EXPANSION_CHARS | Char.plus
// The first character shellText changes: a quoting character, a `+`, or the start of an empty expansion.
const FIRST_CHANGE = /['"\\+]|\$(?:[@*!?_$#-]|\d|\(\)|\{\})|[<>]\(\)|``/

// What the loop of shellText does with a code unit below 128: most are copied as they are (0); a possible
// expansion (`$`, `<`, `>`, a backtick), a quoting character or a `+` is looked at. One table read per
// unit: random text would mispredict a chain of comparisons on every other character.
const EXPANSION = 1
const QUOTING = 2
const PLUS = 3
const SHELL_UNITS = new Uint8Array(128)
for (const c of '$<>`') SHELL_UNITS[c.charCodeAt(0)] = EXPANSION
for (const c of '\'"\\') SHELL_UNITS[c.charCodeAt(0)] = QUOTING
SHELL_UNITS[0x2b] = PLUS

/** The length of the empty expansion at `u[r]` (see STATE), or 0; `u` ends in a 0 unit (loadUnits). */
function emptyExpansionAt (u: Uint16Array, r: number): number {
  const c = u[r]
  const d = u[r + 1]
  if (c === 0x24) { // $
    if (d < 128 && STATE[d] === 1) return 2
    return (d === 0x28 && u[r + 2] === 0x29) || (d === 0x7b && u[r + 2] === 0x7d) ? 3 : 0
  }
  if (c === 0x3c || c === 0x3e) return d === 0x28 && u[r + 2] === 0x29 ? 3 : 0 // <() >()
  return c === 0x60 && d === 0x60 ? 2 : 0 // ``
}

/**
 * The value as the shell would read its words: quoting and empty expansions removed, `$IFS` as a space, `+` as a
 * space (form bodies sent without a type keep it). Returns `text` itself when there is nothing to undo.
 *
 * One loop (units.ts): the expansions are found left to right in the text as it is, the way a global replace
 * finds them, and the quotes and `+` of what remains are then dropped or turned into spaces.
 */
export function shellText (text: string, chars: number): string {
  if ((chars & NEEDS_WORK) === 0) return text
  const expansions = (chars & EXPANSION_CHARS) !== 0
  const quoting = (chars & QUOTING_CHARS) !== 0
  const plus = (chars & Char.plus) !== 0
  const s = expansions && (text.includes('$ifs') || text.includes('${ifs}')) ? text.replace(IFS, ' ') : text
  // Where the loop would first change something, found natively: a value with `$`, `<` or `+` but nothing
  // to undo is returned as it is, and what precedes that place is not walked.
  const first = s.search(FIRST_CHANGE)
  if (first === -1) return s
  const n = s.length
  const u = loadUnits(s)
  let w = first
  for (let r = first; r < n;) {
    const c = u[r]
    const kind = c < 128 ? SHELL_UNITS[c] : 0
    if (kind === 0) {
      u[w++] = c
      r++
      continue
    }
    const skip = expansions && kind === EXPANSION ? emptyExpansionAt(u, r) : 0
    if (skip > 0) {
      r += skip
      continue
    }
    r++
    // Quoting is removed as the shell removes it: `c''at`, `c\at`, `"rmt"`.
    if (quoting && kind === QUOTING) continue
    u[w++] = plus && kind === PLUS ? 0x20 : c
  }
  return unitsText(w)
}

/** How strongly a command at a command position reads as injected. */
export const Reading = {
  none: 0,
  /** A weak name after a separator and a space, with nothing shell-like after it (paranoia 2). */
  loose: 1,
  /** A command with the value to itself (`id`, `who`): paranoia 3. */
  alone: 2,
  /** A clear injected command. */
  chained: 3,
  /** A value that begins with a command and shell arguments. */
  leading: 4
} as const
export type Reading = typeof Reading[keyof typeof Reading]

/** The strongest command found in a value. */
export interface CommandFound {
  reading: Reading
  index: number
  length: number
}

/**
 * A command position (group 1: what opens it, a subshell `(` after a separator included), an unset variable
 * standing for nothing (group 2: `|$u wget`), commands that run another (`time`, `nohup`, `sudo`...) with
 * their options (group 3), a directory (group 4) and the command name (group 5), which may end in an unset
 * variable (`sh$xx`). A name of one letter is `w` (the only such command, checked below) or a binary under a
 * `bin/` directory, and the name must end there (see BOUNDARY): `a;b;c` and a form field `a=b&c=d` leave the
 * regex engine without a match to hand back, and a directory that is itself a command is then found as the
 * name (`&bcdboot/r`). The name is checked against the word lists by the caller.
 */
const COMMAND = /(^|[;|&\n\r`]\(?|\$\(|[<>]\(|<<<|[(){}=])[\t ]{0,8}(\$[a-z_][a-z0-9_]{0,15}[\t ]{1,8})?((?:(?:time|nohup|strace|ltrace|sudo|doas|env|exec|nice|timeout|xargs|stdbuf|command|builtin)[\t ]{1,8}(?:-{1,2}[a-z0-9]{1,8}[\t ]{1,8}|\d{1,5}[\t ]{1,8}){0,2}){0,2})(\/?(?:[a-z0-9._-]{1,20}\/){0,3})?([a-z][a-z0-9._+-]{1,31}|w|(?<=bin\/)[a-z])(?:\$[a-z_][a-z0-9_]{0,15}|\$\{[a-z_][a-z0-9_]{0,15}\})?(?=$|[\s;|&<>)(`{}/])/g
if ('abcdefghijklmnopqrstuvwxyz'.split('').some((c) => c !== 'w' && commandWord(c) !== Word.none)) throw new Error('a one-letter command other than w')

/**
 * COMMAND with only its name captured: most command positions name nothing (`a=b&c=d`), and a match with one
 * group is cheaper to hand back than one with five. The whole match is taken again, at the same position and
 * with the same pattern (so the same match), only for a name that may be a command.
 */
const CANDIDATE = new RegExp(onlyGroup(COMMAND.source, 5), 'g')
const COMMAND_AT = new RegExp(COMMAND.source, 'y')

/** `source` with every capturing group but the `keep`th made non-capturing (escapes and classes skipped). */
function onlyGroup (source: string, keep: number): string {
  let out = ''
  let inClass = false
  let group = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      out += c + source[++i]
    } else if (inClass || c === '[') {
      inClass = c === '[' || (inClass && c !== ']')
      out += c
    } else if (c === '(' && source[i + 1] !== '?') {
      out += ++group === keep ? '(' : '(?:'
    } else out += c
  }
  return out
}
/** After the name: an option, a path or a substitution (what makes a weak name a command). */
const SHELL_ARGUMENT = /[\t ]{1,8}(?:-{1,2}[a-z0-9]|[/~$`]|\.{1,2}\/)/y
/** After the name: the end of the command (`; who;`, `| sort`). */
const COMMAND_END = /[\t ]{0,8}(?:[;|&<>`)]|$)/y
/** After a weak name at the start of a value: an option, an absolute path or a pipe. */
const LEADING_ARGUMENT = /[\t ]{1,8}(?:-{1,2}[a-z]|[/~])|[\t ]{0,8}\|/y
/** After a strong name at the start of a value: any argument, or a pipe. */
const STRONG_ARGUMENT = /[\t ]{1,8}[a-z0-9/~$.-]|[\t ]{0,8}[|;&]/y
// The name must end there: not `cat=` (a form field), not `date:` (a label). `\s` as in a regex.
const BOUNDARY = new Uint8Array(128)
for (const c of ' \t\n\v\f\r;|&<>)(`{}/') BOUNDARY[c.charCodeAt(0)] = 1

function isBoundary (c: number): boolean {
  return c < 128 ? BOUNDARY[c] === 1 : c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
}

function isAlphanumeric (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
}

function isLoneAmpersand (text: string, at: number, opener: string): boolean {
  return opener === '&' && (at === 0 || text[at - 1] !== '&')
}

function followedBy (pattern: RegExp, text: string, at: number): boolean {
  pattern.lastIndex = at
  return pattern.test(text)
}

/** COMMAND's groups but the name. */
interface CommandMatch {
  index: number
  whole: string
  opener: string
  variable: string | undefined
  prefix: string
  dir: string | undefined
}

// What opens a command when it is the only character before the name.
const OPENERS = ';|&\n\r`(){}='

// The groups of the candidate being examined, filled in place: a value can hold a command position every
// few characters, and an object per position would be garbage for the collector to sweep.
const found: CommandMatch = { index: 0, whole: '', opener: '', variable: undefined, prefix: '', dir: undefined }

/**
 * COMMAND's groups for a CANDIDATE match, into `found`; false when there are none. The most frequent shape,
 * one opener character and the name (`(eval`, `;id`), is read off the match itself; any other is matched
 * again with COMMAND_AT.
 */
function groups (text: string, candidate: RegExpExecArray): boolean {
  const whole = candidate[0]
  const name = candidate[1]
  if (whole.length === name.length + 1 && whole.endsWith(name) && OPENERS.includes(whole[0])) {
    found.index = candidate.index
    found.whole = whole
    found.opener = whole[0]
    found.variable = undefined
    found.prefix = ''
    found.dir = undefined
    return true
  }
  COMMAND_AT.lastIndex = candidate.index
  const m = COMMAND_AT.exec(text)
  if (m === null) return false
  found.index = m.index
  found.whole = m[0]
  found.opener = m[1]
  found.variable = m[2]
  found.prefix = m[3]
  found.dir = m[4]
  return true
}

/**
 * What decides how a candidate reads lies in a window from the character before its match to WINDOW_AFTER
 * characters after it: the sticky patterns above read at most 11 characters past the name, and the groups
 * of a match are those of the first way through the pattern that ends where it ends, which reads nothing
 * past the character after it. Two candidates with the same window, neither at the value's start nor near
 * its (trimmed) end, read the same.
 */
const WINDOW_AFTER = 12
/**
 * Farther than COMMAND reads from where an attempt starts (opener, spaces, a variable, two prefixes with
 * their options, three directories, a name and its variable come to about 260 characters).
 */
const REACH = 512

/**
 * Where the stretch of `text` that repeats itself every `period` characters, known to do so before `from`,
 * ends: the first `j` from `from` on with `text[j]` unlike `text[j - period]`.
 */
function periodicEnd (text: string, from: number, period: number): number {
  let j = from
  while (j < text.length && text.charCodeAt(j) === text.charCodeAt(j - period)) j++
  return j
}

/**
 * The strongest command found in `text` (see shellText), or undefined. `fromAnyStart` is false for values that
 * are not arguments (User-Agent, Referer), where only a separator opens a command and weak names need to follow
 * it without a space (`;env`).
 */
export function findCommand (text: string, fromAnyStart: boolean): CommandFound | undefined {
  let best: CommandFound | undefined
  // Looked up once: a search per candidate through trailing whitespace would make many candidates quadratic.
  const trimmed = text.trimEnd().length
  // The window (see WINDOW_AFTER) of the last candidate read, the length of its match, and where the last
  // candidate with that window was.
  let lastWindow = ''
  let lastLength = -1
  let lastAt = -1
  // The distance between the last two candidates with the same window, and where the text stops repeating
  // itself at that distance.
  let period = 0
  let periodEnd = 0
  CANDIDATE.lastIndex = 0
  let candidate: RegExpExecArray | null
  // Every command position is examined: each match starts where the last one ended, and what is done with
  // it is bounded, so the pass stays linear however many separators a value has.
  while ((candidate = CANDIDATE.exec(text)) !== null) {
    const index = candidate.index
    const length = candidate[0].length
    const inside = index > 0 && index + length + WINDOW_AFTER < trimmed
    // A repeat of the last candidate read, window and all, reads the same: it can neither return nor beat `best`.
    if (inside && length === lastLength && text.startsWith(lastWindow, index - 1)) {
      // Where the text repeats itself from the last such candidate on, the matches repeat too, as long as
      // what an attempt reads stays inside the repeating stretch: the search goes on from the last of them
      // that is REACH before its end, and not from each (`;id` 20,000 times is a few hundred matches).
      const distance = index - lastAt
      if (distance !== period || index >= periodEnd) {
        period = distance
        periodEnd = periodicEnd(text, index + length + WINDOW_AFTER, distance)
      }
      const skip = Math.floor((periodEnd - REACH - index - 1) / distance)
      if (skip >= 2) CANDIDATE.lastIndex = index + skip * distance
      lastAt = index
      continue
    }
    lastLength = inside ? length : -1
    lastAt = index
    if (inside) lastWindow = text.slice(index - 1, index + length + WINDOW_AFTER)
    // Most positions name no command: the word is looked up before anything else is read.
    const name = candidate[1]
    const nameStrength = commandWord(name)
    if (nameStrength === Word.none && !candidate[0].includes('bin/')) continue
    if (!groups(text, candidate)) continue
    const m = found
    const word = name
    const inBin = m.dir !== undefined && m.dir.endsWith('bin/')
    let strength: Word = inBin ? Word.strong : nameStrength
    if (strength === Word.none) continue
    const end = m.index + m.whole.length
    if (end < text.length && !isBoundary(text.charCodeAt(end))) continue
    const opener = m.opener
    const separator = opener !== '' && '(){}='.indexOf(opener) === -1
    // `;ps`, `|id`, `&env`: nothing but a command follows a tight separator directly. A newline followed by a
    // word is ordinary text, and so is `a;b;c` (a list): neither is a tight separator.
    const listed = m.index > 0 && isAlphanumeric(text.charCodeAt(m.index - 1))
    const tight = separator && opener !== '\n' && opener !== '\r' && !listed
    const spaced = m.whole.length > opener.length + (m.dir ?? '').length + word.length
    const prefixed = m.prefix !== '' || m.variable !== undefined
    // A tool named after a separator is run, not searched for.
    if (strength === Word.tool) strength = separator || prefixed ? Word.strong : Word.weak
    let reading: Reading = Reading.none
    if (strength === Word.strong) {
      if (separator || prefixed) reading = Reading.chained
      else if (fromAnyStart && followedBy(STRONG_ARGUMENT, text, end)) reading = Reading.leading
      else if (fromAnyStart && (m.index === 0 || opener === '=') && end === trimmed) reading = isTellingAlone(word) ? Reading.leading : Reading.alone
    } else if (tight && !spaced) reading = Reading.chained
    else if (!fromAnyStart) reading = Reading.none
    // `cut & paste`, `find & replace`: a lone `&` between words is prose; `&&` is not.
    else if ((separator || prefixed) && (followedBy(SHELL_ARGUMENT, text, end) || (!listed && !isLoneAmpersand(text, m.index, opener) && followedBy(COMMAND_END, text, end)))) reading = Reading.chained
    else if (!separator && followedBy(LEADING_ARGUMENT, text, end)) reading = Reading.leading
    else if (separator || prefixed) reading = Reading.loose
    else if (m.index === 0 && end === text.length) reading = Reading.alone
    if (reading === Reading.none) continue
    if (best === undefined || reading > best.reading) best = { reading, index: m.index, length: m.whole.length }
    if (reading >= Reading.chained) return best
  }
  return best
}
