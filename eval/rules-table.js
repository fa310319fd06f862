'use strict'

// The README's tables of detection rules and behaviour scenarios, made from the rules themselves so the two never differ.
// node eval/rules-table.js prints it from the build in dist/ (or $DETECT_DIST).

const path = require('node:path')

/** Markdown rows for `rules`, grouped by kind in the order given. */
function rulesTable (rules) {
  const escape = (text) => text.replaceAll('|', '\\|')
  const rows = ['| rule | kind | paranoia | score | matches |', '|---|---|---:|---:|---|']
  for (const rule of rules) rows.push(`| \`${rule.id}\` | ${rule.kind} | ${rule.paranoia} | ${rule.score} | ${escape(rule.summary)} |`)
  return rows.join('\n') + '\n'
}

/** Markdown rows for the behaviour scenarios. */
function scenariosTable (scenarios) {
  const seconds = (ms) => ms % 60000 === 0 ? `${ms / 60000} min` : `${ms / 1000} s`
  const rows = ['| scenario | key | bucket: capacity / leak / silence after an alert | counts |', '|---|---|---|---|']
  for (const s of scenarios) {
    const d = s.defaults
    const bucket = d === undefined ? 'a window (settings in the text)' : `${d.capacity} / ${seconds(d.leakMs)} / ${seconds(d.blackholeMs)}`
    rows.push(`| \`${s.id}\` | ${s.key} | ${bucket} | ${s.summary.replaceAll('|', '\\|')} |`)
  }
  return rows.join('\n') + '\n'
}

if (require.main === module) {
  const dist = process.env.DETECT_DIST === undefined ? path.join(__dirname, '..', 'dist') : path.resolve(process.env.DETECT_DIST)
  const { DETECTORS } = require(path.join(dist, 'detect', 'families.js'))
  const { IMPERSONATION_RULES } = require(path.join(dist, 'detect', 'impersonation', 'index.js'))
  const { SCENARIOS } = require(path.join(dist, 'detect', 'behaviour', 'index.js'))
  process.stdout.write(rulesTable([...DETECTORS.flatMap((d) => d.rules), ...IMPERSONATION_RULES]) + '\n' + scenariosTable(SCENARIOS))
}

module.exports = { rulesTable, scenariosTable }
