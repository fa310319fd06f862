/**
 * Command names an injected shell line starts with, and how much each says on its own.
 *
 * Unix names come from CRS unix-shell.data (`bin/<name>` entries); a name that is also an English word or a
 * tool people search for (`time`, `find`, `cat`, `python`) is weak: it needs shell context around it
 * (`;cat /etc/passwd`, `ls -la`). Windows names are the cmd.exe built-ins and the system binaries attackers
 * live off (LOLBAS); PowerShell cmdlets come from CRS windows-powershell-commands.data.
 */
import { UNIX_SHELL } from './data/rce-unix-shell.js'
import { POWERSHELL_COMMANDS } from './data/rce-powershell.js'

/** How much a command name says when found at a command position. */
export const Word = {
  /** Not a command name. */
  none: 0,
  /** A command that is also a word of prose (`time`, `find`): needs shell arguments around it. */
  weak: 1,
  /** A tool people name in a search (`python`, `curl`): weak at the start of a value, strong after a separator. */
  tool: 2,
  /** A name that is hardly anything but a command. */
  strong: 3
} as const
export type Word = typeof Word[keyof typeof Word]

// English words among the unix-shell.data commands.
const WEAK_UNIX = new Set(('alpine arch ash at batch bridge cancel cat chef column comm command compress crash cut date ' +
  'dialog dir echo expand expect fetch file find finger fish flock fold genie get post head hash highlight id install ' +
  'jobs join kill last less links local look mail make man more mount net nice paste patch perms pic pr rename replace ' +
  'route screen script service shred sleep snap sort source split strings task tee time top touch trap view watch wall ' +
  'wish yes tail set who rev sash dash yelp locate mosquitto pacman parted pico reboot shutdown timeout uncompress ' +
  'unlink volatility cron redcarpet knife octave cowsay raku ruby java go red pax sched w').split(' '))
// Tools people name in ordinary text and searches, among the same commands.
const TOOLS = new Set(('python perl php node git docker npm yarn pip gem rake cargo composer bundler ssh sftp ftp ' +
  'telnet emacs nano vim vi tmux tar gzip unzip zip mysql psql puppet lua latex gimp wireshark mutt lynx rsync openssl ' +
  'nmap valgrind clang gcc wget curl awk grep sed apt yum aws hostname whois dig ping env ls ps nc sh rm cp mv dd df ' +
  'du su ip axel pry pdb tbl eqn tic tex soelim xpad mtr cpio rar xz unset').split(' '))
// Builtins of sh and bash that unix-shell.data does not name as binaries.
const UNIX_BUILTINS = ['cd', 'alias', 'eval', 'export', 'exec', 'source', 'set', 'unset', 'trap', 'ulimit', 'history', 'declare', 'typeset', 'readonly', 'shopt']

// cmd.exe built-ins and Windows binaries used to download, run or persist (LOLBAS), by name without `.exe`.
const WINDOWS = ('cmd powershell pwsh regedit reg regsvr32 rundll32 mshta certutil bitsadmin wmic cscript wscript ' +
  'schtasks sc net net1 netsh vssadmin wevtutil bcdedit bcdboot taskkill tasklist systeminfo ipconfig whoami ' +
  'msiexec installutil msbuild regasm regsvcs cmstp forfiles pcalua odbcconf mavinject control expand extrac32 ' +
  'findstr hh ieexec makecab esentutl diskshadow ntdsutil nltest dsquery query qwinsta quser runas wusa ' +
  'attrib icacls cacls takeown xcopy robocopy del erase rd rmdir mklink copy move ren type dir echo set start call ' +
  'timeout ping nslookup tracert arp route netstat shutdown logoff format diskpart cipher compact sfc dism').split(' ')
// Of those, the ones that are also English words or unix-shared: weak.
const WEAK_WINDOWS = new Set('reg sc net cmd query control expand copy move type dir echo set start call timeout ping route format compact erase del ren hh'.split(' '))

// PowerShell aliases of download-and-run cmdlets: `iwr`, `iex`... (about_Aliases).
const POWERSHELL_ALIASES = ['iwr', 'iex', 'irm', 'iwmi', 'icm', 'saps', 'sajb', 'gwmi', 'ipmo', 'nal', 'sal']

