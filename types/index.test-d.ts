// Type tests of the CommonJS entry (dist/index.d.ts), run by tsd (`npm run test:types`) after `npm run build`.
// The package is type "commonjs", so this file is checked as a CommonJS module under module node16.
//
// The plugin is imported by relative path ('..' -> package.json `types` -> dist/index.d.ts), not by its
// package name: TypeScript resolves a package's import of its own name through `exports` and then, since
// tsconfig.json has outDir dist and rootDir lib, redirects dist/index.d.ts to the source lib/index.ts, so
// the emitted declarations would go untested. Consumers' `declare module 'fastify-request-info'` against
// the packed package is checked by test/package.test.ts.
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import Fastify, { type FastifyInstance, type FastifyPluginCallback, type FastifyRequest } from 'fastify'
import pino from 'pino'
import requestInfo = require('..')

declare module '..' {
  interface RequestInfoCustom {
    tenant?: string
    plan?: 'free' | 'pro'
  }
}

const app = Fastify()

// ---------------------------------------------------------------------------------------------------
// Registration and options
// ---------------------------------------------------------------------------------------------------
app.register(requestInfo)
app.register(requestInfo, {})
app.register(requestInfo, {
  serviceName: 'shop',
  publicPrefix: '/api',
  fingerprintHeaders: 'nginx-ssl-fingerprint',
  shape: 'flat',
  logger: pino(),
  recordLevel: 'warn',
  skip: (request) => request.url === '/health',
  ip: 'hmac',
  ipHmacKey: 'a-key-of-at-least-16-bytes',
  logQuery: true,
  maxValueLength: 4096,
  userAgentCacheSize: 0
})
app.register(requestInfo, { fingerprintHeaders: ['cloudflare', 'cloudfront', 'fingerproxy'] })
app.register(requestInfo, { fingerprintHeaders: { ja3: 'x-ja3', ja4: ['x-ja4', 'x-ja4-alt'], h2: 'x-h2' } })
app.register(requestInfo, { fingerprintHeaders: ['cloudflare', { ja4: 'x-my-ja4' }] })
app.register(requestInfo, { ip: 'truncate', ipHmacKey: Buffer.alloc(32) })
app.register(requestInfo, { tlsCapture: false, h2Capture: true })
app.register(requestInfo, { tlsCapture: { timeout: 5000 }, h2Capture: { timeout: 250, maxBytes: 8192 } })
expectError(app.register(requestInfo, { h2Capture: 'on' }))
app.register(requestInfo, { detect: false })
app.register(requestInfo, { detect: { paranoia: 2, disable: ['sqli-union-select'], threshold: 10, bodyLimit: 0 } })
expectError(app.register(requestInfo, { detect: { paranoia: 5 } }))
expectError(app.register(requestInfo, { detect: { disable: 'sqli-union-select' } }))
expectAssignable<requestInfo.DetectOptions>({ paranoia: 1 })
app.register(requestInfo, { detect: { behaviour: { attackThreshold: 5, loginPaths: ['/session'], buckets: { 'http-probing': { capacity: 20 } } }, impersonation: { learn: false } } })
expectError(app.register(requestInfo, { detect: { behaviour: { now: () => 0 } } }))

