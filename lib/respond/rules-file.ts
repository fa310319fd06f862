import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { basename, dirname, extname, resolve } from 'node:path'
import type * as Yaml from 'yaml'
import { validateRules } from './rules.js'
import type { Rule } from './types.js'

/** The YAML parser, loaded with the first YAML file: it takes tens of ms to load, which users without one never pay. */
function yaml (): typeof Yaml {
  return require('yaml') as typeof Yaml
}

/** A watch on a rules file: `close()` releases the watcher and any pending reload. */
export interface RulesFileWatch {
  close (): void
}

const FORMATS: Readonly<Record<string, 'json' | 'yaml'>> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' }
// Editors write a save as several events (truncate and write, or write a copy and rename it): a reload waits
// for this long without events, so one save reloads once and reads the finished file.
const SETTLE_MS = 100
// Not a file that can be read: the last read failed with ENOENT, remembered so a file still missing is not
// reported again on every event.
const MISSING = '\0missing'

/** Line and column (1-based) of character `position` in `text`. */
function lineColumn (text: string, position: number): string {
  const before = text.slice(0, position)
  const line = before.split('\n').length
  return `${line}:${position - before.lastIndexOf('\n')}`
}

/** Parses the text of a rules file by its format; errors name the file and, when the parser knows it, the place. */
function parseText (text: string, path: string, format: 'json' | 'yaml'): unknown {
  // A byte order mark is not part of the document (RFC 8259, section 8.1: parsers may ignore it).
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (format === 'json') {
    try {
      return JSON.parse(text)
    } catch (err) {
      const message = (err as Error).message
      const at = / in JSON at position (\d+)/.exec(message)
      if (at === null) throw new Error(`${path}: invalid JSON: ${message}`)
      throw new Error(`${path}:${lineColumn(text, Number(at[1]))}: invalid JSON: ${message.slice(0, at.index)}`)
    }
  }
  try {
    // yaml refuses duplicate keys, and limits alias expansion (maxAliasCount), by default.
    return yaml().parse(text)
  } catch (err) {
    // A YAMLParseError's message ends with " at line L, column C:" and an excerpt of the file; other errors
    // (too many aliases: a billion-laughs document) have no place.
    const reason = (err as Error).message.replace(/ at line \d+, column \d+:[\s\S]*$/, '')
    const place = err instanceof yaml().YAMLParseError && err.linePos !== undefined ? `:${err.linePos[0].line}:${err.linePos[0].col}` : ''
    throw new Error(`${path}${place}: invalid YAML: ${reason}`)
  }
}

function formatOf (path: string): 'json' | 'yaml' {
  const format = FORMATS[extname(path).toLowerCase()]
  if (format === undefined) throw new Error(`${path}: a rules file must end in .json, .yaml or .yml`)
  return format
}

/** The text of the file at `file`, named `path` in errors. */
function readText (file: string, path: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    // "ENOENT: no such file or directory, open '…'": the part before the comma; the path is said first.
    throw Object.assign(new Error(`${path}: cannot be read (${(err as Error).message.split(',')[0]})`), { code: (err as NodeJS.ErrnoException).code })
  }
}

/**
 * Reads a rules file: JSON (`.json`) or YAML (`.yaml`, `.yml`) holding `{ rules: [...] }` (or a list of
 * rules). Throws an error naming the file, and for syntax errors the line and column when the parser gives
 * them (`rules.yaml:3:7: invalid YAML: …`); the rules are checked by validateRules.
 */
export function readRulesFile (path: string): Rule[] {
  const format = formatOf(path)
  return validateRules(parseText(readText(path, path), path, format), path)
}

/**
 * Watches a rules file and calls `onRules` with its rules each time it changes, or `onError` when it cannot
 * be read or is not valid (the caller keeps the rules it has). The directory is watched, not the file:
 * editors that save by writing a copy and renaming it over the file replace the file watched, and the
 * watch would end with the old one. Events settle for 100 ms before a reload; a file whose text did not
 * change since the last reload is not reported again. Throws when the directory cannot be watched.
 */
export function watchRulesFile (path: string, onRules: (rules: Rule[]) => void, onError: (err: Error) => void): RulesFileWatch {
  const format = formatOf(path)
  const absolute = resolve(path)
  const name = basename(absolute)
  let last: string | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const reload = (): void => {
    timer = undefined
    if (closed) return
    let text: string
    let rules: Rule[]
    try {
      text = readText(absolute, path)
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
      if (missing && last === MISSING) return
      last = missing ? MISSING : undefined
      onError(err as Error)
      return
    }
    if (text === last) return
    last = text
    try {
      rules = validateRules(parseText(text, path, format), path)
    } catch (err) {
      onError(err as Error)
      return
    }
    onRules(rules)
  }

  function onEvent (_event: string, filename: string | null): void {
    // Kubernetes mounts a ConfigMap as links through `..data`, swapped by renaming `..data_tmp`: events name
    // those, never the file. A platform that does not give the name (filename null) may concern the file.
    if (filename !== null && filename !== name && !filename.startsWith('..')) return
    if (timer === undefined) timer = setTimeout(reload, SETTLE_MS)
    else timer.refresh()
  }

  let watcher: FSWatcher
  try {
    watcher = watch(dirname(absolute), onEvent)
  } catch (err) {
    throw new Error(`${path}: its directory cannot be watched (${(err as Error).message.split(',')[0]})`)
  }
  watcher.on('error', (err) => onError(new Error(`${path}: the watch of its directory failed (${err.message}); changes are no longer read`)))

  return {
    close () {
      closed = true
      watcher.close()
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
  }
}
