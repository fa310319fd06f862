#!/usr/bin/env node
/** The `request-info` command: reads the inputs, analyses them, writes the report or the suggested rules. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { createDerive } from './analyse/derive.js'
import { HELP, InputError, parseCommandLine, UsageError, type CliOptions } from './args.js'
import { startCounting } from './count.js'
import { expandInputs } from './input/files.js'
import { readInputs, stderrProgress, totalBytes } from './input/index.js'
import { renderHtml } from './render/html.js'
import { renderRules } from './render/rules.js'
import { renderText } from './render/text.js'
import type { Report } from './report.js'
import { reportOnThreads } from './threads/index.js'

function version (): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

/** A file name for a draft: the key with anything but letters, digits, `.`, `-` replaced. */
function fileName (prefix: string, key: string): string {
  return `${prefix}-${key.replace(/[^\w.-]/g, '_').slice(0, 100)}.txt`
}

function writeDrafts (dir: string, report: Report): number {
  mkdirSync(dir, { recursive: true })
  let written = 0
  for (const d of report.drafts) {
    writeFileSync(join(dir, fileName('abuse', d.source)), d.text)
    written++
  }
  for (const s of report.sites) {
    if (s.notice === null) continue
    writeFileSync(join(dir, fileName('site', s.site)), s.notice)
    written++
  }
  return written
}

// Reading threads at most: past two, the counting thread is the slower and more would only add memory.
const MAX_READERS = 2
// Inputs smaller than this are read on this thread: starting worker threads (each loads the detectors) would
// cost more than it saves.
const THREADED_BYTES = 8 * 1024 * 1024

/**
 * Reads the inputs `options` names and makes the report. With two CPUs or more and 8 MB of input or more (or
 * standard input), the lines are read on one reading thread per two CPUs (at most MAX_READERS) and counted on
 * another (threads/), while this one reads the files: the report is the same. `cpus` overrides the CPUs
 * available and the size test.
 */
export async function makeReport (options: CliOptions, stdinIsTerminal: boolean, now = new Date(), cpus?: number): Promise<Report> {
  if (options.inputs.length === 0 && stdinIsTerminal) throw new UsageError('give the files to read, or pipe lines into standard input')
  const files = expandInputs(options.inputs.length === 0 ? ['-'] : options.inputs)
  const size = totalBytes(files)
  const progress = options.quiet ? undefined : stderrProgress(size)
  const threads = cpus ?? (size !== undefined && size < THREADED_BYTES ? 1 : availableParallelism())
  if (threads > 1) return await reportOnThreads(options, files, Math.max(1, Math.min(MAX_READERS, Math.floor(threads / 2))), progress, now)
  const counting = startCounting(options, now)
  const derive = await createDerive(options.paranoia)
  const inputs = await readInputs(files, (entry) => counting.add(derive(entry)), progress)
  return await counting.report(inputs)
}

/** Runs the command; resolves to the exit status. */
export async function run (options: CliOptions, stdinIsTerminal: boolean): Promise<number> {
  const report = await makeReport(options, stdinIsTerminal)
  const inputs = report.inputs
  let out: string
  if (options.command === 'rules') out = renderRules(report, options.format === 'json' ? 'json' : 'yaml')
  else if (options.format === 'json') out = JSON.stringify(report, null, 2) + '\n'
  else if (options.format === 'html') out = renderHtml(report)
  else out = renderText(report)
  if (options.output === undefined) process.stdout.write(out)
  else writeFileSync(options.output, out)
  if (options.drafts !== undefined) {
    const n = writeDrafts(options.drafts, report)
    if (!options.quiet) process.stderr.write(`request-info: ${n} draft${n === 1 ? '' : 's'} written to ${options.drafts}\n`)
  }
  if (inputs.unparseable > 0 && !options.quiet) {
    process.stderr.write(`request-info: ${inputs.unparseable} of ${inputs.lines} lines could not be read (see the report)\n`)
  }
  return 0
}

async function main (): Promise<void> {
  // V8 lets a heap grow to up to four times what it holds before it collects its old generation again. The
  // command's tables are bounded and most of what it allocates dies young, but some dies old (behaviour
  // windows' evidence replaced, tables pruned): a smaller growing factor (1.2) keeps peak memory near what the
  // tables hold rather than growing with the lines read, for a few more collections. It is read at each
  // collection, so it holds for the worker threads started later too.
  setFlagsFromString('--heap-growing-percent=20')
  let status: number
  try {
    const options = parseCommandLine(process.argv.slice(2))
    if (options === 'help') {
      process.stdout.write(HELP + '\n')
      return
    }
    if (options === 'version') {
      process.stdout.write(version() + '\n')
      return
    }
    status = await run(options, process.stdin.isTTY === true)
  } catch (err) {
    const usage = err instanceof UsageError
    process.stderr.write(`request-info: ${(err as Error).message}\n${usage ? 'Run request-info --help for the options.\n' : ''}`)
    status = usage || err instanceof InputError ? 2 : 1
  }
  process.exitCode = status
}

if (require.main === module) void main()
