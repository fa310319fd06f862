'use strict'
// Coverage is measured on lib/ only: tests that load the built package (dist/, packed consumers) exercise
// the same code, which would otherwise be reported a second time as untested JavaScript.
const { readdirSync } = require('node:fs')
const { join } = require('node:path')

const sources = readdirSync(join(__dirname, '..', 'lib'), { recursive: true })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => join('lib', file))

module.exports = () => sources
