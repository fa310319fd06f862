/**
 * Which programs a spawn starts, and whether the service may start them: the allow list (seed 003: a web
 * server runs a short, known list of programs) and the patterns that alert whatever it says, modelled on
 * Falco's web-server rules (Run shell untrusted, Netcat Remote Code Execution in Container, Launch Suspicious
 * Network Tool in Container, Launch Ingress Remote File Copy Tools in Container, reverse shells).
 */
import { basename } from 'node:path'
import { scanShell } from './shell-words.js'
import type { ProcessRule, SpawnCall, SpawnVerdict } from './types.js'

/**
 * A program the service starts. A name (`'git'`) allows that program wherever it is found (any path whose
 * last part is `git` or `git.exe`); a path (`'/usr/bin/git'`) allows that path only, spelt as the call spells
 * it (a name looked up in PATH is not that path). `args` limits its arguments, joined by single spaces: a
 * RegExp as given, or a string compiled to one that must match them whole (`'(status|pull)( .*)?'`). The
 * patterns run on text an attacker may shape: keep them free of nested quantifiers.
 */
export type AllowEntry = string | { program: string, args?: RegExp | string }

/** An allow list, checked and compiled by parseAllowList: argument patterns by name and by path (undefined: any). */
export interface AllowList {
  readonly names: ReadonlyMap<string, ReadonlyArray<RegExp | undefined>>
  readonly paths: ReadonlyMap<string, ReadonlyArray<RegExp | undefined>>
}

/** A program a spawn starts: its name (basename, `.exe` removed), its path as given, its arguments. */
export interface StartedProgram { name: string, path: string, args: string[] }

/** What each rule alerts on, for the README and the alert records. */
export const PROCESS_RULES: Readonly<Record<ProcessRule, string>> = Object.freeze({
  'reverse-shell': 'a command line that connects a shell to the network (/dev/tcp or /dev/udp, nc -e or -c, bash -i, mkfifo, mknod p, socat exec: or system:, python, perl, ruby, php, lua or PowerShell running inline code with a socket or a pty), even for a program on the allow list',
  shell: 'a shell started directly (sh, bash, dash, zsh, ksh, ash, csh, fish, busybox sh, cmd.exe, powershell), not on the allow list',
  download: 'a download tool (curl, wget, tftp, ftp, scp, sftp, aria2c), not on the allow list',
  'network-tool': 'a network tool (nc, ncat, netcat, socat, nmap, telnet), not on the allow list',
  interpreter: 'a script interpreter (python*, perl*, ruby*, php*, lua*), not on the allow list',
  encoding: 'an encoding tool (base64, base32, xxd), not on the allow list',
  recon: 'a command that surveys the host (id, whoami, uname, hostname, ifconfig), not on the allow list',
  unlisted: 'any other program not on the allow list, or a command line too long or too nested to be read whole'
})

