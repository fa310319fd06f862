'use strict'

// Reading the labelled corpora of ../shared/corpus into the parts the detectors take.

const fs = require('node:fs')
const path = require('node:path')

/** Where the shared corpus lives beside the project, unless `--corpus` says otherwise. */
const DEFAULT_CORPUS = path.resolve(__dirname, '../../shared/corpus')

function readNdjson (file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line))
}

/** Header names lowercased, as Node gives them; repeated names become arrays. */
function lowerHeaders (headers) {
  const out = Object.create(null)
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase()
    const prior = out[key]
    out[key] = prior === undefined ? String(value) : [].concat(prior, String(value))
  }
  return out
}

/** The body as Fastify would hand it on: parsed JSON, or the raw string for every other type. */
function parsedBody (record, headers) {
  if (typeof record.body !== 'string' || record.body === '') return undefined
  const type = String(headers['content-type'] ?? '')
  if (type.toLowerCase().includes('json')) {
    try { return JSON.parse(record.body) } catch { return record.body }
  }
  return record.body
}

/** Runs a detection over one corpus record; returns its findings. */
function detectRecord (detection, record) {
  const headers = lowerHeaders(record.headers)
  const threats = detection.request({ url: record.uri, headers })
  const body = parsedBody(record, headers)
  if (body !== undefined) detection.body(body, headers['content-type'], threats)
  return threats
}

/**
 * The request lines of the seed's access log: virtual-host combined lines with typographic quotes, so the
 * request is found between “ and ”.
 */
function readSeedLines (file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => {
    // Quoted fields in order: request line, referer, user agent.
    const quoted = [...line.matchAll(/[“"]([^“”"]*)[”“"]/g)].map((m) => m[1])
    const request = /^([A-Z]+) (\S+) HTTP\/[0-9.]+$/.exec(quoted[0] ?? '')
    return { line, method: request?.[1], uri: request?.[2], ua: quoted[2] }
  })
}

module.exports = { DEFAULT_CORPUS, readNdjson, lowerHeaders, detectRecord, readSeedLines }
