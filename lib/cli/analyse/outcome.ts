import type { Outcome } from '../report.js'

/** What a status code says about whether a request got through; seed 004's reading of the codes. */
export interface Verdict {
  readonly verdict: Outcome['verdict']
  readonly meaning: string
}

// Seed 004's useful codes, and what each says about an attack that received it.
const MEANINGS: Readonly<Record<number, Verdict>> = {
  400: { verdict: 'blocked', meaning: 'bad request: refused as something it was not supposed to do' },
  401: { verdict: 'blocked', meaning: 'unauthorized: a failed login or a page it may not see' },
  403: { verdict: 'blocked', meaning: 'forbidden: refused (a firewall rule, a ban or the application)' },
  404: { verdict: 'blocked', meaning: 'not found: nothing there, probing for an open door' },
  429: { verdict: 'blocked', meaning: 'too many requests: rate limited' },
  500: { verdict: 'not blocked', meaning: 'internal server error: it reached the application and made it fail; review the code it reached' },
  502: { verdict: 'not blocked', meaning: 'bad gateway: it reached the server and the upstream failed; check that server' },
  503: { verdict: 'blocked', meaning: 'service unavailable: not served (overload, or a store failing closed)' }
}

const UNKNOWN: Verdict = { verdict: 'unknown', meaning: 'no status: the client went away before the response' }

/**
 * The verdict on an attack request: the plugin's own decision when the record has one (a monitored decision
 * blocked nothing), else its status code.
 */
export function verdictOf (status: number | undefined, decision?: { readonly action: string, readonly monitor: boolean }): Verdict {
  if (decision !== undefined && !decision.monitor && decision.action !== 'allowed') {
    return { verdict: 'blocked', meaning: `${decision.action} by the plugin` }
  }
  if (status === undefined) return UNKNOWN
  const known = MEANINGS[status]
  if (known !== undefined) return known
  if (status < 300) return { verdict: 'not blocked', meaning: 'success: it reached the application and was answered' }
  if (status < 400) return { verdict: 'not blocked', meaning: 'redirect: it reached the application, which sent it elsewhere' }
  if (status < 500) return { verdict: 'blocked', meaning: 'client error: refused' }
  return { verdict: 'not blocked', meaning: 'server error: it reached the server and something failed' }
}


/** Requests per status as rows, most first, each with what its status says. */
export function outcomeRows (statuses: ReadonlyMap<number | undefined, number>): Outcome[] {
  return [...statuses].sort((a, b) => b[1] - a[1] || (a[0] ?? 0) - (b[0] ?? 0))
    .map(([status, count]) => ({ status: status ?? null, ...verdictOf(status), count }))
}