// Option respond
app.register(requestInfo, { respond: true })
app.register(requestInfo, {
  respond: {
    mode: 'block',
    rules: [
      { id: 'office', action: 'allow', match: { ip: ['10.0.0.0/8', '2001:db8::/32'] } },
      { id: 'curl', action: 'block', mode: 'monitor', match: { uaFamily: 'curl', uaVersion: '<8' } },
      { id: 'wp', action: 'ban', ttl: '1h', match: { path: '/wp-login.php', method: ['GET', 'POST'] } },
      { id: 'geo', action: 'block', match: { country: 'KP', asn: [64500], ja3: 'e7d705a3286e19ea42f587b344ee6865', ja4: 't13d1516h2_8daaf6152771_02713d6af862', hoh: '0123456789abcdef', threat: ['sqli'], threatScore: 5 } }
    ],
    rulesFile: '/etc/shop/rules.yaml',
    geoip: { country: '/var/lib/GeoIP/GeoLite2-Country.mmdb', asn: '/var/lib/GeoIP/GeoLite2-ASN.mmdb' },
    rateLimits: [{ id: 'per-ip', max: 100, window: '1m' }, { id: 'login', key: 'ip', max: 5, window: 60_000, path: '/login', method: 'POST', mode: 'block' }, { id: 'user', key: 'user', max: 1000, window: '1h' }],
    ban: { scenarios: ['repeated-attacks', 'http-bf-login'], ttl: '4h', escalation: 2, maxTtl: '7d', recidive: '7d', mode: 'block' },
    failClosed: false,
    maxEntries: 50_000
  }
})
declare const redisClient: { status: string, duplicate (): unknown, evalsha (...args: any[]): Promise<unknown> }
app.register(requestInfo, { respond: { redis: { client: redisClient, prefix: 'shop:', timeout: 50 } } })
expectError(app.register(requestInfo, { respond: { mode: 'enforce' } }))
expectError(app.register(requestInfo, { respond: { rules: [{ id: 'x', action: 'deny', match: {} }] } }))
expectError(app.register(requestInfo, { respond: { rateLimits: [{ id: 'x', max: 1 }] } }))
expectError(app.register(requestInfo, { respond: { ban: { scenarios: ['nope'] } } }))

// Option processWatch
app.register(requestInfo, { processWatch: true })
app.register(requestInfo, {
  processWatch: {
    allow: ['git', '/usr/bin/convert', { program: 'tar', args: /^-czf / }, { program: 'echo', args: 'ok .*' }],
    mode: 'block',
    ban: { ttl: '1d' },
    diagnostics: false,
    poller: { interval: 10 },
    requestContext: 'always'
  }
})
expectAssignable<requestInfo.AllowEntry>({ program: 'git' })
expectAssignable<requestInfo.ProcessRule>('reverse-shell')
expectNotAssignable<requestInfo.ProcessRule>('root-shell')
expectError(app.register(requestInfo, { processWatch: { mode: 'kill' } }))
expectError(app.register(requestInfo, { processWatch: { allow: [{ args: /x/ }] } }))
expectError(app.register(requestInfo, { processWatch: { poller: { interval: '10ms' } } }))
expectError(app.register(requestInfo, { processWatch: { requestContext: 'never' } }))
expectType<number>(app.requestInfo.counters.processAlerts)
expectError(app.register(requestInfo, { tlsCapture: { timeout: '5s' } }))
expectAssignable<requestInfo.RequestInfoOptions>({
  ip: 'none',
  recordLevel: (status: number | undefined, info: requestInfo.RequestInfo) => {
    expectType<string>(info.realIp)
    return status === undefined || status >= 500 ? 'error' : 'info'
  }
})
// The function form passes register(): the option does not share its name with Fastify's RegisterOptions.logLevel.
app.register(requestInfo, { recordLevel: (status: number | undefined) => status === undefined ? 'error' : 'info' })
const annotated: requestInfo.RequestInfoOptions = { serviceName: 'shop' }
app.register(requestInfo, annotated)
app.register(requestInfo, { prefix: '/v1', serviceName: 'shop' })

expectError(app.register(requestInfo, { shape: 'xml' }))
expectError(app.register(requestInfo, { ip: 'maybe' }))
expectError(app.register(requestInfo, { fingerprintHeaders: 'akamai' }))
expectError(app.register(requestInfo, { fingerprintHeaders: ['cloudflare', 'akamai'] }))
expectError(app.register(requestInfo, { fingerprintHeaders: { ja5: 'x-ja5' } }))
expectError(app.register(requestInfo, { recordLevel: 'verbose' }))
expectError(app.register(requestInfo, { recordLevel: () => 'loud' }))
expectError(app.register(requestInfo, { serviceName: 42 }))
expectError(app.register(requestInfo, { maxValueLength: '2k' }))
expectError(app.register(requestInfo, { logQuery: 'yes' }))
expectError(app.register(requestInfo, { ipHmacKey: 1234 }))
expectError(app.register(requestInfo, { skip: (request: FastifyRequest) => request.url }))

