import { parseCommandLine, type CliOptions } from '../../lib/cli/args'
import { makeReport } from '../../lib/cli/main'
import type { Report } from '../../lib/cli/report'

/** The report `request-info report -q <args>` makes, at a fixed time. */
export async function reportOf (args: string[], now = new Date('2026-11-22T00:00:00Z')): Promise<Report> {
  const options = parseCommandLine(['report', '-q', ...args]) as CliOptions
  return await makeReport(options, false, now)
}
