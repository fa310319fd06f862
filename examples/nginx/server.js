'use strict'

// The Fastify app behind examples/nginx/nginx.conf. nginx terminates TLS, computes the client's JA3, JA4
// and HTTP/2 fingerprints, and forwards them as headers; this app believes them only because they come
// from nginx's address.
//
//   node examples/nginx/server.js          (after `npm install`, which builds dist/)
//   curl -k https://example.com/whoami     (through nginx)

const Fastify = require('fastify')
const { LogController } = Fastify
// From a clone of this repository; in your own project, require('fastify-request-info').
const requestInfo = require('../../dist/index.js')

const app = Fastify({
  logger: true,
  // One record per request comes from the plugin; Fastify's own request lines would repeat it (Fastify 5.10+).
  logController: new LogController({ disableRequestLogging: true }),
  // Trust X-Forwarded-For / -Proto / -Host, and the fingerprint headers, only when the TCP peer is nginx.
  // Here nginx runs on the same host and connects from 127.0.0.1. When nginx or a load balancer runs on
  // other machines, list their subnet instead, e.g. ['10.0.1.0/24'], and nothing wider.
  // Never `true`: anyone who reaches the app directly could then pick their own IP address and fingerprints.
  trustProxy: ['127.0.0.1/32']
})

app.register(requestInfo, {
  serviceName: 'shop-behind-nginx',
  // Header names of nginx.conf: X-SSL-JA3 (raw JA3 string), X-SSL-JA3-Hash (its MD5, used when the raw
  // string is absent), X-SSL-JA4 and X-HTTP2-Fingerprint. From any peer not trusted above, these headers
  // are ignored and counted (fastify.requestInfo.counters.untrustedFingerprintHeaders).
  fingerprintHeaders: 'nginx-ssl-fingerprint'
})

// For checking the setup: what the app sees of the caller. Remove it (or protect it) in production, since
// it shows every client its own fingerprints.
app.get('/whoami', async (request) => {
  const { realIp, ips, host, ua, sslh, ja4, h2, fingerprintSource, ho } = request.requestInfo
  return { realIp, ips, host, protocol: request.protocol, ua, ja3: sslh, ja4, h2, fingerprintSource, ho }
})

app.get('/', async () => ({ hello: 'world' }))

// Only nginx should reach the app: listen on loopback, the address nginx.conf's upstream points to.
app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) }).catch((err) => {
  console.error(err)
  process.exit(1)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}
