import type { Detector } from './types.js'
import { sqli } from './signatures/sqli.js'
import { xss } from './signatures/xss.js'
import { lfi } from './signatures/lfi.js'
import { rfi } from './signatures/rfi.js'
import { rce } from './signatures/rce.js'
import { php } from './signatures/php.js'
import { java } from './signatures/java.js'
import { scanner, scriptClient } from './signatures/scanner.js'
import { sensitiveFile, webShell } from './signatures/sensitive-file.js'
import { ssrf } from './signatures/ssrf.js'
import { prototypePollution } from './signatures/prototype-pollution.js'
import { nosql } from './signatures/nosql.js'

/** Every signature family, in the order findings are reported. */
export const DETECTORS: readonly Detector[] = [
  sqli, xss, lfi, rfi, rce, php, java, scanner, scriptClient, sensitiveFile, webShell, ssrf, prototypePollution, nosql
]
