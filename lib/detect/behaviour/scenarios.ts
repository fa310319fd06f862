// What makes one finished request an event of a behaviour scenario: status codes, path shapes, findings.
// The capacities, leak speeds and blackholes are those of the CrowdSec hub scenarios of the same names
// (crowdsecurity/hub, scenarios/crowdsecurity/*.yaml); the path lists are this project's own.

/** Scenarios counted in a leaky bucket per source. */
export type BucketScenario =
  | 'http-probing' | 'http-admin-interface-probing' | 'http-sensitive-files' | 'http-bf-login'
  | 'http-bad-user-agent' | 'http-backdoors-attempts' | 'http-path-traversal-probing'
  | 'http-sqli-probing' | 'http-xss-probing'

/** Every alert's `scenario`. */
export type Scenario = BucketScenario | 'repeated-attacks' | 'distributed-attack'

/** A leaky bucket: it overflows on the (capacity + 1)-th event that arrives while it is full, and one event leaks out every `leakMs`. */
export interface BucketSettings {
  capacity: number
  leakMs: number
  /** After an alert the scenario ignores the source this long, so that one burst gives one alert. */
  blackholeMs: number
}

/** A documented scenario: the README table is made of these. */
export interface ScenarioInfo {
  readonly id: Scenario
  /** One line: what counts as an event. */
  readonly summary: string
  /** What the events are grouped by. */
  readonly key: 'source' | 'source + host' | 'host'
  /** Bucket scenarios: the default capacity, leak and blackhole (option `buckets`). */
  readonly defaults?: BucketSettings
}

interface BucketSpec extends ScenarioInfo {
  readonly id: BucketScenario
  readonly defaults: BucketSettings
  /** Only the first request for each distinct request-target counts (a scan tries many; a reload repeats one). */
  readonly distinct: boolean
  /** The alert's summary: "<count> <noun> in <duration>". */
  readonly noun: string
}

const S = 1000
const MIN = 60 * S

export const BUCKETS: readonly BucketSpec[] = [
  { id: 'http-probing', key: 'source + host', distinct: true, noun: 'requests for missing or forbidden paths', defaults: { capacity: 10, leakMs: 10 * S, blackholeMs: 5 * MIN }, summary: 'Responses 404, 403 or 400 to distinct request-targets that are not static files (scripts, styles, images, fonts, media).' },
  { id: 'http-admin-interface-probing', key: 'source', distinct: true, noun: 'requests for admin interfaces', defaults: { capacity: 2, leakMs: 10 * S, blackholeMs: MIN }, summary: 'Responses 404 or 403 to admin consoles in the first four path segments: /admin, /administrator, phpMyAdmin, Adminer, WordPress, Tomcat manager, JBoss, Jenkins, Cisco ASA, cPanel, Webmin.' },
  { id: 'http-sensitive-files', key: 'source', distinct: true, noun: 'requests for sensitive files', defaults: { capacity: 4, leakMs: 5 * S, blackholeMs: 5 * MIN }, summary: 'Requests with a sensitive-file finding, for a hidden path (a segment starting with a dot, except /.well-known), or for a dump, backup or key file.' },
  { id: 'http-bf-login', key: 'source', distinct: false, noun: 'failed logins', defaults: { capacity: 5, leakMs: 10 * S, blackholeMs: MIN }, summary: 'Responses 401 or 403 to a POST, or to a login route (option loginPaths).' },
  { id: 'http-bad-user-agent', key: 'source', distinct: false, noun: 'requests from a scanner user agent', defaults: { capacity: 1, leakMs: MIN, blackholeMs: 2 * MIN }, summary: 'Requests with a `scanner` finding (a security scanner\'s User-Agent).' },
  { id: 'http-backdoors-attempts', key: 'source', distinct: true, noun: 'requests for web-shell names', defaults: { capacity: 1, leakMs: 5 * S, blackholeMs: 5 * MIN }, summary: 'Requests with a `web-shell` finding (a known backdoor file name).' },
  { id: 'http-path-traversal-probing', key: 'source', distinct: true, noun: 'path traversal attempts', defaults: { capacity: 3, leakMs: 10 * S, blackholeMs: 2 * MIN }, summary: 'Requests with an `lfi` finding (path traversal, OS file names).' },
  { id: 'http-sqli-probing', key: 'source', distinct: true, noun: 'SQL injection attempts', defaults: { capacity: 10, leakMs: S, blackholeMs: 5 * MIN }, summary: 'Requests with an `sqli` finding.' },
  { id: 'http-xss-probing', key: 'source', distinct: true, noun: 'XSS attempts', defaults: { capacity: 5, leakMs: S, blackholeMs: 5 * MIN }, summary: 'Requests with an `xss` finding.' }
]

