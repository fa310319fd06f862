'use strict'

// Counting a child process's machine instructions with valgrind's callgrind, shared by the instruction
// benchmarks (bench/instructions.js, bench/tls-instructions.js).

const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

/**
 * Wrapper for Child: callgrind with instrumentation off at the start (valgrind's slowest part), dumps to
 * `<dir>/<name>.<pid>.<n>`, every thread counted.
 */
function callgrindWrapper (dir, name) {
  return ['valgrind', '-q', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${path.join(dir, `${name}.%p`)}`]
}

/** callgrind_control for one process: `--instr=on`, `--zero`, `--dump`. */
function callgrindControl (pid) {
  return (...args) => execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore' })
}

/** Instructions counted in one callgrind dump file (its `totals:` line). */
function totalOf (file) {
  const match = /^totals: (\d+)$/m.exec(fs.readFileSync(file, 'utf8'))
  if (match === null) throw new Error(`${file} has no totals line`)
  return Number(match[1])
}

/** Reads V8's perf map (`--perf-basic-prof`): a sorted list of [start, size, name] of its generated code. */
function readPerfMap (file) {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => {
    const [start, size, ...name] = line.split(' ')
    return [parseInt(start, 16), parseInt(size, 16), name.join(' ')]
  }).sort((a, b) => a[0] - b[0])
}

/** The name of the generated code holding `address`, by binary search; undefined outside all of it. */
function codeAt (perfMap, address) {
  let low = 0
  let high = perfMap.length - 1
  let found = -1
  while (low <= high) {
    const middle = (low + high) >> 1
    if (perfMap[middle][0] <= address) {
      found = middle
      low = middle + 1
    } else high = middle - 1
  }
  return found !== -1 && address < perfMap[found][0] + perfMap[found][1] ? perfMap[found][2] : undefined
}

/**
 * Instructions per function in a callgrind dump: `self`, and `inclusive` (self plus the calls it made,
 * recursion counted once per level). callgrind names JIT-compiled JavaScript by address only; with V8's perf
 * map those addresses get the JavaScript function's name and place (`JS:*record /…/dist/index.js:161:19`).
 */
function functionCosts (dumpFile, perfMap) {
  const names = new Map()
  const nameOf = (spec) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec)
    if (match === null) return spec
    if (match[2] !== undefined) names.set(match[1], match[2])
    return names.get(match[1])
  }
  const label = (name) => {
    const address = /^0x([0-9a-f]+)$/.exec(name)
    return address === null || perfMap === undefined ? name : codeAt(perfMap, parseInt(address[1], 16)) ?? name
  }
  const self = new Map()
  const inclusive = new Map()
  const add = (map, key, cost) => map.set(key, (map.get(key) ?? 0) + cost)
  let current
  let callee
  let callCostNext = false
  for (const line of fs.readFileSync(dumpFile, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) current = label(nameOf(line.slice(3)))
    else if (line.startsWith('cfn=')) callee = label(nameOf(line.slice(4)))
    else if (line.startsWith('calls=')) callCostNext = true
    else {
      // A cost line: a position (absolute or +/- relative) and the instructions.
      const cost = /^[+-]?\d+ (\d+)$/.exec(line)
      if (cost === null || current === undefined) continue
      const n = Number(cost[1])
      if (callCostNext) {
        callCostNext = false
        if (callee !== current) add(inclusive, current, n)
      } else {
        add(self, current, n)
        add(inclusive, current, n)
      }
    }
  }
  return { self, inclusive }
}

/** Exits with a message naming the package when valgrind is not installed. */
function requireValgrind (bench) {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  } catch {
    console.error(`${bench} needs valgrind (Debian package valgrind)`)
    process.exit(2)
  }
}

module.exports = { callgrindWrapper, callgrindControl, totalOf, requireValgrind, readPerfMap, functionCosts }