// Two-letter names that injected commands use; the other one- and two-letter names (`ar`, `cc`, `pg`...) are
// too often something else to count.
const SHORT = new Set(['id', 'ls', 'ps', 'nc', 'sh', 'rm', 'cp', 'mv', 'dd', 'df', 'du', 'su', 'ip', 'at', 'w'])

const WORDS = new Map<string, Word>()
// Every unix-shell.data binary name, short ones too: `/bin/ab` is a binary even if `ab` alone is not a command.
const BINARIES = new Set<string>()
// Names that end in `-` or `_` in unix-shell.data stand for a family (`chef-client`, `aa-disable`).
const PREFIXES: string[] = []
for (const entry of UNIX_SHELL) {
  const slash = entry.indexOf('bin/')
  if (slash !== 0 && slash !== 1) continue
  const name = entry.slice(slash + 4)
  if (name.endsWith('-') || name.endsWith('_') || name.endsWith('.')) PREFIXES.push(name)
  else if (name.length > 2 || SHORT.has(name)) WORDS.set(name, WEAK_UNIX.has(name) ? Word.weak : TOOLS.has(name) ? Word.tool : Word.strong)
  BINARIES.add(name)
}
for (const name of UNIX_BUILTINS) if (!WORDS.has(name)) WORDS.set(name, name === 'alias' ? Word.strong : Word.weak)
for (const name of WINDOWS) if (!WORDS.has(name) || WEAK_WINDOWS.has(name)) WORDS.set(name, WEAK_WINDOWS.has(name) ? Word.weak : Word.strong)
for (const name of POWERSHELL_ALIASES) WORDS.set(name, Word.strong)
for (const name of POWERSHELL_COMMANDS) if (!WORDS.has(name)) WORDS.set(name, name.includes('-') ? Word.strong : Word.weak)

const VERSION = /[0-9.]+$/
const EXE = /\.(?:exe|com|bat|cmd|ps1)$/

/**
 * How strong `word` (lowercase, as found at a command position) is as a command name: itself, a family
 * member (`chef-client`), a versioned interpreter (`python3.10`, `gcc10.1`: strong, nobody writes these in
 * prose), or a Windows binary with its extension (`certutil.exe`).
 */
export function commandWord (word: string): Word {
  const found = WORDS.get(word)
  if (found !== undefined) return found
  const dash = word.indexOf('-')
  if (dash === -1 && word.indexOf('_') === -1 && word.indexOf('.') === -1) return Word.none
  for (let i = 0; i < PREFIXES.length; i++) if (word.startsWith(PREFIXES[i]) && word.length > PREFIXES[i].length) return Word.strong
  if (EXE.test(word)) return WORDS.get(word.replace(EXE, '')) === undefined ? Word.none : Word.strong
  const base = word.replace(VERSION, '')
  if (base.length > 2 && word.indexOf('.', base.length) !== -1 && WORDS.has(base)) return Word.strong
  if (dash > 1 && WORDS.get(word.slice(0, dash)) === Word.strong) return Word.strong
  return Word.none
}

/** Whether `name` is a binary of unix-shell.data (found after a `bin/` directory). */
export function isUnixBinary (name: string): boolean {
  return BINARIES.has(name) || PREFIXES.some((prefix) => name.startsWith(prefix))
}

// Commands an attacker sends alone to see whether injection works: they print who and where the shell is.
const RECON = new Set(['whoami', 'ifconfig', 'ipconfig', 'uname', 'netstat', 'systeminfo', 'tasklist', 'visudo', 'cscli', 'nslookup', 'printenv'])

/** Whether `word` says "command" even alone: a reconnaissance command, or a member of a command family (`chef-shell`). */
export function isTellingAlone (word: string): boolean {
  if (RECON.has(word) || PREFIXES.some((prefix) => word.startsWith(prefix) && word.length > prefix.length)) return true
  const dash = word.indexOf('-')
  return dash > 1 && WORDS.has(word.slice(0, dash)) && WORDS.get(word.slice(0, dash)) !== Word.weak
}
