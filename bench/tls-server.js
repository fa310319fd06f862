'use strict'

// One https server of the TLS connection benchmark (bench/tls-connections.js), alone in its process so that
// process.cpuUsage() measures exactly its cost.
// Usage: node tls-server.js <capture|none> <directory holding key.pem and cert.pem>
// IPC: sends { port } once listening, then answers 'begin' with {} and 'end' with the CPU and wall time since
// 'begin' and the connections whose ClientHello the plugin fingerprinted. When the parent disconnects it
// closes the server and the process exits.

const fs = require('node:fs')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const Fastify = require('fastify')
const pino = require('pino')
const requestInfo = require('../dist/index.js')

const [configuration, certDir] = process.argv.slice(2)

/** The plugin's options in each configuration: the ClientHello capture on (its default on TLS) or off. */
const CONFIGURATIONS = {
  capture: {},
  none: { tlsCapture: false }
}

async function main () {
  if (!Object.hasOwn(CONFIGURATIONS, configuration)) throw new Error(`unknown configuration '${configuration}'`)
  const app = Fastify({
    https: { key: fs.readFileSync(path.join(certDir, 'key.pem')), cert: fs.readFileSync(path.join(certDir, 'cert.pem')) },
    // The plugin writes its record per request in both configurations, to /dev/null; Fastify's own request
    // lines are off.
    logger: { level: 'info', stream: pino.destination({ dest: '/dev/null', sync: false }) },
    logController: new Fastify.LogController({ disableRequestLogging: true })
  })
  await app.register(requestInfo, CONFIGURATIONS[configuration])
  let fingerprinted = 0
  app.get('/', (request) => {
    if (request.requestInfo.ja4 !== undefined) fingerprinted++
    return { hello: 'world' }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })

  let cpuAtBegin
  let wallAtBegin
  let fingerprintedAtBegin
  const commands = {
    begin () {
      cpuAtBegin = process.cpuUsage()
      wallAtBegin = performance.now()
      fingerprintedAtBegin = fingerprinted
      return {}
    },
    end () {
      const cpu = process.cpuUsage(cpuAtBegin)
      return {
        cpuMicros: cpu.user + cpu.system,
        wallMicros: (performance.now() - wallAtBegin) * 1000,
        fingerprinted: fingerprinted - fingerprintedAtBegin
      }
    }
  }
  process.on('message', (command) => process.send(commands[command]()))
  process.once('disconnect', () => { app.close().catch(fail) })
  process.send({ port: app.server.address().port })
}

function fail (err) {
  console.error(`tls-server ${configuration}:`, err)
  process.exit(1)
}

main().catch(fail)