const SEVERITY: readonly ProcessRule[] = ['reverse-shell', 'shell', 'download', 'network-tool', 'interpreter', 'encoding', 'recon', 'unlisted']
const WHAT: Readonly<Record<ProcessRule, string>> = {
  'reverse-shell': '', shell: 'a shell', download: 'a download tool', 'network-tool': 'a network tool', interpreter: 'a script interpreter', encoding: 'an encoding tool', recon: 'a command that surveys the host', unlisted: ''
}
const POSIX_SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'csh', 'tcsh', 'fish', 'rbash'])
const WINDOWS_SHELLS = new Set(['cmd', 'powershell', 'pwsh'])
const TABLES = new Map<string, ProcessRule>([
  ...[...POSIX_SHELLS, ...WINDOWS_SHELLS].map((name) => [name, 'shell'] as const),
  ...['curl', 'wget', 'tftp', 'ftp', 'scp', 'sftp', 'aria2c'].map((name) => [name, 'download'] as const),
  ...['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'socat', 'nmap', 'telnet'].map((name) => [name, 'network-tool'] as const),
  ...['base64', 'base32', 'xxd'].map((name) => [name, 'encoding'] as const),
  ...['id', 'whoami', 'uname', 'hostname', 'ifconfig'].map((name) => [name, 'recon'] as const)
])
const NETCATS = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd'])
const INTERPRETERS = ['python', 'perl', 'ruby', 'php', 'lua']
// Shell builtins that start nothing: not programs (`/bin/echo`, a path, is one).
const QUIET = new Set(['cd', 'echo', 'printf', 'true', 'false', ':', 'test', '[', 'export', 'unset', 'set', 'shift', 'exit', 'return', 'wait', 'read', 'local', 'readonly', 'umask', 'pwd', 'break', 'continue'])

/** A wrapper's options: short ones taking a value, long ones taking a value, the one whose value is a command line, those meaning nothing runs, operands before the program. */
interface Wrapper { values?: string, long?: readonly string[], command?: string, inert?: string, operands?: number, assignments?: boolean }
const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  env: { values: 'uCS', long: ['unset', 'chdir', 'split-string'], command: 'S', assignments: true },
  sudo: { values: 'CDghprTtUu', long: ['close-from', 'chdir', 'group', 'host', 'prompt', 'role', 'type', 'command-timeout', 'other-user', 'user', 'chroot'], assignments: true },
  timeout: { values: 'ks', long: ['kill-after', 'signal'], operands: 1 },
  nice: { values: 'n', long: ['adjustment'] },
  xargs: { values: 'IaLnPsdE', long: ['arg-file', 'delimiter', 'eof', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'] },
  time: { values: 'fo', long: ['format', 'output'] },
  stdbuf: { values: 'ioe', long: ['input', 'output', 'error'] },
  exec: { values: 'a' },
  command: { inert: 'vV' },
  nohup: {},
  setsid: {},
  busybox: {}
}
// Bounds on the reading of one spawn: shells within shells, wrappers within wrappers, programs in all.
const MAX_DEPTH = 8
const MAX_HOPS = 16
const MAX_PROGRAMS = 256

/** A spawn's programs, the targets of its shells' redirections (to look for /dev/tcp), and whether it could be read whole. */
interface Reading { programs: StartedProgram[], targets: string[], complete: boolean }

/** The name a program goes by: the path's last part, without `.exe`. */
function nameOf (path: string): string {
  const base = basename(path)
  return base.toLowerCase().endsWith('.exe') ? base.slice(0, -4) : base
}

const isCluster = (arg: string): boolean => arg.length > 1 && arg[0] === '-' && arg[1] !== '-'

function readShell (reading: Reading, command: string, depth: number): void {
  if (depth > MAX_DEPTH) {
    reading.complete = false
    return
  }
  const scan = scanShell(command)
  reading.complete &&= scan.complete
  reading.targets.push(...scan.redirections)
  for (const words of scan.commands) readWords(reading, words, depth, true)
}

/** The command string a POSIX shell runs (`-c`, alone or in a cluster, then the first operand), if any. */
function shellCommandOf (args: readonly string[]): string | undefined {
  let command = false
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--' || arg === '-') {
      i++
      break
    }
    if (arg.startsWith('--')) {
      if (arg === '--rcfile' || arg === '--init-file') i++
    } else if ((arg[0] === '-' || arg[0] === '+') && arg.length > 1) {
      command ||= arg.includes('c')
      if (arg.endsWith('o') || arg.endsWith('O')) i++ // `-o pipefail`: the option's value.
    } else break
  }
  return command ? args[i] : undefined
}

/** cmd.exe's `/c` or `/k` command (the rest of the line), and PowerShell's `-Command` or `-EncodedCommand`. */
function windowsCommandOf (lower: string, args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i].toLowerCase()
    if (lower === 'cmd' && (arg.startsWith('/c') || arg.startsWith('/k'))) {
      const line = [args[i].slice(2), ...args.slice(i + 1)].join(' ').trim()
      return line.length > 1 && line.startsWith('"') && line.endsWith('"') ? line.slice(1, -1) : line
    }
    if (lower === 'cmd' || !(arg[0] === '-' || arg[0] === '/')) continue
    const param = arg.slice(1)
    if (param === '') continue
    if (param === 'e' || param === 'ec' || (param.length > 1 && 'encodedcommand'.startsWith(param))) return Buffer.from(args[i + 1] ?? '', 'base64').toString('utf16le')
    if ('command'.startsWith(param)) return args.slice(i + 1).join(' ')
  }
  return undefined
}

