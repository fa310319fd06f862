import { test } from 'tap'
import { createDetection, threatScore, type Paranoia } from '../lib/detect/index.js'
import { sqli, SQLI_RULES } from '../lib/detect/signatures/sqli.js'
import { sqlView } from '../lib/detect/signatures/sqli-normalize.js'

function detection (paranoia: Paranoia = 1, disable: string[] = []) {
  return createDetection({ paranoia, disable, bodyLimit: 65536, userAgentCacheSize: 16 }, [sqli])
}

/** Rule ids found when `value` is sent (percent-encoded) as query parameter `q`. */
function rules (value: string, paranoia: Paranoia = 1): string[] {
  return detection(paranoia).request({ url: '/p?q=' + encodeURIComponent(value), headers: {} }).map((t) => t.rule)
}

test('every rule is documented, sqli-prefixed and scored', async (t) => {
  for (const rule of SQLI_RULES) {
    t.match(rule.id, /^sqli(-[a-z0-9]+)+$/)
    t.equal(rule.kind, 'sqli')
    t.ok(rule.summary.length > 10, rule.id)
    t.ok(rule.score >= 1 && rule.score <= 5, rule.id)
  }
})

test('the SQL reading folds comments and whitespace', async (t) => {
  t.equal(sqlView('union/**/select'), 'union select')
  t.equal(sqlView('/*!50000union*/ /*!50000select*/'), 'union select')
  t.equal(sqlView('union#x\nselect'), 'union select')
  t.equal(sqlView('union-- x\nselect'), 'union select')
  t.equal(sqlView('union\t\n\v select'), 'union select')
  t.equal(sqlView('union+all+select'), 'union all select')
  t.equal(sqlView("admin'--"), "admin'--", 'a trailing comment stays')
  t.equal(sqlView('plain text'), 'plain text')
  t.equal(sqlView('a /* never closed'), 'a')
})

// Each rule with attacks in several spellings: case, comments, whitespace, encodings.
const ATTACKS: Record<string, string[]> = {
  'sqli-union-select': ['1 UNION SELECT 1,2,3', '-1 UnIoN/**/aLl/**/SeLeCt null--', '1 /*!50000union*/ /*!50000select*/ 1', '1)union(select(1))', "x' union%0adistinct select 1"],
  'sqli-tautology': ["1' or '1'='1", '1" or "a"="a', '1234 OR 1=1', "x' and 526=527", "') or ('a'='a", "x'||1=1", "or '{\"a\":1}' ? 'a'"],
  'sqli-boolean-constant': ["x' or true--", '9999 or /*+hint*/ true'],
  'sqli-stacked-query': ['1; drop table users', "x';insert into t values(1)", '1;exec xp_cmdshell', '1; declare @q varchar(9)', '1;set @a=1'],
  'sqli-time-delay': ["1' and sleep(5)#", 'benchmark(5000000,md5(1))', "'; waitfor delay '0:0:5'--", 'select pg_sleep(5)', 'SLEEP/**/(5)'],
  'sqli-error-based': ["and extractvalue(1,concat(0x7e,version()))", 'updatexml(1,concat(0x7e,user()),1)', 'and exp(~(select*from(select user())x))'],
  'sqli-system-access': ['exec master..xp_cmdshell', "select load_file('/etc/passwd')", "into outfile '/var/www/x.php'", "lo_import('/etc/passwd')"],
  'sqli-schema-probe': ['select table_name from information_schema.tables', 'sysobjects', '@@version', 'database()', 'from `information_schema`.`columns`'],
  'sqli-function-call': ['concat(0x7e,1)', 'ascii(substring(x,1,1))', 'CHAR(65)', 'md5\\(1)', 'unhex (41)'],
  'sqli-subquery': ["x' and (select count(*) from users)>0", '1 and (select*from(select(1))x)'],
  'sqli-select-expression': ['select char(65)', 'select * from users', 'select 1,2,3'],
  'sqli-quote-clause': ["x' having 1=1", "x') order by 3", "x';select 1", "x' waitfor x"],
  'sqli-having': ['1 group by x having count(id) >= 9'],
  'sqli-order-probe': ["x' order by 5--", '1 order by 3#'],
  'sqli-conditional': ['if(1=1,1,0)', ') like (', '1234 as "foobar" from t'],
  'sqli-ddl': ['alter table `t` change `a` `b` text', 'create table t (a int)'],
  'sqli-pg-cast': ["'{\"b\":2}'::jsonb", 'password::int'],
  'sqli-number-split': ['1.e(ascii 1.e(1))', '1.e.tables'],
  'sqli-magic-number': ['4294967296', '2.2250738585072011e-308'],
  'sqli-comment-code': ['/*!50000select*/ 1', 'x/*+ index(t) */'],
  'sqli-quote-comment': ["admin'--", "admin')#", "admin'/*"],
  'sqli-quote-space-comment': ["admin' -- x"],
  'sqli-quote-end': ["admin@example.com';"]
}

