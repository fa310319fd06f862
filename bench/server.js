'use strict'

// One benchmarked server, alone in its process so that process.cpuUsage() (user + system time of every
// thread: the main thread, the pino transport worker, libuv's pool) measures exactly its cost.
// Usage: node server.js <configuration (bench/configurations.js)> <sink port>
// IPC: sends { port } once listening, then answers 'begin' with {} and 'end' with the CPU and wall time since
// 'begin'. When the parent disconnects (done, or gone) it shuts down cleanly and the process exits.

const path = require('node:path')
const { once } = require('node:events')
const { AsyncLocalStorage } = require('node:async_hooks')
const { performance } = require('node:perf_hooks')
const Fastify = require('fastify')
const pino = require('pino')
const requestInfo = require('../dist/index.js')

const [configuration, sinkPort] = process.argv.slice(2)

// Fastify's own request lines off; the plugin writes its one record per request through fastify.log.
const withPlugin = (stream, options) => Fastify({
  logger: { level: 'info', stream },
  logController: new Fastify.LogController({ disableRequestLogging: true })
}).register(requestInfo, options)

/** Each configuration, given the transport stream its log lines go to (none for bare). */
const CONFIGURATIONS = {
  bare: () => Fastify({ logger: false }),
  // Bare, each request run in an AsyncLocalStorage context as the process watch's requestContext does: what
  // keeping a context costs on this Node version.
  'bare-context': () => {
    const context = new AsyncLocalStorage()
    return Fastify({ logger: false }).addHook('onRequest', (request, _reply, next) => context.run(request.id, next))
  },
  // Fastify's default request logging: 'incoming request' and 'request completed', two lines per request.
  'fastify-logging': (stream) => Fastify({ logger: { level: 'info', stream } }),
  plugin: withPlugin,
  // The plugin without attack detection: the difference to plugin is what detection costs.
  'plugin-no-detect': (stream) => withPlugin(stream, { detect: false }),
  // The plugin with the respond layer on, enforcing: rules of each common kind, a rate limit per client that the
  // load stays under, and the ban check (memory store). The difference to plugin is what responding costs.
  'plugin-respond': (stream) => withPlugin(stream, {
    respond: {
      mode: 'block',
      rules: [
        { id: 'office', action: 'allow', match: { ip: ['10.0.0.0/8', '2001:db8::/32'] } },
        { id: 'bad-ja3', action: 'block', match: { ja3: ['e7d705a3286e19ea42f587b344ee6865', '6734f37431670b3ab4292b8f60f29984'] } },
        { id: 'scanners', action: 'block', match: { uaFamily: ['sqlmap', 'nikto'] } },
        { id: 'wp', action: 'ban', match: { path: ['/wp-admin', '/wp-login.php'] } },
        { id: 'attacks', action: 'block', match: { threatScore: 5 } }
      ],
      rateLimits: [{ id: 'per-ip', max: 1e9, window: '1m' }]
    }
  }),
  // The process watch on (wrappers, requests in flight tracked), nothing spawned: the difference to plugin is
  // what watching costs a request. By default no request context is kept before the first spawn.
  'plugin-watch': (stream) => withPlugin(stream, { processWatch: { allow: [] } }),
  // The same with the request's async context kept from the start (entered twice per request).
  'plugin-watch-context': (stream) => withPlugin(stream, { processWatch: { allow: [], requestContext: 'always' } }),
  // The same with the /proc poller every 10 ms in its worker thread.
  'plugin-watch-poller': (stream) => withPlugin(stream, { processWatch: { allow: [], poller: { interval: 10 } } }),
  // The same records written to /dev/null by pino's own file transport: the baseline of shipping's cost.
  'plugin-devnull': withPlugin
}

/** The transport each configuration's lines go through: the package's Logstash transport to the sink. */
function transportOf (name, sinkPort) {
  if (name === 'bare' || name === 'bare-context') return undefined
  if (name === 'plugin-devnull') return pino.transport({ target: 'pino/file', options: { destination: '/dev/null' } })
  return pino.transport({
    target: path.join(__dirname, '..', 'dist', 'logstash.js'),
    options: { mode: 'tcp', port: Number(sinkPort), countersInterval: 0 }
  })
}

async function main () {
  if (!Object.hasOwn(CONFIGURATIONS, configuration)) throw new Error(`unknown configuration '${configuration}'`)
  const stream = transportOf(configuration, sinkPort)
  if (stream !== undefined) await once(stream, 'ready')

  const app = CONFIGURATIONS[configuration](stream)
  app.get('/', () => ({ hello: 'world' }))
  await app.listen({ host: '127.0.0.1', port: 0 })

  // Resolves once every line logged so far has been handed to the socket, so that the transport worker's
  // work for a round is charged to that round.
  const flush = () => new Promise((resolve, reject) => {
    if (stream === undefined) resolve()
    else stream.flush((err) => err ? reject(err) : resolve())
  })

  let cpuAtBegin
  let wallAtBegin
  const commands = {
    async begin () {
      await flush()
      cpuAtBegin = process.cpuUsage()
      wallAtBegin = performance.now()
      return {}
    },
    async end () {
      await flush()
      const cpu = process.cpuUsage(cpuAtBegin)
      return { cpuMicros: cpu.user + cpu.system, wallMicros: (performance.now() - wallAtBegin) * 1000 }
    }
  }
  process.on('message', (command) => {
    commands[command]().then((reply) => process.send(reply), fail)
  })
  process.once('disconnect', () => {
    app.close().then(() => {
      if (stream === undefined) return
      // end() returns once the worker has written every line and the socket is closed; 'close' follows
      // when the worker thread has exited.
      const closed = once(stream, 'close')
      stream.end()
      return closed
    }).catch(fail)
  })
  process.send({ port: app.server.address().port })
}

function fail (err) {
  console.error(`server ${configuration}:`, err)
  process.exit(1)
}

main().catch(fail)