/** Where the program a wrapper runs starts in `words` (the wrapper at `at`), or -1 when it runs none. */
function wrappedAt (reading: Reading, wrapper: Wrapper, words: readonly string[], at: number, depth: number): number {
  let i = at + 1
  for (; i < words.length; i++) {
    const word = words[i]
    if (word === '--') return i + 1 + (wrapper.operands ?? 0)
    if (word.startsWith('--')) {
      const equals = word.indexOf('=')
      const name = word.slice(2, equals === -1 ? undefined : equals)
      if (equals === -1 && wrapper.long?.includes(name) === true) i++
      if (name === 'split-string' && wrapper.command !== undefined) {
        // env -S: its string, split into words, is the program and its first arguments.
        readShell(reading, equals === -1 ? words[i] ?? '' : word.slice(equals + 1), depth + 1)
        return -1
      }
    } else if (isCluster(word)) {
      let j = 1
      while (j < word.length && wrapper.values?.includes(word[j]) !== true) {
        if (wrapper.inert?.includes(word[j]) === true) return -1
        j++
      }
      const value = j === word.length ? undefined : j < word.length - 1 ? word.slice(j + 1) : words[++i]
      if (value !== undefined && word[j] === wrapper.command) {
        readShell(reading, value, depth + 1)
        return -1
      }
    } else if (!(word === '-' || (wrapper.assignments === true && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)))) break
  }
  return i + (wrapper.operands ?? 0)
}

/** The programs of one command's words (a spawn's file and arguments, or a simple command of a shell). */
function readWords (reading: Reading, words: readonly string[], depth: number, inShell: boolean): void {
  for (let at = 0, hops = 0; at >= 0 && at < words.length; hops++) {
    if (reading.programs.length >= MAX_PROGRAMS || hops > MAX_HOPS) {
      reading.complete = false
      return
    }
    const path = words[at]
    const args = words.slice(at + 1)
    const name = nameOf(path)
    const lower = name.toLowerCase()
    // Builtins, in a shell: `exec` and `command` run what follows, `eval` and `trap` a command line.
    const builtin = inShell && (QUIET.has(path) || path === 'exec' || path === 'command' || path === 'eval' || path === 'trap')
    if (!builtin) reading.programs.push({ name, path, args })
    // `trap [--] action signal...`: an action of `-` (or an option) sets no command.
    const action = path === 'eval' ? args.join(' ') : path === 'trap' ? (args[0] === '--' ? args[1] : args[0]) : undefined
    if (inShell && action !== undefined && !action.startsWith('-')) return readShell(reading, action, depth + 1)
    if (builtin && QUIET.has(path)) return
    const command = POSIX_SHELLS.has(lower) ? shellCommandOf(args) : WINDOWS_SHELLS.has(lower) ? windowsCommandOf(lower, args) : undefined
    if (command !== undefined) return readShell(reading, command, depth + 1)
    const wrapper = WRAPPERS[lower]
    if (wrapper === undefined) return
    at = lower === 'busybox' ? at + 1 : wrappedAt(reading, wrapper, words, at, depth)
  }
}

function readCall (call: SpawnCall): Reading {
  const reading: Reading = { programs: [], targets: [], complete: true }
  if (call.shell !== undefined) {
    readShell(reading, call.command, 0)
    // A line of builtins only (`echo ... > file`) still starts the shell: then the shell is what is judged.
    if (reading.programs.length === 0) reading.programs.push({ name: nameOf(call.shell), path: call.shell, args: ['-c', call.command] })
  } else {
    readWords(reading, [call.file, ...call.args], 0, false)
  }
  return reading
}

/**
 * The programs a call starts: for a call through a shell (`exec`, `shell: true`), those of every simple
 * command of its command line, not the shell (unless the line runs builtins only); for a shell started directly with a command line (`sh -c`,
 * `cmd.exe /c`, `powershell -Command` or `-EncodedCommand`), the shell and those of its line; for a wrapper
 * (env, nohup, nice, timeout, sudo, xargs, exec, command, time, stdbuf, setsid, busybox), the wrapper (a
 * shell's builtin `exec` and `command` are not programs) and the program it runs.
 */
export function programsOf (call: SpawnCall): StartedProgram[] {
  return readCall(call).programs
}

