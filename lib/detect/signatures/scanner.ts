/**
 * Who is asking, by User-Agent: security scanners and attack tools announce themselves (CRS 913100 for the
 * idea), while HTTP libraries and command-line clients are only a hint. CRS v4 dropped its script-client list
 * after false-positive complaints, so a script client scores 1: it adds weight to other findings and to the
 * behaviour windows, and never makes an attack or a ban on its own. Crawlers (Googlebot, bingbot) are neither.
 */
import { active, reportMatch } from '../report.js'
import { Place, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { CRS_SCANNER_USER_AGENTS } from './data/scanner-user-agents.js'

const SCANNER: Rule = {
  id: 'scanner-user-agent',
  kind: 'scanner',
  paranoia: 1,
  score: 5,
  summary: 'The User-Agent names a security scanner or attack tool (nikto, sqlmap, nuclei, masscan, wpscan...; CRS scanners-user-agents)'
}

const SCRIPT_CLIENT: Rule = {
  id: 'script-client-user-agent',
  kind: 'script-client',
  paranoia: 1,
  score: 1,
  summary: 'The User-Agent is an HTTP library or command-line client (curl, wget, python-requests, Go-http-client...): a hint only'
}

/**
 * Tools missing from the CRS list, by the names their default User-Agents carry: ffuf ("Fuzz Faster U Fool",
 * already in CRS), dirsearch, nosqlmap, jaeles, dalfox, Invicti (Netsparker's new name), Burp Collaborator
 * payloads, WebInspect, Paros, struts-pwn, Grabber, Nmap's scripting engine.
 */
const MORE_SCANNERS = [
  'dirsearch', 'nosqlmap', 'jaeles', 'dalfox', 'invicti', 'burpcollaborator', 'webinspect', 'paros/', 'struts-pwn',
  'grabber/', 'nmap scripting engine', 'brutus/', 'bbqsql', 'wpscan', 'fuzz faster u fool', 'dirb/', 'httprint',
  'metasploit', 'teh forest lobster', 'nasl', 'crimsonscan', 'x-scan'
]

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

// A name counts when no letter or digit touches its start and no letter its end, so `nmap` is found in
// "Nmap Scripting Engine" and "nmap/7.9" but `vega` is not in "Vegas" and `nasl` is not in "pinasl".
const SCANNER_PATTERN = new RegExp(
  '(?<![a-z0-9])(?:' + [...new Set([...CRS_SCANNER_USER_AGENTS, ...MORE_SCANNERS])].map(escape).join('|') + ')(?![a-z])'
)

/**
 * HTTP libraries and clients, by the product token their default User-Agent starts with (RFC 9110 §10.1.5:
 * `product/version`), and Windows PowerShell, whose token follows a browser-like prefix.
 */
const SCRIPT_PATTERN = new RegExp(
  '^(?:curl|wget|libcurl|pycurl|python-requests|python-urllib|python-httpx|python/|aiohttp|urllib3|httpx|httplib2|' +
  'libwww-perl|lwp::simple|lwp-request|mechanize|go-http-client|go-resty|java/|apache-httpclient|okhttp|jersey|' +
  'axios|node-fetch|undici|node|got|deno|bun|ruby|faraday|rest-client|typhoeus|guzzlehttp|php|zend_http_client|' +
  'http_request2|winhttp|httpie|scrapy|dart|reqwest|rust-reqwest|hyper|powershell|wordpress|lua-resty-http)' +
  '(?![a-z])|windowspowershell/'
)

/** Security scanners by User-Agent: a critical finding, as in CRS. */
export const scanner: Detector = {
  kind: 'scanner',
  rules: [SCANNER],
  places: Place.userAgent,
  triggers: 0,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    if (active(SCANNER, scope)) reportMatch(out, SCANNER, value, SCANNER_PATTERN)
  }
}

/** HTTP libraries and command-line clients by User-Agent: score 1, a hint for the behaviour windows. */
export const scriptClient: Detector = {
  kind: 'script-client',
  rules: [SCRIPT_CLIENT],
  places: Place.userAgent,
  triggers: 0,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    if (active(SCRIPT_CLIENT, scope)) reportMatch(out, SCRIPT_CLIENT, value, SCRIPT_PATTERN)
  }
}
