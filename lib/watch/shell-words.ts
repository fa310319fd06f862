/**
 * A shell command line read as `sh -c` reads it (POSIX Shell Command Language, XCU 2.2-2.10, and bash's
 * `$'...'`), far enough to know which programs it starts: its simple commands, each as its words after quote
 * removal. One pass over the text, each character read a bounded number of times: no backtracking, whatever
 * the nesting. Expansions are not performed (`$x` stays `$x`, `$(...)` becomes the word `$()`), so a word the
 * shell would compute never reads as the name of a program.
 */

/** Bounds on what one command line yields; past them the scan says it is incomplete. */
export const SHELL_LIMITS = Object.freeze({ commands: 64, words: 256, wordLength: 4096, redirections: 64, nesting: 32 })

/** A command line's simple commands and redirections, and whether the bounds let it be read whole. */
export interface ShellScan {
  /** Each simple command's words, program first (leading assignments, redirections, reserved words left out). */
  readonly commands: string[][]
  /** The targets of the redirections (`/dev/tcp/1.2.3.4/80` in `>& /dev/tcp/1.2.3.4/80`), quotes removed. */
  readonly redirections: string[]
  /** False when a bound was reached or the line cannot be read as a shell reads it: there is more than this. */
  readonly complete: boolean
}

const enum Kind { Top, Paren, Backtick, Arith, HereDoc }
/** What the word being read is: a word of the command, a redirection's target, a here-document's delimiter. */
const enum Role { Word, Target, Delimiter }
/** Where a frame's command is: a command, a `for`/`select` or `case` header, a case item's pattern. */
const enum Mode { Command, ForHeader, CaseHeader, CasePattern }

