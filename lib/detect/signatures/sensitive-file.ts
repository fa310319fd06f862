/**
 * Probes for files a site must never serve (CRS 930130 and the restricted extensions of 920440, CrowdSec's
 * http-sensitive-files and http-backdoors-attempts, for the idea), read from the URL path:
 * - secrets: `.env`, version-control metadata (`.git/`, `.svn/`, `.hg/`), `.htpasswd`, SSH keys, cloud and
 *   package-manager credentials, shell and database histories, `WEB-INF/`, editor copies of `wp-config.php`;
 * - backups and dumps: `.bak`, `.old`, `.swp`, `~` copies (of scripts: their source), `.sql` dumps, archives
 *   named like a copy of the site;
 * - private keys by extension (`.pem`, `.key`, `.p12`...);
 * - hidden directories (editor, tool and AI-agent settings: `.idea/`, `.claude/`) and the rest of CRS
 *   restricted-files (`.htaccess`, `.DS_Store`, `composer.json`, `debug.log`);
 * - information pages: `phpinfo.php`, `server-status`, `docker-compose.yml`;
 * - web shells an attacker may have left behind (`c99.php`, `r57.php`, `wso.php`, `b374k`...).
 */
import { Char } from '../chars.js'
import { active, report } from '../report.js'
import { Place, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { CRS_DOT_NAMES, CRS_FILE_NAMES } from './data/sensitive-file-crs.js'
import { WEB_SHELL } from './data/web-shell-names.js'

const SECRET: Rule = {
  id: 'sensitive-file-secret',
  kind: 'sensitive-file',
  paranoia: 1,
  score: 5,
  summary: 'A file holding secrets: `.env`, `.git/`, `.svn/`, `.htpasswd`, `id_rsa`, `.aws/credentials`, `.npmrc`, shell histories, `WEB-INF/`, `wp-config.php.bak`'
}
const BACKUP: Rule = {
  id: 'sensitive-file-backup',
  kind: 'sensitive-file',
  paranoia: 1,
  score: 5,
  summary: 'A backup of a script or configuration (`index.php.bak`, `config.yml~`, `.php.swp`) or a database dump (`.sql`, `.sql.gz`, `.dump`)'
}
const ARCHIVE: Rule = {
  id: 'sensitive-file-archive',
  kind: 'sensitive-file',
  paranoia: 1,
  score: 4,
  summary: 'A backup copy (`.bak`, `.old`, `.orig`, `.swp`, `~`) or an archive named like a dump of the site (`backup.zip`, `www.tar.gz`)'
}
const KEY: Rule = {
  id: 'sensitive-file-key',
  kind: 'sensitive-file',
  paranoia: 1,
  score: 4,
  summary: 'A private key or keystore by extension: `.key`, `.pem`, `.ppk`, `.p12`, `.pfx`, `.jks`, `.keystore`, `.kdbx`'
}
const RESTRICTED: Rule = {
  id: 'sensitive-file-restricted',
  kind: 'sensitive-file',
  paranoia: 1,
  score: 5,
  summary: 'A hidden directory (`/.claude/`, `/.idea/`; not `/.well-known/`) or a CRS restricted file: `.htaccess`, `.DS_Store`, `composer.json`, `debug.log`'
}
const INFO: Rule = {
  id: 'sensitive-file-info',
  kind: 'sensitive-file',
  paranoia: 1,
  score: 4,
  summary: 'An information page or file: `phpinfo.php`, `server-status`, `docker-compose.yml`, `elmah.axd`, `id_rsa.pub`, `wp-config.php`'
}
const HIDDEN: Rule = {
  id: 'sensitive-file-hidden',
  kind: 'sensitive-file',
  paranoia: 1,
  score: 3,
  summary: 'Any other hidden file as the last path segment (`/.listing`, `/.cvsignore`): a dotfile probe'
}
const SHELL: Rule = {
  id: 'web-shell-name',
  kind: 'web-shell',
  paranoia: 1,
  score: 5,
  summary: 'A known web-shell file name: `c99.php`, `r57.php`, `wso.php`, `b374k`, `alfa`, `shell.php`, `cmd.asp`...'
}

/** Dot-names whose content is a credential, a key or a repository (`.git` gives the whole source). */
const SECRET_DOT_NAMES = new Set([
  '.env', '.git', '.svn', '.hg', '.bzr', '.cvs', '.htpasswd', '.htdigest', '.ssh', '.aws', '.azure', '.kube', '.docker',
  '.gnupg', '.npmrc', '.pypirc', '.netrc', '.pgpass', '.git-credentials', '.my.cnf', '.mylogin.cnf', '.s3cfg', '.boto',
  '.password-store', '.vault-token', '.credentials', '.secrets', '.passwd', '.google_authenticator', '.ftpconfig',
  '.remote-sync.json', '.deployment-secrets.txt', '.lighttpdpassword', '.terraformrc', '.dockercfg', '.composer',
  '.history', '.sh_history', '.zsh_history', '.ksh_history', '.mysql_history', '.psql_history', '.sqlite_history',
  '.rediscli_history', '.node_repl_history', '.python_history', '.php_history', '.dbshell', '.wp-config.php.swp'
])
/** Whole names (last segment) holding secrets. */
const SECRET_NAMES = new Set([
  'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'id_rsa.ppk', 'credentials.json', 'secrets.json', 'secrets.yml',
  'secrets.yaml', 'user_secrets.yml', 'sftp-config.json', 'ftp-sync.json', 'sendgrid.env', 'initial_root_password'
])
/** Directory names (any segment) that servlet containers and IIS keep private. */
const SECRET_DIRECTORIES = new Set(['web-inf', 'meta-inf', 'app_data'])
/** Vite's dev-server file endpoints (`/@fs/etc/passwd`, CVE-2025-30208 and kin). */
const RESTRICTED_DIRECTORIES = new Set(['@fs', '@id'])
/** Other information leaks, as the last segment: status pages and probes for them. */
const INFO_NAMES = new Set([
  'phpinfo.php', 'info.php', 'php_info.php', 'server-status', 'server-info', 'docker-compose.yml', 'docker-compose.yaml',
  'elmah.axd', 'trace.axd', 'heapdump', 'authorized_keys', 'known_hosts', 'id_rsa.pub', 'wp-config.php'
])

/** Script and configuration extensions: a backup of one of these serves its source or settings as text. */
const SOURCE = 'php\\d?|phtml|inc|asp|aspx|ascx|config|jsp|jspx|py|rb|pl|cgi|cfm|js|ts|java|go|conf|cnf|cfg|ini|env|ya?ml|json|xml|properties|toml|sql|sh'
const SOURCE_BACKUP = new RegExp(`\\.(?:${SOURCE})(?:\\.(?:bak|backup|bk|old|orig|save|sav|swp|swo|tmp|copy|dist|txt|\\d{1,3})|~|_\\d{1,8})$`)
/** Database dumps (mysqldump, pg_dump), also compressed. */
const DUMP = /\.(?:sql|dump|mdb|accdb|sqlite3?|db3)(?:\.(?:gz|bz2|xz|zip|7z|rar|tar|tgz|z))?$/
/** Editor and copy suffixes of any file. */
const COPY = /(?:\.(?:bak|backup|bk|old|orig|save|sav|swp|swo|copy)|~)$/
/** Archives named like a copy of the site or its database. */
const SITE_ARCHIVE = /^(?:backups?|site|www|wwwroot|htdocs|public_html|web|website|db|database|dump|data|html|home|root|old|bak|archive|src|source|code|app|files|sql|httpdocs|public|release|full|latest)[-_.]?[\d-]{0,16}\.(?:zip|rar|7z|tar|tar\.gz|tgz|tar\.bz2|tbz2?|gz|bz2|xz|tar\.xz)$/
const KEY_FILE = /\.(?:key|pem|ppk|p12|pfx|jks|keystore|kdbx|asc|gpg|ovpn)$/

const escape = (name: string): string => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const SECRET_DOTS = [...SECRET_DOT_NAMES].map((n) => escape(n.slice(1))).join('|')

/**
 * What the segments before the last can give, found by one search each instead of a walk over every segment:
 * a secret (`/.git/`, `/WEB-INF/`, `/.env.local/`) and any other hidden or dev-server directory (not `.`, `..`,
 * or a secret; a site publishes nothing under a hidden directory but `/.well-known/`, RFC 8615). A segment
 * name ends at `/`, and also at `\` or `;` when `split` (see inspect).
 */
function directoryPatterns (end: string): { secret: RegExp, restricted: RegExp } {
  return {
    secret: new RegExp(`(?:^|/)(?:\\.(?:${SECRET_DOTS})(?=${end})|\\.env[._-]|\\.bash_|(?:${[...SECRET_DIRECTORIES].join('|')})(?=${end}))`),
    restricted: new RegExp(`(?:^|/)(?:\\.(?!(?:\\.?|well-known|${SECRET_DOTS})(?=${end})|env[._-]|bash_)|(?:${[...RESTRICTED_DIRECTORIES].join('|')})(?=${end}))`)
  }
}
const WHOLE = directoryPatterns('/|$')
const SPLIT = directoryPatterns('[/\\\\;]|$')

/** One of the rules for the last segment `name` (the segments before it: see directoryPatterns). */
function segmentRule (name: string): Rule | null {
  if (name.charCodeAt(0) === 0x2e) {
    if (name === '.' || name === '..' || name === '.well-known') return null
    if (SECRET_DOT_NAMES.has(name)) return SECRET
    // `.env.local`, `.env.production`, `.env_backup`; `.bash_history`, `.bash_profile`.
    if (/^\.env[._-]/.test(name) || name.startsWith('.bash_')) return SECRET
    return CRS_DOT_NAMES.has(name) ? RESTRICTED : HIDDEN
  }
  if (SECRET_DIRECTORIES.has(name)) return SECRET
  if (SECRET_NAMES.has(name)) return SECRET
  // Every name below has an extension or a `~`.
  if (name.indexOf('.') === -1 && name.indexOf('~') === -1) return CRS_FILE_NAMES.has(name) ? RESTRICTED : INFO_NAMES.has(name) ? INFO : null
  // `wp-config.php.bak`, `wp-config.old`, `wp-config.php~`: only `wp-config.php` itself runs instead of printing.
  if (name.startsWith('wp-config') && name !== 'wp-config.php') return SECRET
  if (SOURCE_BACKUP.test(name) || DUMP.test(name)) return BACKUP
  if (COPY.test(name) || SITE_ARCHIVE.test(name)) return ARCHIVE
  if (KEY_FILE.test(name)) return KEY
  if (CRS_FILE_NAMES.has(name)) return RESTRICTED
  if (INFO_NAMES.has(name)) return INFO
  return null
}

/** Probes for secrets, backups, keys and configuration files in the URL path. */
export const sensitiveFile: Detector = {
  kind: 'sensitive-file',
  rules: [SECRET, BACKUP, RESTRICTED, ARCHIVE, KEY, INFO, HIDDEN],
  places: Place.path,
  triggers: 0,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    const path = value.text
    // Backslashes separate segments on IIS; a `;` starts path parameters a servlet container drops.
    const split = (value.chars & (Char.backslash | Char.semicolon)) !== 0
    const patterns = split ? SPLIT : WHOLE
    for (const [rule, pattern] of [[SECRET, patterns.secret], [RESTRICTED, patterns.restricted]] as const) {
      const match = active(rule, scope) ? pattern.exec(path) : null
      if (match === null) continue
      const start = match.index + (path.charCodeAt(match.index) === 0x2f ? 1 : 0)
      const end = path.indexOf('/', start)
      // A hidden name that is the last segment is the last segment's to judge; no directory follows it.
      if (end !== -1 || rule === SECRET) report(out, rule, value, start, (end === -1 ? path.length : end) - start)
    }
    // The last segment: files, and names that count only there.
    const start = path.lastIndexOf('/') + 1
    if (start === path.length) return
    let name = path.slice(start)
    if (split) {
      const cut = name.search(/[\\;]/)
      if (cut > 0) name = name.slice(0, cut)
    }
    const found = segmentRule(name)
    if (found !== null && active(found, scope)) report(out, found, value, start, path.length - start)
  }
}

/** Known web-shell file names as the last segment of the URL path. */
export const webShell: Detector = {
  kind: 'web-shell',
  rules: [SHELL],
  places: Place.path,
  triggers: 0,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    if (!active(SHELL, scope)) return
    const slash = value.text.lastIndexOf('/')
    const name = value.text.slice(slash + 1)
    if (name.length > 2 && WEB_SHELL.test(name)) report(out, SHELL, value, slash + 1, name.length)
  }
}
