/**
 * The suggested rules as a rules file the plugin reads (option `respond.rulesFile`): YAML with each rule's
 * reasons as a comment above it, or JSON (`{ "rules": [...] }`, without them: JSON has no comments).
 */
import { escapeControls } from '../words.js'
import type { Report } from '../report.js'

export function renderRules (report: Report, format: 'yaml' | 'json'): string {
  const rules = report.rules.map((s) => s.rule)
  if (format === 'json') return JSON.stringify({ rules }, null, 2) + '\n'
  // Loaded here, as the plugin loads it for YAML rules files only: it takes tens of ms to load.
  const YAML = require('yaml') as typeof import('yaml')
  const doc = new YAML.Document({ rules })
  const period = report.period.first === null ? '' : ` (${report.period.first.text} to ${report.period.last?.text ?? ''})`
  doc.commentBefore = ` Suggested by request-info from ${report.inputs.requests} requests${period}.\n` +
    ' Block rules are in mode monitor: the records show what they would refuse; set mode: block when you\n' +
    ' trust one. Allow rules win over every block, ban and rate limit. Review before use.'
  const seq = doc.get('rules') as import('yaml').YAMLSeq
  seq.items.forEach((item, i) => {
    // Reasons quote log data (User-Agent names, fingerprints): controls escaped, so a comment stays one comment.
    (item as import('yaml').Node).commentBefore = ` ${escapeControls(report.rules[i].why)}`
  })
  return doc.toString({ lineWidth: 0 })
}