expectAssignable<requestInfo.RequestInfoOptions>({ ip: 'full' })
expectNotAssignable<requestInfo.RequestInfoOptions>({ ip: 'maybe' })
expectAssignable<requestInfo.IpPrivacy>('truncate')
expectNotAssignable<requestInfo.IpPrivacy>('partial')
expectAssignable<requestInfo.RecordLevel>('trace')
expectNotAssignable<requestInfo.RecordLevel>('silent')
expectAssignable<requestInfo.FingerprintHeaderPreset>('cloudfront')
expectNotAssignable<requestInfo.FingerprintHeaderPreset>('akamai')
expectType<requestInfo.FingerprintSource | undefined>({} as requestInfo.RequestInfo['fingerprintSource'])
expectAssignable<requestInfo.FingerprintHeaderNames>({ ja3: ['a', 'b'] })

// The plugin is a Fastify callback plugin of its options.
expectAssignable<FastifyPluginCallback<requestInfo.RequestInfoOptions>>(requestInfo)

// ---------------------------------------------------------------------------------------------------
// The three export shapes are one and the same function
// ---------------------------------------------------------------------------------------------------
expectType<typeof requestInfo>(requestInfo.default)
expectType<typeof requestInfo>(requestInfo.fastifyRequestInfo)
expectType<typeof requestInfo.default>(requestInfo.fastifyRequestInfo)
app.register(requestInfo.default, { shape: 'flat' })
app.register(requestInfo.fastifyRequestInfo, { ip: 'none' })
expectError(app.register(requestInfo.default, { shape: 'xml' }))
expectError(app.register(requestInfo.fastifyRequestInfo, { ip: 'maybe' }))

// ---------------------------------------------------------------------------------------------------
// request.requestInfo
// ---------------------------------------------------------------------------------------------------
app.get('/', async (request, reply) => {
  const info = request.requestInfo
  expectType<requestInfo.RequestInfo>(info)

  expectType<string>(info.serviceName)
  expectType<string>(info.ip)
  expectType<string>(info.realIp)
  expectType<readonly string[]>(info.ips)
  expectType<string>(info.reqId)
  expectType<string>(info.method)
  expectType<string>(info.path)
  expectType<string | undefined>(info.query)
  expectType<string | undefined>(info.host)
  expectType<string | undefined>(info.referer)
  expectType<string | undefined>(info.ua)
  expectType<string | undefined>(info.uah)
  expectType<requestInfo.UserAgentInfo | undefined>(info.uai)
  expectType<string | undefined>(info.ssl)
  expectType<string | undefined>(info.sslh)
  expectType<string | undefined>(info.ja4)
  expectType<string | undefined>(info.h2)
  expectType<string | undefined>(info.sni)
  expectType<string | undefined>(info.alpn)
  expectType<string | undefined>(info.tlsVersion)
  expectType<string | undefined>(info.h2)
  expectType<string | undefined>(info.ac)
  expectType<string | undefined>(info.ach)
  expectType<string>(info.ho)
  expectType<string>(info.hoh)
  expectType<number | undefined>(info.status)
  expectType<number | undefined>(info.responseTime)
  expectType<boolean>(info.aborted)
  expectType<string | number | undefined>(info.user)
  expectType<boolean | undefined>(info.mfa)
  expectType<boolean | undefined>(info.captcha)

  // uai may be missing (no User-Agent header): reading through it needs a check.
  expectNotAssignable<requestInfo.UserAgentInfo>(info.uai)
  if (info.uai !== undefined) expectAssignable<object>(info.uai.browser)

  // What the plugin measured is read-only for the application...
  expectError(info.realIp = '10.0.0.1')
  expectError(info.ip = '10.0.0.1')
  expectError(info.uah = 'ffffffffffffffff')
  expectError(info.hoh = '')
  expectError(info.serviceName = 'other')
  expectError(info.ips = [])
  expectError(request.requestInfo.path = '/')

  // ...while the application's own fields are written by the application.
  info.user = 'u-42'
  info.user = 42
  info.user = undefined
  info.mfa = true
  info.captcha = false
  expectError(info.user = true)
  expectError(info.mfa = 'yes')
  expectError(info.captcha = 1)

  // RequestInfoCustom is extended by declaration merging (top of this file).
  expectType<requestInfo.RequestInfoCustom>(info.custom)
  expectType<string | undefined>(info.custom.tenant)
  expectType<'free' | 'pro' | undefined>(info.custom.plan)
  info.custom.tenant = 'acme'
  info.custom.plan = 'pro'
  expectError(info.custom.tenant = 7)
  expectError(info.custom.plan = 'enterprise')
  expectError(info.custom.unknownField)

  return reply.send(info)
})

