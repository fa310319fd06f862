import { readdirSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { InputError } from '../args.js'

/** Expands `*`, `?` and `**` in a path, as a shell would; for patterns the shell left quoted. */

function hasMagic (segment: string): boolean {
  return segment.includes('*') || segment.includes('?')
}

/**
 * One path segment's pattern as a matcher: `*` any run of characters but `/`, `?` one character. A name is
 * matched by walking the pattern with one backtrack point per `*`, so the time is linear in name × pattern
 * and no regex is built from the user's text. Names starting with `.` match only a pattern starting with `.`.
 */
function segmentMatcher (pattern: string): (name: string) => boolean {
  return (name) => {
    if (name.startsWith('.') && !pattern.startsWith('.')) return false
    let p = 0
    let n = 0
    let star = -1
    let mark = 0
    while (n < name.length) {
      if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) { p++; n++ } else if (p < pattern.length && pattern[p] === '*') {
        star = p++
        mark = n
      } else if (star !== -1) {
        p = star + 1
        n = ++mark
      } else return false
    }
    while (p < pattern.length && pattern[p] === '*') p++
    return p === pattern.length
  }
}

function entries (dir: string): Array<{ name: string, dir: boolean }> {
  try {
    return readdirSync(dir === '' ? '.' : dir, { withFileTypes: true }).map((d) => ({ name: d.name, dir: d.isDirectory() }))
  } catch {
    return []
  }
}

function walk (base: string, segments: readonly string[], out: string[]): void {
  if (segments.length === 0) {
    out.push(base)
    return
  }
  const [segment, ...rest] = segments
  if (segment === '**') {
    walk(base, rest, out)
    for (const e of entries(base)) if (e.dir && !e.name.startsWith('.')) walk(join(base, e.name), segments, out)
    return
  }
  if (!hasMagic(segment)) {
    walk(base === '' ? segment : join(base, segment), rest, out)
    return
  }
  const match = segmentMatcher(segment)
  for (const e of entries(base).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) {
    if (match(e.name) && (rest.length === 0 || e.dir)) walk(join(base, e.name), rest, out)
  }
}

/**
 * The files the command-line arguments name, in order: `-` is standard input; an existing path is itself;
 * a pattern is the sorted files it matches. Throws with the argument named when a path is missing, a
 * directory, or a pattern matches no file.
 */
export function expandInputs (args: readonly string[]): string[] {
  const out: string[] = []
  for (const arg of args) {
    if (arg === '-') {
      out.push(arg)
      continue
    }
    let stat
    try {
      stat = statSync(arg)
    } catch {}
    if (stat !== undefined) {
      if (stat.isDirectory()) throw new InputError(`${arg} is a directory; name its files, or a pattern such as '${join(arg, '*.log*')}'`)
      out.push(arg)
      continue
    }
    if (!hasMagic(arg)) throw new InputError(`${arg}: no such file`)
    const absolute = arg.startsWith(sep)
    const matched: string[] = []
    walk(absolute ? sep : '', arg.split(sep).filter((s) => s !== ''), matched)
    const files = matched.filter((f) => {
      try {
        return statSync(f).isFile()
      } catch {
        return false
      }
    })
    if (files.length === 0) throw new InputError(`no file matches ${arg}`)
    out.push(...files)
  }
  return out
}
