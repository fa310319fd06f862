/**
 * Remote command execution: unix shell and Windows cmd/PowerShell command lines injected into arguments,
 * Shellshock function definitions and Log4Shell JNDI lookups in any header (CRS 932 and 944150 for the idea).
 *
 * Unix commands are matched on the value as the shell reads it (rce-shell.ts: quotes, backslashes, `$IFS` and
 * empty expansions undone) and only at a command position; cmd.exe's `^` escapes are removed for Windows.
 */
import { Char } from '../chars.js'
import { decodeRaw } from '../decode.js'
import { withoutUnit } from '../units.js'
import { active, report } from '../report.js'
import { ANYWHERE, ARGUMENTS, Place, ruleMaker, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { Reading, findCommand, shellText } from './rce-shell.js'
import { findJndi } from './rce-log4shell.js'
import * as P from './rce-patterns.js'
import { commandWord, isUnixBinary, Word } from './rce-words.js'

const rule = ruleMaker('rce')

const UNIX_COMMAND = rule('rce-unix-command', 1, 5, 'A unix command after a separator (`;`, `|`, `&&`, `` ` ``, `$(`, newline) or after `time`/`nohup`/`sudo`')
const UNIX_LEADING = rule('rce-unix-command-leading', 1, 5, 'An argument begins with a unix command and shell arguments (`ls -la /`, `cscli alerts list`)')
const UNIX_SUBSTITUTION = rule('rce-unix-substitution', 1, 5, 'Command, process or parameter substitution: `$(...)`, `<(...)`, `${...}`, `$[...]`')
const UNIX_GLOB = rule('rce-unix-glob-path', 1, 5, 'A bracket glob in a path: `/etc/pa[s]swd`, `/bi[n]/bash`')
const UNIX_BRACE = rule('rce-unix-brace-expansion', 1, 5, 'A brace expansion that spells a command: `{cat,/etc/passwd}`, `c{a,oun}t`')
const UNIX_TILDE = rule('rce-unix-tilde-expansion', 1, 5, 'Directory-stack tilde expansion `~+`, `~-`, `~-1`')
const UNIX_HISTORY = rule('rce-unix-history-expansion', 1, 5, 'History expansion by relative number: `!-1`')
const UNIX_ALIAS = rule('rce-unix-alias', 1, 5, 'A shell alias definition: `alias a=curl`')
const UNIX_SHELL_PATH = rule('rce-unix-shell-path', 1, 5, 'A binary under `bin/` (`/bin/sh`, `/usr/bin/perl`), `$SHELL`, or `/dev/tcp/` in an argument')
const SHELLSHOCK = rule('rce-shellshock', 1, 5, 'Shellshock: a value that opens with a bash function definition `() {` (CVE-2014-6271), in any header or argument')
const LOG4SHELL = rule('rce-log4shell-jndi', 1, 5, 'Log4Shell: a `${jndi:...}` lookup, also spelled with nested lookups (`${${lower:j}ndi:`, `${::-j}`), anywhere')
const WINDOWS_SHELL = rule('rce-windows-shell', 1, 5, 'A Windows shell with a command line: `cmd /c`, `powershell -enc`, `%comspec%`')
const WINDOWS_BATCH = rule('rce-windows-batch', 1, 5, 'A cmd.exe `FOR ... IN (...) DO` loop or `IF EXIST/DEFINED/==` test at a command position')
const UNIX_WILDCARD = rule('rce-unix-wildcard-path', 2, 5, 'Wildcards in consecutive path segments: `/???/c?t`, `/e??/p??s??`')
const UNIX_LOOSE = rule('rce-unix-command-loose', 2, 5, 'A command word that is also an English word after a separator and a space (`; top`)')
const UNIX_BRACE_LIST = rule('rce-unix-brace-list', 2, 5, 'A brace list with an empty item: `{,ifconfig}`, `{,cd,/etc,}`')
const FORK_BOMB = rule('rce-fork-bomb', 2, 5, 'A shell function that calls itself twice in the background: `:(){ :|:& };:`')
const SQLITE_DOT = rule('rce-sqlite-dot-command', 2, 5, 'SQLite shell dot commands after a statement: `;.shell`, `;.system`')
const MAIL_INJECTION = rule('rce-mail-command-injection', 2, 5, 'CRLF followed by an SMTP, POP3 or IMAP command (`MAIL FROM:`, `RETR`, `a001 EXAMINE`)')
const UNIX_ALONE = rule('rce-unix-command-alone', 3, 5, 'A value that is only a command name (`id`, `who`)')

// Where each group of rules looks. Headers other than User-Agent and Referer only carry whole-request attacks.
const SHELL_PLACES = ARGUMENTS | Place.queryName | Place.bodyName
const BROWSER_HEADERS = Place.userAgent | Place.referer

/** The value's text; headers the framework only lowercases are decoded here when they carry escapes. */
function headerText (value: Inspected): string {
  if (value.place === Place.otherHeader && (value.raw.includes('%') || value.raw.includes('&'))) return decodeRaw(value)
  return value.text
}

function match (out: Threat[], r: Rule, scope: Scope, value: Inspected, text: string, pattern: RegExp): boolean {
  if (!active(r, scope)) return false
  const m = pattern.exec(text)
  if (m !== null) report(out, r, value, m.index, m[0].length)
  return m !== null
}

function wholeRequest (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = headerText(value)
  if (text.includes('(')) match(out, SHELLSHOCK, scope, value, text, P.SHELLSHOCK)
  if (active(LOG4SHELL, scope) && text.includes('${')) {
    const at = findJndi(text)
    if (at !== -1) report(out, LOG4SHELL, value, at, 8)
  }
}

function shellCommand (value: Inspected, scope: Scope, out: Threat[], shell: string): void {
  if (value.text.includes('\\') && active(UNIX_COMMAND, scope)) {
    const m = P.ESCAPED_COMMAND.exec(value.text)
    if (m !== null && commandWord(m[1]) !== Word.none) return report(out, UNIX_COMMAND, value, m.index, m[0].length)
  }
  const found = findCommand(shell, value.place !== Place.userAgent && value.place !== Place.referer)
  if (found === undefined) return
  const r = found.reading === Reading.chained
    ? UNIX_COMMAND
    : found.reading === Reading.leading ? UNIX_LEADING : found.reading === Reading.loose ? UNIX_LOOSE : UNIX_ALONE
  if (active(r, scope)) report(out, r, value, found.index, found.length)
}

function shellGrammar (value: Inspected, scope: Scope, out: Threat[], text: string, shell: string): void {
  if (text.includes('$') || text.includes('(')) match(out, UNIX_SUBSTITUTION, scope, value, text, P.SUBSTITUTION)
  if (shell.includes('/')) {
    if (shell.includes('[')) match(out, UNIX_GLOB, scope, value, shell, P.BRACKET_GLOB)
    // Unquoting removes characters and makes spaces, never a `?` or `*`.
    if ((value.chars & (Char.question | Char.star)) !== 0) match(out, UNIX_WILDCARD, scope, value, shell, P.WILDCARD_PATH)
  }
  if (active(UNIX_SHELL_PATH, scope) && (shell.includes('bin/') || shell.includes('$') || shell.includes('/dev/'))) {
    const m = P.SHELL_PATH.exec(shell)
    if (m !== null && (m[1] === undefined || isUnixBinary(m[1]))) report(out, UNIX_SHELL_PATH, value, m.index, m[0].length)
  }
  if (shell.includes('{')) {
    const brace = active(UNIX_BRACE, scope) ? P.braceCommand(shell) : null
    if (brace !== null) report(out, UNIX_BRACE, value, brace.index, brace.length)
    match(out, UNIX_BRACE_LIST, scope, value, shell, P.BRACE_LIST)
    match(out, FORK_BOMB, scope, value, shell, P.FORK_BOMB)
  }
  if (text.includes('~')) match(out, UNIX_TILDE, scope, value, text, P.TILDE)
  if (text.includes('!-')) match(out, UNIX_HISTORY, scope, value, text, P.HISTORY)
  if (shell.includes('alias')) match(out, UNIX_ALIAS, scope, value, shell, P.ALIAS)
  if (shell.includes(';')) match(out, SQLITE_DOT, scope, value, shell, P.SQLITE_DOT)
  if (text.includes('\n') || text.includes('\r')) match(out, MAIL_INJECTION, scope, value, text, P.MAIL_COMMAND)
}

function windows (value: Inspected, scope: Scope, out: Threat[], text: string): void {
  const cmd = text.includes('^') ? withoutUnit(text, 0x5e) : text // cmd.exe's escape character: `c^m^d`
  // Each pattern names its shell or keyword, followed by what a quick search finds before the pattern runs.
  if (cmd.includes('cmd') || cmd.includes('powershell') || cmd.includes('pwsh') || cmd.includes('%comspec%')) match(out, WINDOWS_SHELL, scope, value, cmd, P.WINDOWS_SHELL)
  if (cmd.includes('for') && P.FOR_KEYWORD.test(cmd)) match(out, WINDOWS_BATCH, scope, value, cmd, P.WINDOWS_FOR)
  if (cmd.includes('if') && P.IF_KEYWORD.test(cmd)) match(out, WINDOWS_BATCH, scope, value, cmd, P.WINDOWS_IF)
}

function inspect (value: Inspected, scope: Scope, out: Threat[]): void {
  wholeRequest(value, scope, out)
  if ((value.place & (SHELL_PLACES | BROWSER_HEADERS)) === 0) return
  const text = value.text
  const shell = shellText(text, value.chars)
  shellCommand(value, scope, out, shell)
  if ((value.place & SHELL_PLACES) === 0) return
  shellGrammar(value, scope, out, text, shell)
  windows(value, scope, out, text)
}

/** Remote command execution: unix and Windows shells, Shellshock, Log4Shell. */
export const rce: Detector = {
  kind: 'rce',
  rules: [UNIX_COMMAND, UNIX_LEADING, UNIX_SUBSTITUTION, UNIX_GLOB, UNIX_BRACE, UNIX_TILDE, UNIX_HISTORY, UNIX_ALIAS,
    UNIX_SHELL_PATH, SHELLSHOCK, LOG4SHELL, WINDOWS_SHELL, WINDOWS_BATCH, UNIX_WILDCARD, UNIX_LOOSE, UNIX_BRACE_LIST,
    FORK_BOMB, SQLITE_DOT, MAIL_INJECTION, UNIX_ALONE],
  places: ANYWHERE,
  triggers: 0,
  inspect
}