// Words the shell takes as grammar at the start of a command; what follows them is the command (bash's `time`
// too, and its `-p`: dash runs /usr/bin/time, whose command is judged in its place).
const RESERVED = new Set(['!', '{', '}', 'if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'time'])
const ANSI_C: Readonly<Record<string, string>> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }
// What precedes the `=` of an assignment: a name, in bash also an array element and `+=`.
const ASSIGNED = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?$/
const DIGITS = /^[0-9]+$/
// Where a run of characters that mean nothing ends, outside quotes, in double quotes, in arithmetic, in a
// here-document's body, in single quotes and comments inside backticks (a backtick ends the substitution).
const PLAIN_END = /[ \t\n;&|()<>'"\\`$]/g
const DOUBLE_END = /["\\`$]/g
const ARITH_END = /[()\\`$]/g
const BODY_END = /[\n\\`$]/g
const QUOTE_END = /['`]/g
const COMMENT_END = /[\n`]/g

interface HereDoc { readonly delimiter: string, readonly literal: boolean, readonly strip: boolean }

/** A level of nesting (the line, `$(...)`, a backtick substitution, `$((...))`, a here-document's body) and the command read in it. */
interface Frame {
  readonly kind: Kind
  readonly ticks: number // backslashes before the backtick that opened it (nested backticks are escaped)
  readonly here: HereDoc | undefined
  depth: number // subshell parentheses open in it; in arithmetic, parentheses
  double: boolean // inside double quotes
  lineStart: boolean // a here-document's body: at the start of a line
  mode: Mode
  cases: number // case commands open in it
  skip: number // words left out (the name after `function`)
  timed: boolean // the command began with `time`
  words: string[]
  word: string
  inWord: boolean
  quoted: boolean // some of the word was quoted or escaped (then it is no reserved word)
  plain: number // characters at the word's start that were not
  role: Role
  strip: boolean // `<<-`: the body's lines lose their leading tabs
  docs: HereDoc[] // here-documents whose body has not begun, from `nextDoc` on (shift() would copy the list)
  nextDoc: number
}

function frame (kind: Kind, ticks = 0, here?: HereDoc): Frame {
  return { kind, ticks, here, depth: 0, double: false, lineStart: true, mode: Mode.Command, cases: 0, skip: 0, timed: false, words: [], word: '', inWord: false, quoted: false, plain: 0, role: Role.Word, strip: false, docs: [], nextDoc: 0 }
}

const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7'
const isHex = (c: string | undefined): boolean => c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))

/** Where the first match of `end` (a global regex) is from `from`, or the text's end. */
function search (end: RegExp, text: string, from: number): number {
  end.lastIndex = from
  return end.exec(text)?.index ?? text.length
}

class Scanner {
  readonly commands: string[][] = []
  readonly redirections: string[] = []
  complete = true
  private i = 0
  private stopped = false
  private backticks = 0
  private readonly frames: Frame[] = [frame(Kind.Top)]

  constructor (private readonly text: string) {}

  run (): void {
    while (this.i < this.text.length && !this.stopped) {
      const f = this.frames[this.frames.length - 1]
      if (f.kind === Kind.HereDoc) this.hereDocStep(f, f.here as HereDoc)
      else if (f.kind === Kind.Arith) this.arithStep(f)
      else if (f.double) this.doubleStep(f)
      else this.plainStep(f)
    }
    for (let k = this.frames.length - 1; k >= 0; k--) this.endCommand(this.frames[k])
  }

  private stop (): void {
    this.complete = false
    this.stopped = true
  }

  private push (f: Frame, kind: Kind, ticks = 0, here?: HereDoc): void {
    if (this.frames.length > SHELL_LIMITS.nesting) return this.stop()
    // A substitution stands in the word it is part of; a here-document or arithmetic has no words.
    if (kind !== Kind.HereDoc && f.kind !== Kind.HereDoc && f.kind !== Kind.Arith) this.add(f, '$()', true)
    if (kind === Kind.Backtick) this.backticks++
    this.frames.push(frame(kind, ticks, here))
  }

  private pop (): void {
    const f = this.frames.pop() as Frame
    this.endCommand(f)
    if (f.kind === Kind.Backtick) this.backticks--
    if (f.kind === Kind.HereDoc) this.startHereDoc(this.frames[this.frames.length - 1])
  }

  /**
   * Reads the body of the frame's next here-document, if any: it begins on the line after the operator's, in
   * the same substitution (one that ends first leaves its here-documents empty, and the lines after it are commands).
   */
  private startHereDoc (f: Frame): void {
    if (f.nextDoc < f.docs.length) this.push(f, Kind.HereDoc, 0, f.docs[f.nextDoc++])
  }

  /** Adds text to the word being read: unquoted characters, or quoted text (a quoted run, a substitution's stand-in). */
  private add (f: Frame, text: string, quoted: boolean): void {
    if (!f.inWord) {
      f.inWord = true
      f.word = ''
      f.quoted = false
      f.plain = 0
    }
    const room = SHELL_LIMITS.wordLength - f.word.length
    if (text.length > room) {
      this.complete = false
      text = text.slice(0, Math.max(room, 0))
    }
    if (quoted) f.quoted = true
    else if (f.plain === f.word.length) f.plain += text.length
    f.word += text
  }

  private endWord (f: Frame): void {
    if (!f.inWord) return
    f.inWord = false
    const { word } = f
    const keyword = f.quoted ? '' : word
    if (f.role === Role.Delimiter) f.docs.push({ delimiter: word, literal: f.quoted, strip: f.strip })
    else if (f.role === Role.Target) {
      if (this.redirections.length < SHELL_LIMITS.redirections) this.redirections.push(word)
      else this.complete = false
    } else if (f.mode === Mode.ForHeader) {
      if (keyword === 'do') f.mode = Mode.Command
    } else if (f.mode === Mode.CaseHeader) {
      if (keyword === 'in') f.mode = Mode.CasePattern
    } else if (f.mode === Mode.CasePattern) {
      if (keyword === 'esac') this.endCase(f)
    } else if (f.skip > 0) f.skip--
    else if (f.words.length > 0 || !(this.isAssignment(f) || this.reserved(f, keyword) || this.compound(f, keyword))) {
      if (f.words.length < SHELL_LIMITS.words) f.words.push(word)
      else this.complete = false
    }
    f.role = Role.Word
  }

  /** `NAME=value`, its `=` unquoted (XCU 2.9.1): an assignment before the command; `"A=1"` is a command name. */
  private isAssignment (f: Frame): boolean {
    const equals = f.word.indexOf('=')
    return equals > 0 && equals < f.plain && ASSIGNED.test(f.word.slice(0, equals))
  }

  private reserved (f: Frame, keyword: string): boolean {
    const dropped = RESERVED.has(keyword) || (f.timed && keyword === '-p')
    f.timed = keyword === 'time'
    return dropped
  }

  /** A reserved word whose next words are no command (`for`, `select`, `case`, `function`) or `esac`; true when it is one. */
  private compound (f: Frame, keyword: string): boolean {
    if (keyword === 'for' || keyword === 'select') f.mode = Mode.ForHeader
    else if (keyword === 'case') {
      f.mode = Mode.CaseHeader
      f.cases++
    } else if (keyword === 'esac') this.endCase(f)
    else if (keyword === 'function') f.skip = 1
    else return false
    return true
  }

  private endCase (f: Frame): void {
    f.mode = Mode.Command
    if (f.cases > 0) f.cases--
  }

  private endCommand (f: Frame): void {
    this.endWord(f)
    f.role = Role.Word
    f.skip = 0
    if (f.mode === Mode.ForHeader) f.mode = Mode.Command
    if (f.words.length === 0) return
    if (this.commands.length === SHELL_LIMITS.commands) return this.stop()
    this.commands.push(f.words)
    f.words = []
  }

  private plainStep (f: Frame): void {
    const { text } = this
    const c = text[this.i]
    switch (c) {
      case '\\': return this.backslashes(f)
      case '`': return this.backtick(f, 0)
      case '$': return this.dollar(f)
      case '(': case ')': return this.paren(f, c)
      case ';': case '|': case '\n': return this.separator(f, c)
      case '&': return text[this.i + 1] === '>' ? this.redirection(f) : this.separator(f, c)
      case '<': case '>':
        if (text[this.i + 1] !== '(') return this.redirection(f)
        this.i += 2
        return this.push(f, Kind.Paren)
      case ' ': case '\t':
        this.i++
        return this.endWord(f)
      case '\'': {
        // Inside backticks the first backtick ends the substitution, quoted or not (dash and bash read it so).
        const end = this.backticks === 0 ? text.indexOf('\'', this.i + 1) : search(QUOTE_END, text, this.i + 1)
        const stop = end === -1 ? text.length : end
        this.add(f, text.slice(this.i + 1, stop), true)
        this.i = text[stop] === '\'' ? stop + 1 : stop
        return
      }
      case '"':
        this.i++
        this.add(f, '', true)
        f.double = true
        return
      case '#':
        if (f.inWord) break
        this.i = this.backticks === 0 ? text.indexOf('\n', this.i) : search(COMMENT_END, text, this.i)
        if (this.i === -1) this.i = text.length
        return
    }
    const end = search(PLAIN_END, text, this.i + 1)
    this.add(f, text.slice(this.i, end), false)
    this.i = end
  }

  private separator (f: Frame, c: string): void {
    const next = this.text[++this.i]
    this.endCommand(f)
    if (c === '\n') this.startHereDoc(f)
    else if (c === ';' && (next === ';' || next === '&') && f.cases > 0) {
      // `;;` (or `;&`) ends a case item: a pattern comes next.
      f.mode = Mode.CasePattern
      this.i++
    }
  }

  /**
   * `(` opens a subshell; `)` closes one, or the `$(...)` the frame is. In a case item's pattern, `)` ends the
   * pattern and a command follows: read as the end of a substitution, that command would be an argument.
   */
  private paren (f: Frame, c: string): void {
    this.i++
    // The word before it first: `esac)` ends the case, then the substitution.
    this.endWord(f)
    if (f.mode === Mode.CasePattern) {
      if (c === ')') f.mode = Mode.Command
      return
    }
    this.endCommand(f)
    if (c === '(') f.depth++
    else if (f.depth > 0) f.depth--
    else if (f.kind === Kind.Paren) this.pop()
  }

  private doubleStep (f: Frame): void {
    const c = this.text[this.i]
    if (c === '\\') return this.backslashes(f)
    if (c === '`') return this.backtick(f, 0)
    if (c === '$') return this.dollar(f)
    if (c === '"') {
      this.i++
      f.double = false
      return
    }
    const end = search(DOUBLE_END, this.text, this.i + 1)
    this.add(f, this.text.slice(this.i, end), true)
    this.i = end
  }

  /** Arithmetic `$((...))`: no commands of its own; substitutions in it still run. */
  private arithStep (f: Frame): void {
    const c = this.text[this.i]
    if (c === '$' && this.text[this.i + 1] === '(') return this.dollar(f)
    if (c === '`') return this.backtick(f, 0)
    this.i = c === '\\' ? this.i + 2 : c === '(' || c === ')' || c === '$' ? this.i + 1 : search(ARITH_END, this.text, this.i)
    if (c === '(') f.depth++
    else if (c === ')' && f.depth > 0) f.depth--
    else if (c === ')' && this.text[this.i] === ')') {
      this.i++
      this.pop()
    } else if (c === ')') this.stop() // `$((cmd) ...)`: a subshell in a command substitution after all.
  }

  /** A here-document's body: lines up to the delimiter; unless the delimiter was quoted, substitutions run. */
  private hereDocStep (f: Frame, here: HereDoc): void {
    const { text } = this
    if (f.lineStart) {
      let start = this.i
      while (here.strip && text[start] === '\t') start++
      const newline = text.indexOf('\n', start)
      const end = newline === -1 ? text.length : newline
      if (end - start === here.delimiter.length && text.startsWith(here.delimiter, start)) {
        this.i = end + 1
        return this.pop()
      }
      if (here.literal) {
        this.i = end + 1
        return
      }
      f.lineStart = false
    }
    const c = text[this.i]
    if (c === '$' && text[this.i + 1] === '(') return this.dollar(f)
    if (c === '`') return this.backtick(f, 0)
    this.i = c === '\\' ? this.i + 2 : c === '\n' || c === '$' ? this.i + 1 : search(BODY_END, text, this.i)
    // After an escaped newline too: a delimiter found earlier than the shell finds it hides no line from the scan.
    f.lineStart = text[this.i - 1] === '\n'
  }

  private redirection (f: Frame): void {
    // Digits right before the operator name the descriptor redirected (`2>`): not a word.
    if (f.inWord && !f.quoted && DIGITS.test(f.word)) f.inWord = false
    else this.endWord(f)
    const { text } = this
    if (text[this.i] === '&') this.i++
    const op = text[this.i++]
    const next = text[this.i]
    f.role = Role.Target
    if (op === '<' && next === '<') {
      this.i++
      if (text[this.i] === '<') this.i++ // `<<<`: a here-string, its word the target.
      else {
        f.role = Role.Delimiter
        f.strip = text[this.i] === '-'
        if (f.strip) this.i++
      }
    } else if (next === '&' || next === '>' || (op === '>' && next === '|')) this.i++
  }

  /**
   * A run of backslashes. Outside quotes each escapes the next character (a newline: the line goes on); in
   * double quotes only before `$`, `` ` ``, `"`, `\` and newline. Inside backticks, before a backtick they
   * say how deep a nested substitution is, and before `$` they go when the substitution's text is taken.
   */
  private backslashes (f: Frame): void {
    let end = this.i
    while (this.text[end] === '\\') end++
    const count = end - this.i
    const next = this.text[end]
    this.i = end
    if (this.backticks > 0 && next === '`') return this.backtick(f, count)
    if (this.backticks > 0 && next === '$') return
    if (count > 1) this.add(f, '\\'.repeat(Math.min(count >> 1, SHELL_LIMITS.wordLength + 1)), true)
    if (count % 2 === 0 || next === undefined) return
    if (f.double && next !== '$' && next !== '"' && next !== '\n' && next !== '`') return this.add(f, '\\', true)
    this.i++
    if (next !== '\n') this.add(f, next, true)
  }

  /** A backtick after `ticks` backslashes: closes the innermost backtick substitution at that depth, or opens one. */
  private backtick (f: Frame, ticks: number): void {
    this.i++
    if (f.kind === Kind.Backtick && ticks <= f.ticks) this.pop()
    else this.push(f, Kind.Backtick, ticks)
  }

  private dollar (f: Frame): void {
    const next = this.text[this.i + 1]
    if (next === '(') {
      const arith = this.text[this.i + 2] === '('
      this.i += arith ? 3 : 2
      return this.push(f, arith ? Kind.Arith : Kind.Paren)
    }
    if (!f.double && next === '\'') return this.ansiC(f)
    this.i++
    // `$"..."` is a translated string, read as "...".
    if (f.double || next !== '"') this.add(f, '$', f.double)
  }

  /** bash's `$'...'`: backslash escapes decoded (`$'\x63url'` is `curl`); a NUL ends the value, as in bash. */
  private ansiC (f: Frame): void {
    const { text } = this
    let j = this.i + 2
    let value = ''
    while (j < text.length && text[j] !== '\'') {
      let piece = text[j++]
      if (piece === '\\' && j < text.length) {
        const e = text[j++]
        const max = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : isOctal(e) ? 2 : 0
        if (max > 0) {
          const octal = isOctal(e)
          let digits = octal ? e : ''
          for (const stop = j + max; j < stop && (octal ? isOctal(text[j]) : isHex(text[j])); j++) digits += text[j]
          const code = digits === '' ? -1 : octal ? parseInt(digits, 8) & 0xff : parseInt(digits, 16)
          piece = code === -1 ? '\\' + e : code <= 0x10ffff ? String.fromCodePoint(code) : ''
        } else if (e === 'c' && j < text.length) piece = String.fromCharCode(text.charCodeAt(j++) & 0x1f)
        else piece = ANSI_C[e] ?? (e === '\\' || e === '\'' || e === '"' || e === '?' ? e : '\\' + e)
      }
      if (value.length <= SHELL_LIMITS.wordLength) value += piece
    }
    const nul = value.indexOf('\0')
    this.add(f, nul === -1 ? value : value.slice(0, nul), true)
    this.i = j + 1
  }
}

/**
 * Reads a shell command line: its simple commands (separated by `;`, `&`, `|`, `&&`, `||`, newlines and
 * parentheses, and those inside `$(...)`, backticks and `<(...)`, listed too), each as its words after quote
 * removal, and its redirections' targets. Linear in the text's length, and bounded by SHELL_LIMITS.
 */
export function scanShell (command: string): ShellScan {
  const scanner = new Scanner(command)
  scanner.run()
  return { commands: scanner.commands, redirections: scanner.redirections, complete: scanner.complete }
}

/** The simple commands of a shell command line, each as its words (see scanShell). */
export function simpleCommands (command: string): string[][] {
  return scanShell(command).commands
}
