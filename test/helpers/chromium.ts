/**
 * Headless Chromium (the Debian package) run on a local file, once per call: each run has its own temporary
 * profile, removed afterwards, and a time limit past which Chromium and every process it started are killed.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

// A run that stands for nothing but the page: no first-run work, no network of Chromium's own.
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-default-apps']

/** The Chromium executable, or undefined when none is installed. */
export function chromiumPath (): string | undefined {
  for (const candidate of CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

export interface RunOptions {
  /** Kill Chromium past this. @default 30000 */
  timeoutMs?: number
}

export interface WindowOptions extends RunOptions {
  width: number
  height: number
}

interface Output {
  stdout: string
  stderr: string
}

/** Kills the process group Chromium leads (its zygote, renderer and GPU processes with it). */
function killGroup (pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/** Runs Chromium with `args` in a profile of its own; rejects when it fails or outlives `timeoutMs`. */
function run (args: readonly string[], timeoutMs = 30_000): Promise<Output> {
  const binary = chromiumPath()
  if (binary === undefined) return Promise.reject(new Error(`chromium is not installed (looked for ${CANDIDATES.join(', ')})`))
  const profile = mkdtempSync(join(tmpdir(), 'request-info-chromium-'))
  return new Promise((resolve, reject) => {
    // Detached: Chromium leads a process group of its own, which is what a timeout kills.
    const child = spawn(binary, [...FLAGS, `--user-data-dir=${profile}`, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid)
    }, timeoutMs)
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer)
      // Helpers still running once the browser is gone would keep files of the profile open.
      killGroup(child.pid)
      rmSync(profile, { recursive: true, force: true, maxRetries: 5 })
      if (error === undefined) resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') })
      else reject(error)
    }
    child.on('error', (err) => finish(new Error(`chromium could not be started: ${err.message}`)))
    child.on('close', (code, signal) => {
      if (timedOut) return finish(new Error(`chromium did not finish within ${timeoutMs} ms (${args.join(' ')}); killed`))
      if (code !== 0) return finish(new Error(`chromium exited with ${code ?? signal} (${args.join(' ')}): ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`))
      finish(undefined)
    })
  })
}

/** The DOM of the page at `file` once loaded, serialised, in a window of `width` × `height` (default 1280 × 900). */
export async function dumpDom (file: string, options: Partial<WindowOptions> = {}): Promise<string> {
  const size = `--window-size=${options.width ?? 1280},${options.height ?? 900}`
  return (await run([size, '--dump-dom', pathToFileURL(file).href], options.timeoutMs)).stdout
}

/** Writes a PNG of the page at `file` as a window of `width` × `height` shows it. */
export async function screenshot (file: string, png: string, options: WindowOptions): Promise<void> {
  await run([`--window-size=${options.width},${options.height}`, '--hide-scrollbars', `--screenshot=${png}`, pathToFileURL(file).href], options.timeoutMs)
}

// `[pid:tid:date:INFO:CONSOLE:12] "message", source: file:///… (12)`: Chromium logs every console message of
// a page (console.log as console.error), its uncaught errors, and what its Content Security Policy refused.
const CONSOLE = /^\[[^\]]*:CONSOLE[^\]]*\] "([\s\S]*?)", source: ([^\n]*)$/gm

/**
 * What the page at `file` wrote to its console while loading, as `message (source)`: uncaught errors,
 * resources its policy refused, and console calls. Chromium's log gives every console message the same level,
 * so all are returned; a page that writes none gives [].
 */
export async function consoleErrors (file: string, options: RunOptions = {}): Promise<string[]> {
  const { stderr } = await run(['--enable-logging=stderr', '--v=0', '--dump-dom', pathToFileURL(file).href], options.timeoutMs)
  return Array.from(stderr.matchAll(CONSOLE), (m) => `${m[1]} (${m[2]})`)
}