test('each rule finds its attacks and their evasions', async (t) => {
  for (const [id, values] of Object.entries(ATTACKS)) {
    for (const value of values) t.ok(rules(value).includes(id), `${id}: ${value} -> ${rules(value).join(',')}`)
  }
  t.ok(SQLI_RULES.every((r) => r.id in ATTACKS), 'every rule has attacks above')
})

// Text that looks a little like SQL and must stay below the threshold.
const BENIGN = [
  "o'connors union selected a few friends", 'select x from y where', 'user(login_name),images(url_170x135)',
  '1; exec will create the case 7', 'i like having true friends', 'necklace length 16" or 18"', '1950 or 1960',
  "dancin' like a robot on fire", '"like" stamp', 'tan (water resistant insulated) messenger', '3rd space(s)',
  "bamboo charcoal soap 1 '#", "foo bar'# blah", 'blue brown -ccbcustomdresses\' --infant -child', 'dress with hat 18\';',
  'str.trim()', 'und haßelt (1599)', "email='ortrue", 'gallery=1=5', '"sweater dress" and "christmas"',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  '(&(objectcategory=group)(grouptype:1.2.840.113556.1.4.803:=2147483648))', 'select your size', 'create table runner'
]

test('near misses stay below the threshold', async (t) => {
  const d = detection(1)
  for (const value of BENIGN) {
    const threats = d.request({ url: '/p?q=' + encodeURIComponent(value), headers: {} })
    t.ok(threatScore(threats) < 5, `${value} -> ${threats.map((x) => x.rule).join(',')}`)
  }
})

test('findings name the kind, the place and an excerpt', async (t) => {
  const threats = detection().request({
    url: '/contact/press_release_pop.php?id=-109+UNION+SELECT+1,2,3,4,CONCAT(0x6d7973716c6669,table_schema)+FROM+INFORMATION_SCHEMA.TABLES',
    headers: { referer: "http://x/?q=1' or '1'='1", 'user-agent': 'x"; waitfor delay \'0:0:5\'--' }
  })
  const byRule = new Map(threats.map((x) => [x.rule, x]))
  t.equal(byRule.get('sqli-union-select')?.where, 'query:id')
  t.equal(byRule.get('sqli-union-select')?.kind, 'sqli')
  t.match(byRule.get('sqli-union-select')?.excerpt, /union select/)
  t.equal(byRule.get('sqli-schema-probe')?.where, 'query:id')
  t.equal(byRule.get('sqli-tautology')?.where, 'header:referer')
  t.equal(byRule.get('sqli-time-delay')?.where, 'header:user-agent')
})

test('bodies, cookies and the path are read', async (t) => {
  const d = detection()
  const out = d.request({ url: "/item/1'%20or%201=1--", headers: { cookie: 'id=1%20union%20select%201' } })
  d.body({ search: { text: "x'; drop table users--" } }, 'application/json', out)
  t.same(out.map((x) => [x.rule, x.where]), [
    ['sqli-tautology', 'path'], ['sqli-union-select', 'cookie:id'], ['sqli-stacked-query', 'body:text'],
    ['sqli-quote-clause', 'body:text']
  ])
})