// Hooks see the same typed requestInfo.
app.addHook('onResponse', async (request) => {
  expectType<number | undefined>(request.requestInfo.status)
  expectType<string>(request.requestInfo.realIp)
  expectType<readonly requestInfo.Threat[]>(request.requestInfo.threats)
  expectType<number>(request.requestInfo.threatScore)
  const threat = request.requestInfo.threats[0]
  expectType<requestInfo.ThreatKind>(threat.kind)
  expectType<string>(threat.rule)
  expectType<string>(threat.where)
  expectType<string>(threat.excerpt)
  expectType<number>(threat.score)
  expectError(request.requestInfo.threats.push(threat))
  expectType<requestInfo.Decision | undefined>(request.requestInfo.decision)
  const decision = request.requestInfo.decision
  if (decision !== undefined) {
    expectType<'allowed' | 'blocked' | 'banned' | 'rate-limited' | 'unavailable'>(decision.action)
    expectType<boolean>(decision.monitor)
    expectType<number | undefined>(decision.retryAfter)
    expectError(decision.monitor = false)
  }
  expectError(request.requestInfo.decision = undefined)
})

// ---------------------------------------------------------------------------------------------------
// fastify.requestInfo
// ---------------------------------------------------------------------------------------------------
expectType<requestInfo.RequestInfoApi>(app.requestInfo)
expectType<Readonly<requestInfo.RequestInfoCounters>>(app.requestInfo.counters)
expectType<number>(app.requestInfo.counters.records)
expectType<number>(app.requestInfo.counters.skipped)
expectType<number>(app.requestInfo.counters.aborted)
expectType<number>(app.requestInfo.counters.untrustedFingerprintHeaders)
expectType<Readonly<requestInfo.TransportCounters> | undefined>(app.requestInfo.transport)
expectType<number | undefined>(app.requestInfo.transport?.delivered)
expectError(app.requestInfo.transport = undefined)
expectType<number>(app.requestInfo.counters.invalidFingerprintHeaders)
expectType<number>(app.requestInfo.counters.tlsConnectionsRefused)
expectType<number>(app.requestInfo.counters.h2ConnectionsUnread)
expectType<number>(app.requestInfo.counters.errors)
expectType<number>(app.requestInfo.counters.attacks)
expectType<number>(app.requestInfo.counters.bodiesTruncated)
expectType<number>(app.requestInfo.counters.alerts)
expectType<readonly requestInfo.BehaviourScenario[]>(app.requestInfo.marked('203.0.113.7'))
expectType<number>(app.requestInfo.counters.denied)
expectType<number>(app.requestInfo.counters.bans)
expectType<number>(app.requestInfo.counters.limitsExceeded)
expectType<number>(app.requestInfo.counters.storeErrors)
expectType<number>(app.requestInfo.counters.rulesReloadsFailed)
expectType<Promise<requestInfo.Ban>>(app.requestInfo.ban('203.0.113.7'))
expectType<Promise<requestInfo.Ban>>(app.requestInfo.ban('203.0.113.7', { ttl: '1h', reason: 'abuse desk', mode: 'block' }))
expectError(app.requestInfo.ban('203.0.113.7', { ttl: true }))
expectType<Promise<boolean>>(app.requestInfo.unban('203.0.113.7'))
expectType<requestInfo.Ban[]>(app.requestInfo.bans())
expectType<number>(app.requestInfo.bans()[0].until)
expectType<requestInfo.Mode>(app.requestInfo.bans()[0].mode)
expectError(app.requestInfo.counters.records = 0)
expectError(app.requestInfo.counters = { records: 0, skipped: 0, aborted: 0, untrustedFingerprintHeaders: 0, invalidFingerprintHeaders: 0, errors: 0 })

// Inside a registered plugin the decorations are there too.
app.register(async function child (instance: FastifyInstance) {
  expectType<number>(instance.requestInfo.counters.records)
})
