import { test } from 'tap'
import { createDetection } from '../lib/detect/index'
import { sensitiveFile, webShell } from '../lib/detect/signatures/sensitive-file'

const detection = createDetection({ paranoia: 1, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [sensitiveFile, webShell])
const rules = (url: string) => detection.request({ url, headers: {} }).map((f) => `${f.rule}:${f.score}`)

test('secrets in the path are critical', async (t) => {
  for (const url of ['/.env', '/app/.env.production', '/.git/config', '/.git/HEAD', '/.svn/entries', '/.hg/hgrc', '/.htpasswd',
    '/home/user/.ssh/id_rsa', '/id_ed25519', '/.aws/credentials', '/.npmrc', '/.bash_history', '/.mysql_history',
    '/WEB-INF/web.xml', '/wp-config.php.bak', '/wp-config.old', '/%2e%65nv', '/%252egit/config', '/.GIT/config']) {
    t.same(rules(url), ['sensitive-file-secret:5'], url)
  }
  t.same(detection.request({ url: '/.env', headers: {} })[0], { kind: 'sensitive-file', rule: 'sensitive-file-secret', where: 'path', excerpt: '/.env', score: 5 })
})

test('backups, dumps, keys, restricted and information files', async (t) => {
  t.same(rules('/index.php.bak'), ['sensitive-file-backup:5'])
  t.same(rules('/config.yml~'), ['sensitive-file-backup:5'])
  t.same(rules('/index.php.swp'), ['sensitive-file-backup:5'])
  t.same(rules('/backup.sql.gz'), ['sensitive-file-backup:5'])
  t.same(rules('/db.sql'), ['sensitive-file-backup:5'])
  t.same(rules('/report.pdf.old'), ['sensitive-file-archive:4'])
  t.same(rules('/www.tar.gz'), ['sensitive-file-archive:4'])
  t.same(rules('/backup-2024-01-01.zip'), ['sensitive-file-archive:4'])
  t.same(rules('/server.key'), ['sensitive-file-key:4'])
  t.same(rules('/.DS_Store'), ['sensitive-file-restricted:5'])
  t.same(rules('/.htaccess'), ['sensitive-file-restricted:5'])
  t.same(rules('/.claude/settings.json'), ['sensitive-file-restricted:5'], 'a hidden directory')
  t.same(rules('/composer.json'), ['sensitive-file-restricted:5'])
  t.same(rules('/Dockerfile'), ['sensitive-file-restricted:5'])
  t.same(rules('/@fs/etc/passwd'), ['sensitive-file-restricted:5'])
  t.same(rules('/phpinfo.php'), ['sensitive-file-restricted:5'])
  t.same(rules('/elmah.axd'), ['sensitive-file-info:4'])
  t.same(rules('/server-status'), ['sensitive-file-info:4'])
  t.same(rules('/.listing'), ['sensitive-file-hidden:3'])
  t.same(rules('/WEB-INF;x/web.xml'), ['sensitive-file-secret:5'], 'a path parameter does not hide the segment')
})

test('ordinary paths stay quiet', async (t) => {
  for (const url of ['/', '/.well-known/acme-challenge/abc', '/.well-known/security.txt', '/environment', '/envelope.png',
    '/api/v1/users/42', '/static/app.9f3c.js', '/downloads/product-manual.zip', '/blog/git-tips', '/test.php',
    '/file.jsp', '/www/delivery/lg.php', '/images/key.png', '/keys', '/a/b/../c', '/wp-config.php.html/x', '/index.html?x=.env']) {
    t.same(rules(url), [], url)
  }
})

test('web shells by name', async (t) => {
  for (const url of ['/c99.php', '/uploads/c99shell.php', '/r57.php', '/wso2.8.5.php', '/b374k-2.8.php', '/alfa3.php',
    '/Worse_Linux_Shell.php', '/s72_Shell.php', '/shell.php', '/cmd.asp', '/cmd.jsp', '/wp-content/uploads/indoxploit.php5']) {
    t.same(rules(url), ['web-shell-name:5'], url)
  }
  for (const url of ['/shellfish.php', '/c99', '/shell', '/commands.php', '/alfa.html', '/shell.php/x']) t.same(rules(url), [], url)
})

test('a directory deep in a long path is found, in one search per rule', async (t) => {
  const start = Date.now()
  const deep = '/a'.repeat(5000)
  t.same(rules(deep + '/.git/x'), ['sensitive-file-secret:5'], 'past 64 segments (once only the last was read)')
  t.same(rules(deep + '/.idea/x'), ['sensitive-file-restricted:5'])
  t.same(rules(deep + '/WEB-INF;x/web.xml'), ['sensitive-file-secret:5'], 'a path parameter after the name')
  t.same(rules('/..'.repeat(10000) + '/x'), [])
  t.same(rules('/.well-known'.repeat(5000) + '/x'), [])
  t.same(rules('/'.repeat(60000)), [])
  t.ok(Date.now() - start < 1000, 'in linear time')
})