const isNameChar = (c: string): boolean => c === '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
const isVersion = (text: string): boolean => [...text].every((c) => c === '.' || (c >= '0' && c <= '9'))
const isInterpreter = (lower: string): boolean => INTERPRETERS.some((prefix) => lower.startsWith(prefix) && isVersion(lower.slice(prefix.length)))

/** `pty` as a word of code (`import pty`, `pty.spawn`, `openpty`), not inside one (`empty`). */
function mentionsPty (code: string): boolean {
  for (let k = code.indexOf('pty'); k !== -1; k = code.indexOf('pty', k + 3)) {
    const before = code[k - 1]
    if (k === 0 || !(before >= 'a' && before <= 'z') || code.startsWith('openpty', k - 4)) return true
  }
  return false
}

/** How a program's own command line makes a reverse shell, or undefined. */
function reverseShellOf ({ args }: StartedProgram, lower: string): string | undefined {
  if (NETCATS.has(lower) && args.some((arg) => (isCluster(arg) && (arg.includes('e') || arg.includes('c'))) || /^--(?:sh-|lua-)?exec(?:=|$)/.test(arg))) {
    return 'is given a program to run for whoever connects (-e, -c)'
  }
  if (POSIX_SHELLS.has(lower)) {
    for (const arg of args) {
      if (arg.startsWith('--') && arg !== '--') continue
      if (!isCluster(arg)) break
      if (arg.includes('i')) return 'is started as an interactive shell (-i)'
    }
  }
  if (lower === 'mkfifo' || (lower === 'mknod' && args.includes('p'))) return 'makes a named pipe'
  if (lower === 'socat' && args.some((arg) => arg.toLowerCase().includes('exec:') || arg.toLowerCase().includes('system:'))) {
    return 'connects a network peer to a program (exec:, system:)'
  }
  // Inline code: python -c, perl -e, ruby -e or -rsocket, php -r, lua -e; PowerShell's -Command.
  let code: string | undefined
  if (isInterpreter(lower) && args.some((arg) => isCluster(arg) && /[ceEr]/.test(arg))) code = args.join(' ')
  else if (lower === 'powershell' || lower === 'pwsh') code = windowsCommandOf(lower, args)
  code = code?.toLowerCase() ?? ''
  return code.includes('sock') || code.includes('spawn') || mentionsPty(code) ? 'runs inline code that opens a socket or a terminal' : undefined
}

