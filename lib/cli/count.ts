/**
 * The counting half of a report: the geo databases, the abuse lookup and the tables, fed request by request
 * in input order, then the report built from them. It runs on the main thread, or on the counting thread
 * when the lines are read on another (threads/).
 */
import { openGeo } from '../respond/geo.js'
import { createAbuseLookup } from './abuse/rdap.js'
import { createAnalysis } from './analyse/index.js'
import type { Request } from './analyse/request.js'
import { InputError, type CliOptions } from './args.js'
import { buildReport } from './build-report.js'
import type { InputSummary, Report } from './report.js'

export interface Counting {
  /** Counts one request; requests come in input order. */
  add (r: Request): void
  /** The report, once every request was counted. */
  report (inputs: InputSummary): Promise<Report>
}

/** Opens what `options` names (an unreadable .mmdb throws an InputError) and starts the tables. */
export function startCounting (options: CliOptions, now: Date): Counting {
  let geo
  try {
    geo = options.countryDb === undefined && options.asnDb === undefined
      ? undefined
      : openGeo({ country: options.countryDb, asn: options.asnDb }, '--geoip', { country: '--country-db', asn: '--asn-db' })
  } catch (err) {
    throw new InputError((err as Error).message)
  }
  const lookup = createAbuseLookup({ enabled: options.lookup, ...(options.rdap === undefined ? {} : { baseUrl: options.rdap }) })
  const analysis = createAnalysis({
    threshold: options.threshold,
    paranoia: options.paranoia,
    evidence: options.evidence,
    spike: { factor: options.spikeFactor, min: options.spikeMin },
    geo
  })
  return {
    add: analysis.add,
    report: async (inputs) => await buildReport(analysis, inputs, {
      top: options.top,
      siteSources: options.siteSources,
      lookup,
      lookupEnabled: options.lookup,
      geoFiles: { country: options.countryDb ?? null, asn: options.asnDb ?? null },
      draft: options.reporter === undefined ? {} : { reporter: options.reporter },
      now
    })
  }
}
