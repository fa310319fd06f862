/**
 * What a `child_process` call starts, read from its arguments by Node 20's own rules (lib/child_process.js:
 * normalizeSpawnArguments, normalizeExecArgs, normalizeExecFileArgs, fork), so the watch judges the program
 * Node is about to run and not a guess at it. The shell is the one Node uses on Linux and macOS (`/bin/sh`).
 */
import { fileURLToPath } from 'node:url'
import { isUint8Array } from 'node:util/types'
import type { SpawnApi, SpawnCall } from './types.js'

/** A `child_process` function the watch wraps. */
export type CallableSpawnApi = Exclude<SpawnApi, 'unknown'>

/** Options as Node reads them: its own enumerable properties, copied once (`{ __proto__: null, ...options }`). */
type Options = Readonly<Record<string, unknown>>

const NO_OPTIONS: Options = Object.freeze(Object.create(null) as Options)
const POSIX_SHELL = '/bin/sh'

function hasNul (value: unknown): boolean {
  return typeof value === 'string' && value.includes('\0')
}

/** Node's validateObject: an object that is neither null, an array nor a function. */
function isOptionsObject (value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The copy Node makes of an options value: own enumerable properties only (an inherited `shell`, or one a
 * `__proto__` key in parsed JSON pretends to give, is not an option), each getter called once.
 */
function copyOptions (options: unknown): Options {
  return { __proto__: null, ...(options as object) } as Options
}

/** The elements of an array, each read once (no species constructor, no iterator: only length and indices). */
function elements (array: readonly unknown[]): unknown[] {
  const copy: unknown[] = []
  for (let i = 0; i < array.length; i++) copy.push(array[i])
  return copy
}

/**
 * normalizeSpawnArguments, for spawn and spawnSync and as the last step of the others: `file` run with `args`,
 * or through the shell `options.shell` names (true: `/bin/sh`) with the command `[file, ...args].join(' ')`.
 * Arguments that are not strings are converted as Node converts them (a number, `null`, an object's
 * toString; in a shell's command, null and undefined are empty). `options.argv0` is checked as Node checks
 * it and otherwise ignored: it only renames the child, and what runs is what is judged.
 */
function spawnArguments (api: CallableSpawnApi, file: unknown, args: unknown, options: unknown): SpawnCall | undefined {
  if (typeof file !== 'string' || file === '' || hasNul(file)) return undefined
  let list: unknown[]
  if (Array.isArray(args)) list = elements(args)
  else if (args === undefined || args === null) list = []
  else if (typeof args !== 'object') return undefined
  else {
    options = args
    list = []
  }
  // Node converts with ToString, which refuses a symbol.
  if (list.some((value) => hasNul(value) || typeof value === 'symbol')) return undefined
  if (options !== undefined && !isOptionsObject(options)) return undefined
  const copy = options === undefined ? NO_OPTIONS : copyOptions(options)
  const { shell, argv0 } = copy
  if (shell !== undefined && shell !== null && typeof shell !== 'boolean' && typeof shell !== 'string') return undefined
  if (argv0 !== undefined && argv0 !== null && (typeof argv0 !== 'string' || hasNul(argv0))) return undefined
  if (shell === true || (typeof shell === 'string' && shell !== '')) {
    if (hasNul(shell)) return undefined
    // Array join: null and undefined become empty strings here, where the direct path below spells them.
    const command = [file, ...list].join(' ')
    const path = typeof shell === 'string' ? shell : POSIX_SHELL
    return { api, file: path, args: ['-c', command], shell: path, command }
  }
  const words = list.map(String)
  return { api, file, args: words, shell: undefined, command: [file, ...words].join(' ') }
}

/** normalizeExecArgs then the execFile or spawnSync it hands over to: `command` run by a shell. */
function execArguments (api: 'exec' | 'execSync', command: unknown, options: unknown, callback: unknown): SpawnCall | undefined {
  if (typeof command !== 'string' || hasNul(command)) return undefined
  if (typeof options === 'function') {
    callback = options
    options = undefined
  }
  if (api === 'exec' && callback !== undefined && callback !== null && typeof callback !== 'function') return undefined
  // Spread, not checked: exec takes any value here (a string's characters become options).
  const copy = copyOptions(options)
  // An empty string is a shell here and none in normalizeSpawnArguments: the command is then the file.
  const shell = typeof copy.shell === 'string' ? copy.shell : true
  return spawnArguments(api, command, undefined, { shell, argv0: copy.argv0 })
}

/** normalizeExecFileArgs then spawn (execFile, which passes on `shell` alone) or spawnSync (execFileSync). */
function execFileArguments (api: 'execFile' | 'execFileSync', file: unknown, args: unknown, options: unknown, callback: unknown): SpawnCall | undefined {
  if (!Array.isArray(args) && args !== null && typeof args === 'object') {
    callback = options
    options = args
    args = undefined
  } else if (typeof args === 'function') {
    callback = args
    options = undefined
    args = undefined
  }
  if (typeof options === 'function') {
    // execFile spreads the function (no options); spawnSync refuses it.
    if (api === 'execFileSync') return undefined
    callback = options
  } else if (options !== undefined && options !== null && !isOptionsObject(options)) return undefined
  if (callback !== undefined && callback !== null && typeof callback !== 'function') return undefined
  const copy = options === undefined || options === null ? NO_OPTIONS : copyOptions(options)
  if (copy.argv0 !== undefined && copy.argv0 !== null && (typeof copy.argv0 !== 'string' || hasNul(copy.argv0))) return undefined
  return spawnArguments(api, file, args, api === 'execFile' ? { shell: copy.shell } : copy)
}

/** fork's modulePath: a string, a `file:` URL (or an object Node takes for one) or a Uint8Array, without NUL. */
function modulePathOf (value: unknown): unknown {
  if (typeof value === 'string') return hasNul(value) ? undefined : value
  try {
    const path = fileURLToPath(value as URL)
    return hasNul(path) ? undefined : path
  } catch {
    // Not URL-like (Node then wants a Uint8Array), or a URL Node refuses too.
  }
  return isUint8Array(value) && !value.includes(0) ? value : undefined
}

/**
 * fork: `options.execPath` (else this process's) runs `[...execArgv, modulePath, ...args]`, execArgv
 * defaulting to this process's own, less a `-e` script as Node drops it so a child does not run it again.
 */
function forkArguments (modulePath: unknown, args: unknown, options: unknown): SpawnCall | undefined {
  const path = modulePathOf(modulePath)
  if (path === undefined) return undefined
  if (args === undefined || args === null) args = []
  else if (typeof args === 'object' && !Array.isArray(args)) {
    options = args
    args = []
  } else if (!Array.isArray(args)) return undefined
  if (options !== undefined && options !== null && !isOptionsObject(options)) return undefined
  const copy = options === undefined || options === null ? NO_OPTIONS : copyOptions(options)
  if (Array.isArray(copy.stdio) && !copy.stdio.includes('ipc')) return undefined // a fork needs its IPC channel
  // `||`, as Node: an empty string or false is no execPath either.
  const execPath = copy.execPath || process.execPath
  if (hasNul(execPath)) return undefined
  const given = copy.execArgv || process.execArgv
  let execArgv = [...given as Iterable<unknown>]
  if (execArgv.some(hasNul)) return undefined
  const evalText = (process as { _eval?: string })._eval
  if (given === process.execArgv && evalText !== undefined && evalText !== null) {
    const index = execArgv.lastIndexOf(evalText)
    if (index > 0) execArgv = [...execArgv.slice(0, index - 1), ...execArgv.slice(index + 1)]
  }
  return spawnArguments('fork', execPath, [...execArgv, path, ...elements(args as unknown[])], { argv0: copy.argv0 })
}

/**
 * The program a `child_process.<api>(...args)` call starts, from the arguments exactly as the caller passed
 * them (callbacks included), or undefined when Node itself would throw on them (a command that is not a
 * string, arguments that are not an array, a NUL byte, options that are not an object, a getter that
 * throws...): the caller then lets Node's own error happen. Each option is read once; never throws.
 */
export function spawnCallOf (api: CallableSpawnApi, args: readonly unknown[]): SpawnCall | undefined {
  try {
    switch (api) {
      case 'spawn':
      case 'spawnSync':
        return spawnArguments(api, args[0], args[1], args[2])
      case 'exec':
      case 'execSync':
        return execArguments(api, args[0], args[1], api === 'exec' ? args[2] : undefined)
      case 'execFile':
      case 'execFileSync':
        return execFileArguments(api, args[0], args[1], args[2], api === 'execFile' ? args[3] : undefined)
      case 'fork':
        return forkArguments(args[0], args[1], args[2])
    }
  } catch {
    // A hostile value: a getter or toString that throws, a revoked proxy, a symbol.
    return undefined
  }
}
