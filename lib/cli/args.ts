/** The command line of `request-info`: commands, options, their checks and the help text. */
import { parseArgs } from 'node:util'
import type { Paranoia } from '../detect/types.js'

export type Command = 'report' | 'rules'
export type Format = 'text' | 'json' | 'html'

export interface CliOptions {
  command: Command
  inputs: string[]
  format: Format
  output: string | undefined
  threshold: number
  siteSources: number
  paranoia: Paranoia
  evidence: number
  top: number
  spikeFactor: number
  spikeMin: number
  countryDb: string | undefined
  asnDb: string | undefined
  lookup: boolean
  rdap: string | undefined
  reporter: string | undefined
  drafts: string | undefined
  quiet: boolean
}

/** A mistake on the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/** An input that cannot be used (a missing file, an unreadable .mmdb): printed as it is, exit code 2. */
export class InputError extends Error {}

export const HELP = `request-info: patrol the logs, draft the abuse reports

Usage:
  request-info report [options] <file|pattern|->...   attacks, sources, clients and traffic
  request-info rules [options] <file|pattern|->...    suggested allow/block rules (rules-file format)

Inputs: the plugin's records (NDJSON, ECS or flat) and access logs (combined, vhost_combined, or the
virtual host first without a client address); files, quoted patterns ('logs/*.log*', '**' for any depth),
.gz files, or - for standard input (the default when it is not a terminal).

Options:
  -f, --format <text|json|html>  output format (default: from --output's extension, else text);
                                 for rules: yaml (text) or json
  -o, --output <file>            write there instead of standard output
      --threshold <n>            attacks from one source that make an abuse-report draft (default 3)
      --site-sources <n>         sources attacking one site that make a notice for its owner (default 3)
      --paranoia <1-4>           detection paranoia level, as the plugin's detect.paranoia (default 1)
      --evidence <n>             evidence lines kept per source (default 10)
      --top <n>                  rows per table (default 20)
      --spike-factor <x>         a minute is a spike above x times the hour before's mean (default 3)
      --spike-min <n>            ... and with at least n requests (default 30)
      --country-db <file.mmdb>   MaxMind/DB-IP country database: requests per country
      --asn-db <file.mmdb>       MaxMind/DB-IP ASN database: requests per network
      --lookup                   look up each reported source's abuse contact over RDAP (network)
      --rdap <url>               RDAP service (default https://rdap.org, which redirects to the registry)
      --reporter <text>          signature of the abuse-report drafts
      --drafts <dir>             also write each draft and site notice as a text file there
  -q, --quiet                    no progress line on standard error
  -h, --help                     this text
  -v, --version                  the version

Exit status: 0 when the report was written (unreadable lines are counted in it), 2 for a mistake on the
command line or an input that cannot be opened, 1 otherwise.`

function integer (name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`)
  }
  return n
}

function formatOf (value: string | undefined, output: string | undefined): Format {
  if (value === undefined) {
    if (output?.endsWith('.html') === true || output?.endsWith('.htm') === true) return 'html'
    return output?.endsWith('.json') === true ? 'json' : 'text'
  }
  if (value === 'yaml') return 'text'
  if (value !== 'text' && value !== 'json' && value !== 'html') {
    throw new UsageError(`--format must be text, json or html; got ${JSON.stringify(value)}`)
  }
  return value
}

/** Reads `argv` (without node and the script); throws UsageError with a message naming the mistake. */
export function parseCommandLine (argv: readonly string[]): CliOptions | 'help' | 'version' {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        threshold: { type: 'string' },
        'site-sources': { type: 'string' },
        paranoia: { type: 'string' },
        evidence: { type: 'string' },
        top: { type: 'string' },
        'spike-factor': { type: 'string' },
        'spike-min': { type: 'string' },
        'country-db': { type: 'string' },
        'asn-db': { type: 'string' },
        lookup: { type: 'boolean' },
        rdap: { type: 'string' },
        reporter: { type: 'string' },
        drafts: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' }
      }
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values: v, positionals } = parsed
  if (v.help === true || positionals[0] === 'help') return 'help'
  if (v.version === true) return 'version'
  const [command, ...inputs] = positionals
  if (command === undefined) throw new UsageError('give a command: report or rules')
  if (command !== 'report' && command !== 'rules') throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are report and rules`)
  if (command === 'rules' && v.format === 'html') throw new UsageError('--format for rules is text (YAML) or json')
  const spikeFactor = v['spike-factor'] === undefined ? 3 : Number(v['spike-factor'])
  if (!(spikeFactor >= 1 && spikeFactor <= 1000)) {
    throw new UsageError(`--spike-factor must be a number from 1 to 1000; got ${JSON.stringify(v['spike-factor'])}`)
  }
  if (v.rdap !== undefined && !/^https?:\/\/[^\s/]/.test(v.rdap)) throw new UsageError(`--rdap must be an http or https URL; got ${JSON.stringify(v.rdap)}`)
  return {
    command,
    inputs,
    format: formatOf(v.format, v.output),
    output: v.output,
    threshold: integer('threshold', v.threshold, 3, 1, 1_000_000),
    siteSources: integer('site-sources', v['site-sources'], 3, 1, 1_000_000),
    paranoia: integer('paranoia', v.paranoia, 1, 1, 4) as Paranoia,
    evidence: integer('evidence', v.evidence, 10, 1, 100),
    top: integer('top', v.top, 20, 1, 10_000),
    spikeFactor,
    spikeMin: integer('spike-min', v['spike-min'], 30, 1, 1_000_000_000),
    countryDb: v['country-db'],
    asnDb: v['asn-db'],
    lookup: v.lookup === true,
    rdap: v.rdap,
    reporter: v.reporter,
    drafts: v.drafts,
    quiet: v.quiet === true
  }
}
