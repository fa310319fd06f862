'use strict'

// The smallest useful setup: one record per request, written to stdout as NDJSON by Fastify's pino logger.
//
//   npm install            (runs `prepare`, which builds dist/)
//   node examples/basic.js
//   curl -H 'Cookie: session=alice' http://127.0.0.1:3000/hello
//
// The record of that request appears on stdout. In your own project, require('fastify-request-info').

const Fastify = require('fastify')
const { LogController } = Fastify
// From a clone of this repository, the package's own name does not resolve: load the build directly.
const requestInfo = require('../dist/index.js')

const app = Fastify({
  // The plugin writes its records to Fastify's logger unless given one of its own (option `logger`).
  logger: true,
  // The plugin writes one complete record per request; Fastify's own "incoming request" and
  // "request completed" lines would only repeat part of it, twice per request. Fastify 5.10+.
  logController: new LogController({ disableRequestLogging: true })
  // No trustProxy: nothing stands in front of this server, so X-Forwarded-For (and any fingerprint
  // header) sent by a client must not be believed. See examples/nginx/server.js for a server behind a proxy.
})

app.register(requestInfo, {
  // Ends up in every record (ECS `service.name`), so one Logstash index can hold many services.
  serviceName: 'basic-example',
  // The load balancer publishes this service under /shop and strips that prefix before forwarding;
  // records show the public path (/shop/hello), the one users, access logs and abuse reports know.
  publicPrefix: '/shop'
})

app.get('/hello', async (request) => {
  // The application adds what only it knows. Here a stand-in for real authentication: a session cookie.
  // Set `user` after your authentication runs (a preHandler, or the route), and it is in the record.
  const session = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? '')
  if (session !== null) request.requestInfo.user = session[1]
  return { hello: request.requestInfo.user ?? 'stranger' }
})

async function start () {
  // Loopback only: this example is for trying things locally. Behind a proxy, listen on the address the
  // proxy connects to, never on a public interface the proxy could be bypassed through.
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
}

// Close cleanly on Ctrl-C or `kill`, so requests in flight finish and their records are written.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}

start().catch((err) => {
  console.error(err)
  process.exit(1)
})
