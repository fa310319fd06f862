'use strict'

// The README's table of detection rules, made from the rules themselves so the two never differ.
// node eval/rules-table.js prints it from the build in dist/ (or $DETECT_DIST).

const path = require('node:path')

/** Markdown rows for `rules`, grouped by kind in the order given. */
function rulesTable (rules) {
  const escape = (text) => text.replaceAll('|', '\\|')
  const rows = ['| rule | kind | paranoia | score | matches |', '|---|---|---:|---:|---|']
  for (const rule of rules) rows.push(`| \`${rule.id}\` | ${rule.kind} | ${rule.paranoia} | ${rule.score} | ${escape(rule.summary)} |`)
  return rows.join('\n') + '\n'
}

if (require.main === module) {
  const dist = process.env.DETECT_DIST === undefined ? path.join(__dirname, '..', 'dist') : path.resolve(process.env.DETECT_DIST)
  const { DETECTORS } = require(path.join(dist, 'detect', 'families.js'))
  const { IMPERSONATION_RULES } = require(path.join(dist, 'detect', 'impersonation', 'index.js'))
  process.stdout.write(rulesTable([...DETECTORS.flatMap((d) => d.rules), ...IMPERSONATION_RULES]))
}

module.exports = { rulesTable }