/** Every scenario, in the order `observe` reports alerts. */
export const SCENARIOS: readonly ScenarioInfo[] = [
  ...BUCKETS.map(({ id, summary, key, defaults }) => ({ id, summary, key, defaults })),
  { id: 'repeated-attacks', key: 'source', summary: 'Attacks (threat score at least `attackScore` with a finding other than `script-client`): `attackThreshold` of them within `attackWindowMs`.' },
  { id: 'distributed-attack', key: 'host', summary: '`hostSources` distinct attacking sources against one Host within `hostWindowMs`.' }
]

/** Login routes of common frameworks and applications; a path counts when it equals one or lies under it. */
export const DEFAULT_LOGIN_PATHS: readonly string[] = [
  '/login', '/log-in', '/logon', '/signin', '/sign-in', '/sign_in', '/auth', '/authenticate', '/session', '/sessions',
  '/token', '/oauth/token', '/oauth2/token', '/user/login', '/users/login', '/users/sign_in', '/account/login',
  '/accounts/login', '/admin/login', '/administrator/index.php', '/wp-login.php', '/xmlrpc.php',
  '/api/login', '/api/auth', '/api/session', '/api/sessions', '/api/token', '/api/v1/auth', '/api/v1/login'
]

// Extensions of files a page loads by the dozen, whose 404s are broken links rather than probes.
const STATIC = new Set([
  'js', 'mjs', 'css', 'map', 'png', 'jpg', 'jpeg', 'gif', 'ico', 'svg', 'webp', 'avif', 'bmp', 'tif', 'tiff',
  'woff', 'woff2', 'ttf', 'otf', 'eot', 'mp3', 'mp4', 'm4a', 'webm', 'ogg', 'ogv', 'wav', 'flac', 'webmanifest'
])

// Names of admin consoles, matched at the start of a path segment when no letter follows (`phpmyadmin2017`,
// `admin.php`, `wp-login.php`), so that words such as `administration` or `pmaps` do not count.
const ADMIN_PREFIXES = byFirstChar([
  'admin', 'administrator', 'adminer', 'phpmyadmin', 'myadmin', 'mysqladmin', 'phppgadmin', 'pgadmin', 'sqladmin',
  'dbadmin', 'webadmin', 'siteadmin', 'wp-admin', 'wp-login', 'cpanel', 'whm', 'webmin', 'jmx-console',
  'web-console', 'jenkins', 'hudson', '+cscoe+', '+cscol+', 'pma'
], 0)
// `manager` is Tomcat's console only with its sub-path.
const TOMCAT = /\/manager\/(?:html|status|text)\b/
const NO_NAMES: readonly string[] = []

// Files of these types hold data, not pages: database dumps, editor and backup copies, keys, key stores.
const SENSITIVE_EXTENSIONS = new Set([
  'sql', 'dump', 'bak', 'backup', 'old', 'orig', 'save', 'swp', 'pem', 'key', 'ppk', 'p12', 'pfx', 'jks',
  'keystore', 'kdbx', 'sqlite', 'sqlite3', 'mdb'
])
// Compressed dumps: `.sql.gz`.
const COMPRESSED = new Set(['gz', 'zip', 'bz2', 'xz', '7z'])
// SSH private keys, by their whole names (no extension).
const KEY_NAMES = new Set(['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519'])