test('rules can be disabled; paranoia gates them', async (t) => {
  const off = detection(1, ['sqli-union-select']).request({ url: '/p?q=1%20union%20select%201', headers: {} })
  t.notOk(off.some((x) => x.rule === 'sqli-union-select'))
})

test('the SQL reading is the same with and without line breaks', async (t) => {
  t.equal(sqlView('  a+ /*x*/ +b  '), 'a b')
  t.equal(sqlView('a /*!1 b */ c'), 'a b c')
  t.equal(sqlView('a # x\n b # y'), 'a b # y', 'a line comment a line break ends is a space, the last one stays')
  t.equal(sqlView('a+'.repeat(4)), 'a a a a')
})

test('the SQL reading of long values, made in a buffer, is that of short ones', async (t) => {
  for (const [unit, read] of [['a\t', 'a '], ['a+/**/', 'a '], ['x/*!1 y*/', 'x y '], ['b#c\n', 'b '], ['\u0101\t', '\u0101 '], ['\u00e9--  \n', '\u00e9 ']]) {
    const long = unit.repeat(5000)
    t.equal(sqlView(long), read.repeat(5000).trimEnd(), `${JSON.stringify(unit)} x 5000`)
  }
  t.equal(sqlView('a\t'.repeat(30000) + 'union/**/select'), 'a '.repeat(30000) + 'union select', 'a keyword after padding is read')
  t.ok(rules('a\t'.repeat(30000) + "' union/**/select 1").includes('sqli-union-select'))
  t.ok(rules('a '.repeat(30000) + 'x=sleep(5)').includes('sqli-time-delay'), 'a word after padding is looked up')
})

test('long values are read whole, in bounded time', async (t) => {
  t.ok(rules("1' or 1=1--" + ' x'.repeat(20000)).includes('sqli-tautology'))
  t.ok(rules('x'.repeat(40000) + ' union select 1').includes('sqli-union-select'))
  // The middle of a long value is read too: padding does not hide an injection.
  t.ok(rules('x '.repeat(5000) + "1' union select password from users" + ' y'.repeat(5000)).includes('sqli-union-select'))
  t.ok(rules('a+'.repeat(8000) + 'sleep(5)' + '+a'.repeat(8000)).includes('sqli-time-delay'))
  t.ok(rules('concat '.repeat(3000) + 'x information_schema.tables ' + 'b '.repeat(3000)).includes('sqli-schema-probe'))
  t.same(rules('a+'.repeat(32768)), [], 'a hostile run of `a+` is no injection')
  // A quadratic pattern would take seconds here; the bound is loose for a loaded test machine.
  const d = detection(4)
  for (const unit of ["' or ", 'if(', '/*', 'select(', '#', "'a'='"]) {
    const url = '/p?q=' + encodeURIComponent(unit.repeat(Math.ceil(65536 / unit.length)))
    d.request({ url, headers: {} })
    const start = performance.now()
    d.request({ url, headers: {} })
    t.ok(performance.now() - start < 100, `${unit} x 64 KB`)
  }
})

test('a word repeated is looked up once; what differs from it is still read', async (t) => {
  t.ok(rules('sleep('.repeat(5000) + ' concat(1,2)').includes('sqli-function-call'), 'a call after 5,000 repeats of another')
  t.ok(rules('ascii hex '.repeat(5000) + 'concat(1,2)').includes('sqli-function-call'), 'after two listed words in turn, never called')
  t.ok(rules('concat '.repeat(5000) + 'concat(1,2)').includes('sqli-function-call'), 'the same word, called at last')
  t.ok(rules('user(1) '.repeat(3000) + 'user( )').includes('sqli-schema-probe'), 'a bare call is read where it stands')
  t.same(rules('concat '.repeat(5000)), [], 'a word never called')
})
