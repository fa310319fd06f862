'use strict'

// Command-line options shared by the benchmarks.

/** `values[name]` as a whole number of at least `least`; otherwise exits with the message and `usage`. */
function wholeNumber (values, name, usage, least = 1) {
  const value = Number(values[name])
  if (!Number.isInteger(value) || value < least) {
    console.error(`--${name} must be a whole number of at least ${least}; got '${values[name]}'\n\n${usage}`)
    process.exit(2)
  }
  return value
}

module.exports = { wholeNumber }
