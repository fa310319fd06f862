import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { DETECTORS } from '../lib/detect/families'
import { IMPERSONATION_RULES } from '../lib/detect/impersonation/index'

const RULES = [...DETECTORS.flatMap((d) => d.rules), ...IMPERSONATION_RULES]

import { SCENARIOS } from '../lib/detect/behaviour/index'

const { rulesTable, scenariosTable } = require('../eval/rules-table.js')

test('the README lists exactly the detection rules of the code', async (t) => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
  t.ok(readme.includes(rulesTable(RULES)), 'README "Detection rules" is the output of node eval/rules-table.js')
  t.ok(readme.includes(scenariosTable(SCENARIOS)), 'so is README "Behaviour across requests"')
})

test('rule ids are unique, start with their kind and are lowercase words', async (t) => {
  const ids = new Set<string>()
  for (const rule of RULES) {
    t.notOk(ids.has(rule.id), `${rule.id} is unique`)
    ids.add(rule.id)
    t.match(rule.id, /^[a-z0-9]+(-[a-z0-9]+)+$/, `${rule.id} is lowercase words joined by -`)
    t.ok(rule.id.startsWith(rule.kind + '-'), `${rule.id} starts with its kind`)
    t.ok(rule.score >= 1 && rule.score <= 5 && rule.summary.length > 0, `${rule.id} has a score and a summary`)
  }
})