// What bash removes from a redirection's word before it compares it with /dev/tcp/: quotes, backslashes and
// expansions that are empty in `sh -c` (`$()`, two backticks, `$@` and `$*` when no arguments follow the line).
const REMOVED = /['"\\]|\$\(\)|``|\$\{?[@*]\}?/g

/**
 * Whether a text (a command line, a redirection's target) reaches the network through bash's /dev/tcp or
 * /dev/udp: spelt out, or in a redirection's target behind a variable (`d=/dev; exec 3<>$d/tcp/...`).
 */
function opensDevTcp (text: string, target: boolean): boolean {
  const bare = text.replace(REMOVED, '')
  if (bare.includes('/dev/tcp/') || bare.includes('/dev/udp/')) return true
  if (!target) return false
  for (const part of ['/tcp/', '/udp/']) {
    for (let k = bare.indexOf(part); k !== -1; k = bare.indexOf(part, k + 1)) {
      let start = k
      while (start > 0 && isNameChar(bare[start - 1])) start--
      if (bare[start - 1] === '$' || (start === k && bare[k - 1] === '}')) return true
    }
  }
  return false
}

function allows (allow: AllowList, program: StartedProgram): boolean {
  const patterns = [...allow.paths.get(program.path) ?? [], ...allow.names.get(program.name) ?? []]
  if (patterns.length === 0) return false
  const args = program.args.join(' ')
  return patterns.some((pattern) => pattern === undefined || pattern.test(args))
}

/**
 * Judges a spawn: not allowed when its command line (or one a shell it starts runs) is a reverse shell,
 * whatever the allow list says; else when it starts a program the allow list does not allow, under the rule
 * of the tables that name it (shell, download, network-tool, interpreter, encoding, recon; names compared
 * lower-cased, so `CURL` on a case-insensitive file system is curl) or `unlisted`. The most severe finding
 * is reported. A shell that `exec` or `shell: true` starts is not judged, the programs of its line are.
 */
export function judgeSpawn (call: SpawnCall, allow: AllowList): SpawnVerdict {
  const reading = readCall(call)
  let found: { rule: ProcessRule, program: string, reason: string } | undefined
  const note = (rule: ProcessRule, program: string, reason: string): void => {
    if (found === undefined || SEVERITY.indexOf(rule) < SEVERITY.indexOf(found.rule)) found = { rule, program, reason }
  }
  if (opensDevTcp(call.command, false) || reading.targets.some((target) => opensDevTcp(target, true))) note('reverse-shell', call.file, `${call.file} opens a network connection through /dev/tcp or /dev/udp, as a reverse shell does`)
  for (const program of reading.programs) {
    const lower = program.name.toLowerCase()
    const how = reverseShellOf(program, lower)
    if (how !== undefined) note('reverse-shell', program.path, `${program.path} ${how}, as a reverse shell does`)
    else if (!allows(allow, program)) {
      const rule = TABLES.get(lower) ?? (isInterpreter(lower) ? 'interpreter' : 'unlisted')
      note(rule, program.path, rule === 'unlisted' ? `${program.path} is not on the allow list` : `${program.path} is ${WHAT[rule]} and is not on the allow list`)
    }
  }
  if (!reading.complete) note('unlisted', call.file, `${call.file} is given a command line too long or too nested to be read whole`)
  if (found === undefined) return { allowed: true, rule: undefined, program: reading.programs[0]?.path ?? call.file, reason: 'on the allow list' }
  return { allowed: false, ...found }
}

/** An entry's argument pattern: a RegExp without the `g` and `y` flags (test() would then depend on the last call), or a string matched whole. */
function patternOf (args: unknown, at: string): RegExp | undefined {
  if (args === undefined) return undefined
  if (args instanceof RegExp) return new RegExp(args.source, args.flags.replace('g', '').replace('y', ''))
  if (typeof args !== 'string') throw new TypeError(`${at}.args must be a RegExp or a string, not ${args === null ? 'null' : typeof args}`)
  try {
    return new RegExp(`^(?:${args})$`)
  } catch (err) {
    throw new TypeError(`${at}.args is not a valid regular expression: ${(err as Error).message}`)
  }
}

/**
 * Checks and compiles an allow list (see AllowEntry). Throws a TypeError naming `option` and the entry's
 * index for anything else: not an array, an entry neither a string nor `{ program, args }`, an empty name,
 * a NUL byte, an unknown key, `args` neither a RegExp nor a string, or a string that is not a valid regular
 * expression.
 */
export function parseAllowList (entries: unknown, option: string): AllowList {
  if (!Array.isArray(entries)) throw new TypeError(`${option} must be an array of program names, paths or { program, args } objects`)
  const names = new Map<string, Array<RegExp | undefined>>()
  const paths = new Map<string, Array<RegExp | undefined>>()
  for (let index = 0; index < entries.length; index++) {
    const entry: unknown = entries[index]
    const at = `${option}[${index}]`
    const plain = typeof entry === 'object' && entry !== null && [Object.prototype, null].includes(Object.getPrototypeOf(entry))
    if (typeof entry !== 'string' && !plain) throw new TypeError(`${at} must be a program name or path, or { program, args }`)
    const { program, args, ...rest } = (plain ? entry : { program: entry }) as { program?: unknown, args?: unknown }
    const unknown = Object.keys(rest)[0]
    if (unknown !== undefined) throw new TypeError(`${at} has an unknown key "${unknown}" (program and args are known)`)
    const where = plain ? `${at}.program` : at
    if (typeof program !== 'string' || program === '') throw new TypeError(`${where} must be a non-empty string`)
    if (program.includes('\0')) throw new TypeError(`${where} must not contain a NUL byte`)
    const byPath = basename(program) !== program
    const key = byPath ? program : nameOf(program)
    if (key === '') throw new TypeError(`${where} names no program ("${program}")`)
    const map = byPath ? paths : names
    map.set(key, [...map.get(key) ?? [], patternOf(args, at)])
  }
  return { names, paths }
}
