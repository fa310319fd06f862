/**
 * Shell constructs other than a command name, for rce.ts. Every pattern is bounded (`{0,n}`) and has no
 * nested quantifier over overlapping classes, so it runs in linear time on hostile input.
 */
import { commandWord, Word } from './rce-words.js'

/**
 * Command substitution `$(...)`, parameter expansion `${...}`, process substitution `<(...)` `>(...)` and
 * the old arithmetic `$[...]` (POSIX 2.6.2-2.6.4, bash 3.5.6). jQuery's `$(document)`, `$(this)` and
 * `$('#id')` are not a shell. Log4j lookups `${jndi:` are left to rce-log4shell.
 */
export const SUBSTITUTION = /\$\((?![\s'"#.]|document\b|window\b|this\b|function\b)[^()]{0,256}\)|\$\(\(|\$\{(?!\s{0,8}jndi)[^{}\s]{1,64}(?:\{\}[^{}\s]{0,32})?\}|[<>]\([a-z$/][^()]{0,256}\)|\$\[[^[\]'"]{0,64}\]/

/** A bracket expression in a path segment: `/etc/pa[s]swd`, `/[?]tc`, `/bi[n]/bash` (pathname expansion, 2.13). */
export const BRACKET_GLOB = /\/[a-z0-9_.-]{0,30}\[!?[^\]\s]{1,20}\]/

/** Two path segments in a row with `?` or `*` wildcards: `/???/c?t`, `/e??/p??s??`. */
export const WILDCARD_PATH = /\/[a-z0-9._-]{0,10}[?*][a-z0-9._?*-]{0,10}\/[a-z0-9._-]{0,10}[?*]/

/** Tilde expansion of the directory stack: `~+`, `~-`, `~-1` (bash 3.5.2). */
export const TILDE = /(?:^|[\s;|&=("'])~[+-]\d{0,3}(?=$|[\s/;|&)])/
/** History expansion by relative event number: `!-1` (bash 9.3.1). */
export const HISTORY = /(?:^|[\s;|&="'])!-\d{1,4}/
/** An alias definition at a command position, with or without options: `alias a=curl`, `alias -p x=id`. */
export const ALIAS = /(?:^|[;|&\n`=({])\s{0,8}alias\s{1,8}(?:\S{1,40}\s{1,8}){0,4}[^\s=;|&]{1,40}=/
/** `$SHELL`, `${SHELL}`, a binary under a `bin/` directory (group 1), or bash's `/dev/tcp/` sockets. */
/** A command name escaped with a backslash to bypass an alias (`\\ls`): group 1 the name. */
export const ESCAPED_COMMAND = /(?:^|[=;|&`(\s])\\([a-z][a-z0-9_-]{1,31})(?=$|[\s;|&])/
export const SHELL_PATH = /\$\{?shell\b|(?:^|[^a-z0-9_])s?bin\/([a-z][a-z0-9._+-]{0,31})|\/dev\/(?:tcp|udp)\//

/**
 * A brace expansion (bash 3.5.1) found at its `{`: group 1 the first item, 2 the rest, 3 the text after. The
 * word before it is read backwards from the brace, so the pattern does not try a prefix at every position.
 */
const BRACE = /\{([a-z0-9_./$?*-]{0,40}),([a-z0-9_./$?*,-]{0,80})\}([a-z0-9_]{0,10})/g
/** A brace list opened or closed by an empty item: `{,echo,#test}`, `{,cd,/etc,}`. */
export const BRACE_LIST = /\{,[^\s{}]{1,80}\}|\{[^\s{},]{1,40},\}/
// Characters of the word glued before a brace expansion that are read.
const PREFIX = 10

function isWordChar (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f
}

/**
 * The first brace expansion whose first word is a command: `{l,-lh}s` is `ls -lhs`, `c{a,oun}t` is `cat`.
 * Every expansion is looked at, so one that spells nothing does not hide a later one. Returns its index and
 * length (the word before the brace included), or null.
 */
export function braceCommand (text: string): { index: number, length: number } | null {
  BRACE.lastIndex = 0
  let m
  while ((m = BRACE.exec(text)) !== null) {
    let start = m.index
    while (start > 0 && m.index - start < PREFIX && isWordChar(text.charCodeAt(start - 1))) start--
    const before = text.slice(start, m.index)
    const items = [m[1], ...m[2].split(',')]
    const first = items.find((item) => item !== '') ?? ''
    const word = before === '' && m[1] === '' ? first : before + m[1] + m[3]
    const head = word.length > 1 && commandWord(word) !== Word.none
    if (head || (m[1] === '' && commandWord(first) !== Word.none)) return { index: start, length: m.index - start + m[0].length }
  }
  return null
}

/** `() {` opening a value: bash before 4.3 runs what follows a function imported from the environment (CVE-2014-6271). */
export const SHELLSHOCK = /(?:^|[="'])\s{0,8}\(\s{0,8}\)\s{0,8}\{/
/** A function that calls itself twice in the background: the fork bomb `:(){ :|:& };:`. */
export const FORK_BOMB = /\(\s{0,8}\)\s{0,8}\{[^{}]{0,60}[|&][^{}]{0,60}\}\s{0,8};?\s{0,8}[a-z0-9_:.]/

/** `cmd /c`, `powershell -enc`, `%comspec%`: a Windows shell started with a command line. */
export const WINDOWS_SHELL = /\bcmd(?:\.exe)?\s{0,8}\/[ckr]\b|\b(?:powershell|pwsh)(?:\.exe)?\s{1,8}(?:-[a-z]|\/[a-z]|[a-z]:\\)|%comspec%/
// A position where a cmd.exe command begins: the value, `&`, `|`, `;`, `(`, `=`, or a quote.
const CMD_START = '(?:^|[;|&(="\'])\\s{0,8}'
/** cmd.exe `FOR [/D|/R|/L|/F [options]] %var IN (set) DO` at a command position. */
export const WINDOWS_FOR = new RegExp(CMD_START + 'for(?:\\s{1,16}\\/[a-z](?:\\s{1,16}(?:"[^"]{0,80}"|[^\\s%]{1,80}))?){0,4}\\s{1,16}%{1,2}[^\\s%]{0,32}\\s{1,16}in\\s{0,16}\\(')
/** cmd.exe `IF [/I] [NOT] EXIST|DEFINED|ERRORLEVEL|CMDEXTVERSION ...` or a comparison (`==`, `EQU`...). */
export const WINDOWS_IF = new RegExp(CMD_START + 'if(?:\\s{0,16}\\/i)?(?:\\s{1,16}not)?\\s{1,16}(?:(?:exist|defined|errorlevel|cmdextversion)\\s{1,16}\\S|(?:"[^"]{0,80}"|\\S{1,80}?)\\s{0,16}(?:==|\\s(?:equ|neq|lss|leq|gtr|geq)\\s))')
/** What WINDOWS_FOR and WINDOWS_IF need after their keyword (whitespace, or `/` for `if/i`): one fast search first. */
export const FOR_KEYWORD = /for\s/
export const IF_KEYWORD = /if[\s/]/

/** SQLite shell dot commands after a statement: `;.shell`, `;\n.system` (CVE-2022-35737 style injections into sqlite3). */
export const SQLITE_DOT = /;\s{0,8}\.\s{0,8}(?:shell|system|sh|databases|tables|dump|import|output|once|load)\b/
/** A CRLF followed by an SMTP, POP3 or IMAP command: mail protocol injection (RFC 5321, 1939, 3501). */
export const MAIL_COMMAND = /[\r\n](?:(?:mail\s{1,8}from|rcpt\s{1,8}to)\s{0,8}:|(?:ehlo|helo|retr|apop|auth|top|list|dele)\s|data$|quit$|help\s|[a-z0-9]{1,10}\s(?:append|authenticate|status|uid|examine|copy|list|store|search|login|select|fetch|quit)\s?)/m
