'use strict'

// Turning the rounds into the printed report: medians per configuration, then the ratios against targets.

/**
 * The targets: plugin / bare and plugin / fastify-logging for the plugin's own cost, plugin /
 * plugin-devnull for the cost of shipping the records through the Logstash transport.
 */
const TARGETS = { bare: 0.65, 'fastify-logging': 1.0, 'plugin-devnull': 0.9 }
/** CPU µs per request that attack detection may add: plugin against plugin-no-detect. */
const DETECTION_TARGET = 5
/** The respond layer (rules, a rate limit, the ban check; memory store): plugin-respond at least this of plugin. */
const RESPOND_TARGET = 0.95
/** The process watch (wrappers, the request's async context): plugin-watch at least this of plugin. */
const WATCH_TARGET = 0.99

const number = (value, digits) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
// A share of one CPU; NaN (other load without /proc/stat) is shown as unknown, and -0 as 0.
const percent = (share) => Number.isNaN(share) ? 'n/a' : `${number(Math.round(share * 100) || 0, 0)} %`

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** One line of progress: what a single round measured. */
function formatRound (name, round) {
  return `${name.padEnd(15)} ${number(round.rps, 0).padStart(7)} req/s  p99 ${number(round.p99, 1).padStart(5)} ms` +
    `  ${number(round.cpuPerRequest, 1).padStart(5)} µs/req  server CPU ${percent(round.cpuShare).padStart(5)}` +
    `  autocannon CPU ${percent(round.clientCpuShare).padStart(5)}  other load ${percent(round.othersCpuShare).padStart(5)}` +
    `  ${number(round.linesPerRequest, 3)} lines/req` +
    (round.failures > 0 ? `  ${round.failures} failed requests` : '')
}

/** Medians over the rounds of one configuration. */
function summarise (rounds) {
  const summary = {}
  for (const key of ['rps', 'p99', 'cpuPerRequest', 'cpuShare', 'clientCpuShare', 'othersCpuShare', 'linesPerRequest', 'bytesPerRequest']) {
    summary[key] = median(rounds.map((round) => round[key]))
  }
  summary.failures = rounds.reduce((sum, round) => sum + round.failures, 0)
  return summary
}

/** Left-aligns the first column and right-aligns the others. */
function table (rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) =>
    column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])).join('  ')).join('\n')
}

function verdict (ratio, target) {
  return `${number(ratio, 2)} (target >= ${number(target, 2)}) ${ratio >= target ? 'PASS' : 'FAIL'}`
}

/**
 * Prints the summary table and the ratios. CPU ratios are inverted (other µs / plugin µs) so that,
 * like throughput ratios, higher is better and the same targets apply: 0.65 against bare means the
 * plugin configuration may cost up to 1 / 0.65 ≈ 1.54 times bare's CPU per request.
 */
function printReport (summaries, rounds, { rate }) {
  // The added CPU is against bare, or against plugin when bare was not measured (--only).
  const base = summaries.bare === undefined ? 'plugin' : 'bare'
  const rows = [['configuration', 'req/s', 'p99 ms', 'CPU µs/req', `vs ${base}`, 'server CPU', 'autocannon CPU', 'other load',
    'lines/req', 'bytes/req', 'failed']]
  for (const [name, s] of Object.entries(summaries)) {
    const added = s.cpuPerRequest - summaries[base].cpuPerRequest
    rows.push([name, number(s.rps, 0), number(s.p99, 1), number(s.cpuPerRequest, 1),
      name === base ? '' : `${added >= 0 ? '+' : ''}${number(added, 1)} µs`,
      percent(s.cpuShare), percent(s.clientCpuShare), percent(s.othersCpuShare), number(s.linesPerRequest, 3),
      number(s.bytesPerRequest, 0), String(s.failures)])
  }
  console.log(`\nMedians over the rounds${rate ? ` at a fixed ${rate} req/s` : ' at saturation'}:\n`)
  console.log(table(rows))

  // Ratios are taken round by round, between measurements minutes apart at most, and their median is
  // reported: the machine's speed drifts more between rounds than the configurations differ.
  const paired = (other, ratio) => median(rounds.plugin.map((round, i) => ratio(round, rounds[other][i])))
  const ratioRows = [['', 'req/s', 'CPU per request (other µs / plugin µs)']]
  for (const other of Object.keys(TARGETS)) {
    if (rounds[other] === undefined) continue
    const throughput = paired(other, (plugin, them) => plugin.rps / them.rps)
    ratioRows.push([`plugin / ${other}`,
      // At a fixed rate every configuration serves the same req/s; only the CPU comparison says anything.
      rate ? `${number(throughput, 2)} (fixed rate: n/a)` : verdict(throughput, TARGETS[other]),
      verdict(paired(other, (plugin, them) => them.cpuPerRequest / plugin.cpuPerRequest), TARGETS[other])])
  }
  console.log('\nRatios: median over the rounds of each round\'s ratio')
  console.log(`\n${table(ratioRows)}\n`)
  if (rounds['plugin-no-detect'] !== undefined) {
    const added = median(rounds.plugin.map((round, i) => round.cpuPerRequest - rounds['plugin-no-detect'][i].cpuPerRequest))
    console.log(`Detection: plugin - plugin-no-detect = ${added >= 0 ? '+' : ''}${number(added, 2)} CPU µs per request ` +
      `(median of the rounds' differences; target <= ${DETECTION_TARGET}) ${added <= DETECTION_TARGET ? 'PASS' : 'FAIL'}\n`)
  }
  for (const [name, label, target] of [['plugin-respond', 'Respond', RESPOND_TARGET], ['plugin-watch', 'Process watch', WATCH_TARGET],
    ['plugin-watch-context', 'Process watch, request context always kept', WATCH_TARGET],
    ['plugin-watch-poller', 'Process watch with the poller', WATCH_TARGET]]) {
    if (rounds[name] === undefined) continue
    const pairedWith = (ratio) => median(rounds[name].map((round, i) => ratio(round, rounds.plugin[i])))
    console.log(`${label}: ${name} / plugin = req/s ${rate ? 'n/a (fixed rate)' : verdict(pairedWith((r, p) => r.rps / p.rps), target)}, ` +
      `CPU per request ${verdict(pairedWith((r, p) => p.cpuPerRequest / r.cpuPerRequest), target)}\n`)
  }
  for (const note of caveats(summaries, rate)) console.log(`note: ${note}`)
}

/** Conditions under which the figures do not mean what they seem to. */
function caveats (summaries, rate) {
  const notes = []
  for (const [name, s] of Object.entries(summaries)) {
    if (rate && s.rps < 0.95 * rate) {
      notes.push(`${name} served ${number(s.rps, 0)} of the ${rate} req/s asked for: that rate saturates it`)
    }
    // At saturation a server that is not busy nearly all the time was held back by something else: the
    // load generator (its CPU near 100 %) or other work on the machine. Its CPU µs per request still holds.
    if (!rate && s.cpuShare < 0.9) {
      notes.push(`${name} server was busy only ${percent(s.cpuShare)} of the time: its req/s understates it; compare CPU µs per request`)
    }
  }
  const others = Math.max(...Object.values(summaries).map((s) => s.othersCpuShare))
  // Other processes take CPU time from the server and also make its own work slower (context switches,
  // cold caches); alternating rounds spreads that over the configurations but does not remove it.
  if (others > 0.1) {
    notes.push(`other work used up to ${percent(others)} of a CPU during the rounds: the figures are noisy; rerun on a quiet machine`)
  }
  return notes
}

module.exports = { formatRound, summarise, printReport, number, percent, median }
