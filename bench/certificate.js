'use strict'

// The TLS benchmarks' server certificate.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

/** A throwaway self-signed EC certificate for localhost and 127.0.0.1, in a new temporary directory. */
function makeCertificate () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fri-bench-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { cwd: dir, stdio: 'ignore' })
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true })
    console.error(`bench: openssl could not make a certificate: ${err.message}`)
    process.exit(2)
  }
  return dir
}

module.exports = { makeCertificate }
