#!/usr/bin/env node
/** The `request-info` command: reads the inputs, analyses them, writes the report or the suggested rules. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openGeo } from '../respond/geo.js'
import { createAbuseLookup } from './abuse/rdap.js'
import { createAnalysis } from './analyse/index.js'
import { HELP, InputError, parseCommandLine, UsageError, type CliOptions } from './args.js'
import { buildReport } from './build-report.js'
import { expandInputs } from './input/files.js'
import { readInputs, stderrProgress, totalBytes } from './input/index.js'
import { renderHtml } from './render/html.js'
import { renderRules } from './render/rules.js'
import { renderText } from './render/text.js'
import type { Report } from './report.js'

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

/** Reads the inputs `options` names and makes the report. */
export async function makeReport (options: CliOptions, stdinIsTerminal: boolean, now = new Date()): Promise<Report> {
  const inputsGiven = options.inputs.length === 0 ? ['-'] : options.inputs
  if (options.inputs.length === 0 && stdinIsTerminal) throw new UsageError('give the files to read, or pipe lines into standard input')
  const files = expandInputs(inputsGiven)
  let geo
  try {
    geo = options.countryDb === undefined && options.asnDb === undefined
      ? undefined
      : openGeo({ country: options.countryDb, asn: options.asnDb }, '--geoip', { country: '--country-db', asn: '--asn-db' })
  } catch (err) {
    throw new InputError((err as Error).message)
  }
  const lookup = createAbuseLookup({ enabled: options.lookup, ...(options.rdap === undefined ? {} : { baseUrl: options.rdap }) })
  const analysis = await createAnalysis({
    threshold: options.threshold,
    paranoia: options.paranoia,
    evidence: options.evidence,
    spike: { factor: options.spikeFactor, min: options.spikeMin },
    geo
  })
  const progress = options.quiet ? undefined : stderrProgress(totalBytes(files))
  const inputs = await readInputs(files, analysis.add, progress)
  return await buildReport(analysis, inputs, {
    top: options.top,
    siteSources: options.siteSources,
    lookup,
    lookupEnabled: options.lookup,
    geoFiles: { country: options.countryDb ?? null, asn: options.asnDb ?? null },
    draft: options.reporter === undefined ? {} : { reporter: options.reporter },
    now
  })
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