/** Names grouped by their character at `offset`, so that a path is compared with a few of them only. */
function byFirstChar (names: readonly string[], offset: number): ReadonlyMap<number, readonly string[]> {
  const out = new Map<number, string[]>()
  for (const name of names) {
    const c = name.charCodeAt(offset)
    out.set(c, [...(out.get(c) ?? []), name])
  }
  return out
}

/** The path of a request-target, lowercased, without its query; cut to 2 KB (probed names are short). */
export function pathOf (url: string): string {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  return (path.length > 2048 ? path.slice(0, 2048) : path).toLowerCase()
}

/** A script, style, image, font or media file, by the extension of the last segment. */
export function isStatic (path: string): boolean {
  const slash = path.lastIndexOf('/')
  const dot = path.lastIndexOf('.')
  return dot > slash && STATIC.has(path.slice(dot + 1))
}

/** A segment of the path names an admin console. */
export function isAdmin (path: string): boolean {
  let start = path.indexOf('/') + 1
  // A probe names the console within the first few segments; deeper ones are application paths.
  for (let n = 0; n < 4 && start > 0 && start < path.length; n++) {
    for (const prefix of ADMIN_PREFIXES.get(path.charCodeAt(start)) ?? NO_NAMES) {
      if (path.startsWith(prefix, start)) {
        const after = path.charCodeAt(start + prefix.length)
        if (!(after >= 0x61 && after <= 0x7a)) return true
      }
    }
    start = path.indexOf('/', start) + 1
  }
  return TOMCAT.test(path)
}

/**
 * A hidden path (Unix dot-files and dot-directories: VCS metadata, shell histories, credentials, `.env`),
 * except `/.well-known/` (RFC 8615); a file of a dump, backup or key type; an editor's backup (`~`); an SSH
 * private key or IIS's web.config by name.
 */
export function isSensitivePath (path: string): boolean {
  let at = path.indexOf('/.')
  while (at !== -1) {
    const next = path.charCodeAt(at + 2)
    // `/./` and `/../` are relative segments, not hidden names.
    const relative = next === 0x2f || Number.isNaN(next) || (next === 0x2e && (path.length === at + 3 || path.charCodeAt(at + 3) === 0x2f))
    if (!relative && !path.startsWith('/.well-known', at)) return true
    at = path.indexOf('/.', at + 2)
  }
  const end = path.endsWith('/') ? path.length - 1 : path.length
  if (path.charCodeAt(end - 1) === 0x7e) return true
  const slash = path.lastIndexOf('/', end - 1)
  const dot = path.lastIndexOf('.', end - 1)
  if (dot <= slash) return path.startsWith('id_', slash + 1) && KEY_NAMES.has(path.slice(slash + 1, end))
  const extension = path.slice(dot + 1, end)
  return SENSITIVE_EXTENSIONS.has(extension) || (COMPRESSED.has(extension) && path.endsWith('.sql', dot)) ||
    // IIS's configuration file, by its whole name.
    (end - slash === 11 && path.startsWith('web.config', slash + 1))
}

/** Login paths prepared for `isLoginPath`: lowercased, grouped by the character after the leading '/'. */
export function loginRoutes (paths: readonly string[]): ReadonlyMap<number, readonly string[]> {
  return byFirstChar(paths.map((p) => p.toLowerCase()), 1)
}

/** The path equals one of the login routes or lies under it. */
export function isLoginPath (path: string, routes: ReadonlyMap<number, readonly string[]>): boolean {
  const end = path.length > 1 && path.endsWith('/') ? path.length - 1 : path.length
  for (const p of routes.get(path.charCodeAt(1)) ?? NO_NAMES) {
    if (path.startsWith(p) && (end === p.length || (end > p.length && path.charCodeAt(p.length) === 0x2f))) return true
  }
  return false
}
