import { quote } from './ip-set.js'

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^(\d{1,15}(?:\.\d{1,15})?)(ms|s|m|h|d)$/

/**
 * A duration in ms: a non-negative finite number of ms, or a number and a unit, `'250ms'`, `'30s'`, `'10m'`,
 * `'4h'`, `'7d'` (`'1.5h'` too). Throws an error naming `where` for anything else, a bare numeric string
 * included: `'30'` could mean seconds as well as ms.
 */
export function parseDuration (value: number | string, where: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
  } else if (typeof value === 'string') {
    const match = DURATION.exec(value)
    if (match !== null) return Number(match[1]) * UNITS[match[2]]
  }
  throw new Error(`${where}: ${quote(value)} is not a duration (a number of ms, or a number and a unit: '250ms', '30s', '10m', '4h', '7d')`)
}
