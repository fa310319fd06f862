import { test } from 'tap'
import { createDetection, type Paranoia } from '../lib/detect/index.js'
import { xss } from '../lib/detect/signatures/xss.js'

function detection (paranoia: Paranoia = 1, disable: string[] = []) {
  return createDetection({ paranoia, disable, bodyLimit: 65536, userAgentCacheSize: 16 }, [xss])
}

/** Rule ids found when `value` is sent (percent-encoded) as query parameter `q`. */
function rules (value: string, paranoia: Paranoia = 1): string[] {
  return detection(paranoia).request({ url: '/p?q=' + encodeURIComponent(value), headers: {} }).map((t) => t.rule)
}

test('every rule is documented, xss-prefixed and scored', async (t) => {
  const ids = new Set<string>()
  for (const rule of xss.rules) {
    t.match(rule.id, /^xss(-[a-z0-9]+)+$/)
    t.equal(rule.kind, 'xss')
    t.ok(rule.summary.length > 10, rule.id)
    t.ok(rule.score >= 1 && rule.score <= 5, rule.id)
    t.notOk(ids.has(rule.id), 'unique ' + rule.id)
    ids.add(rule.id)
  }
})

// Each rule with attacks in several spellings: case, encodings, whitespace, comments, namespaces.
const ATTACKS: Record<string, string[]> = {
  'xss-script-tag': ['<script>alert(1)</script>', '<ScRiPt SRC=//x.y/z.js>', '</script><script>', '<x:script xmlns:x="http://www.w3.org/1999/xhtml">',
    '< x: script', '&lt;script&gt;', '&#60;script&#62;', '<script\n>'],
  'xss-dangerous-tag': ['<iframe src=//evil>', '<svg><g/></svg>', '<OBJECT data=x>', '<embed src="a.swf">', '<v:vmlframe src="x">', '<:vmlframe src=',
    '<meta http-equiv="refresh" content="0;url=//x">', '<base href="//evil/">', '<link rel=import href=x>', '<STYLE>@\\\\', '<applet code=x>',
    '<f o r m', '<d i a l o g', '<s c r i p t>', '<?import implementation="x.htc">', '<importimplementation='],
  'xss-event-handler': ['" onmouseover="alert(1)', "' onfocus=alert(1) autofocus '", '<svg/onload=alert(1)>', '<xss onbeforehellfreezes=x>',
    'a;onclick=go()', '  onload= ', 'x`onerror=1', 'onload=alert(1)'],
  'xss-script-url': ['javascript:alert(1)', 'JaVaScRiPt:alert(document.domain)', 'java\tscript:alert(1)', 'ja&Tab;vascript:', 'ja&#x0A;vascript:',
    'vbscript:MsgBox("x")', 'v&NewLine;b&Tab;script&colon;', 'href="javascript:void(0)"', 'javascript:/*--></title>', 'x=javascript:a'],
  'xss-data-url': ['data:text/html,<script>alert(1)</script>', 'data:text/html;base64,PHNjcmlwdD4=', 'data:image/svg+xml,<svg onload=x>',
    'data:application/x-javascript,alert(1)', ' data: , <x>', 'data:,<svg/onload=alert(1)>'],
  'xss-css-script': ['width:expression(alert(1))', 'x:url(javascript:alert(1))', 'background : url ( "javascript', '-moz-binding:url(http://x/a.xml#b)',
    'behavior: url(x.htc)', "@import'http://x/a.css'", "@im\\port'\\ja\\vasc\\ript:x'"],
  'xss-dom-access': ['document.cookie', 'document /*c*/ . cookie', 'window.location="//evil"', '(document)["cookie"]', 'window["alert"](1)',
    'self[/*x*/"alert"](1)', 'top.location=1', 'x.innerHTML=y', 'document.body.appendChild(s)', 'document+.+cookie'],
  'xss-js-call': ['alert(1)', 'prompt`1`', 'confirm()', 'eval(atob("YQ=="))', 'setTimeout(name,1)', 'setInterval (code, 1)', 'new Function()()',
    'String.fromCharCode(88)', 'x";alert(1)//', 'eval/*x*/(1)'],
  'xss-tagged-template': ['[].sort.call`${alert}1`', 'Reflect.apply.call`${x}`', '[] . /**/ sort . call ` ${ alert } `'],
  'xss-jsfuck': ['(![]+[])[+[]]', '+!![]', '[][(![]+[])[+[]]]'],
  'xss-utf7': ['+ADw-script+AD4-alert(1)+ADw-/script+AD4-', '%2BADw-script%2BAD4-'],
  'xss-alternate-brackets': ['\uff1cscript\uff1ealert(1)\uff1c/script\uff1e', '\u00bcscript\u00bealert(1)\u00bc/script\u00be', '\\xbcscript\\xbex\\xbc/script\\xbe',
    '\\xc2\\xbcscript\\xc2\\xbex\\xc2\\xbc/script\\xc2\\xbe'],
  'xss-xml-entity': ['<!DOCTYPE r [<!ENTITY % x SYSTEM "http://evil/x.dtd">%x;]>', 'foo!ENTITY % bar SYSTEM', '<!ENTITY xxe PUBLIC "x" "http://y">'],
  'xss-xml-namespace': ['<a xmlns="http://a/" xsi:schemaLocation="http://evil/x.xsd">', '<x xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="x"/>',
    '<a xlink:href="javascript:x">'],
  'xss-dangerous-attribute': ["'formaction=//evil", '<button formaction="javascript:x">', '" srcdoc="&lt;script&gt;'],
  'xss-ssi-directive': ['<!--#exec cmd="ls"-->', '<!--#include virtual="/etc/passwd"-->', '<!-- #set var="a" value="b"-->'],
  'xss-angular-sandbox-escape': ['{{constructor.constructor(\'alert(1)\')()}}', '{{$on.constructor("x")()}}', '{{ $eval("x") }}', "{{'a'.constructor.prototype.charAt=[].join}}"]
}

test('each rule finds its attacks, in every spelling', async (t) => {
  for (const [rule, inputs] of Object.entries(ATTACKS)) {
    for (const input of inputs) t.ok(rules(input).includes(rule), `${rule}: ${JSON.stringify(input)} -> ${JSON.stringify(rules(input))}`)
  }
})

test('paranoia 2 rules: any HTML tag, template calls, comment markup, escapes', async (t) => {
  const at2: Record<string, string[]> = {
    'xss-html-tag': ['<a href="x">', '<IMG SRC=x>', '</b>', '<noscript#', '<div>'],
    'xss-template-expression': ['{{ user.name() }}'],
    'xss-html-comment': ['-->', '<!-- x', '<![CDATA[x]]>'],
    'xss-js-escapes': ['"in \\u0076\\u0061l\\u0075e', '"\\x73y\\x73tem"']
  }
  for (const [rule, inputs] of Object.entries(at2)) {
    for (const input of inputs) {
      t.ok(rules(input, 2).includes(rule), `${rule}: ${JSON.stringify(input)}`)
      t.notOk(rules(input, 1).includes(rule), `${rule} stays off at paranoia 1`)
    }
  }
})

// Text that looks near an attack but is not one: none may be flagged.
const BENIGN = [
  'I <3 you', 'x < 5 and y > 2', '123<456', 'scripts and forms', 'please see the <description>', 'weather alert (severe)',
  'please confirm (yes/no)', '1alert(1)', 'the javascript: the good parts', 'for loop in javascript', 'onion=3', 'a button=ok',
  'json=1&online=true', 'https://example.com/?q=1&onload=x', 'data:image/png;base64,iVBORw0KGgo=', 'regular expression (regex)',
  'url(image.png)', 'window shopping', 'the top.level domain', 'self.name = x', '![](image.png)', '{{username}}', '<%=title%>',
  'www.example.com/document.pdf', 'b3DQonabcdefgh=HIJA', 'x/onafe=', 'Toronto, ON, Canada - (YYZ)', 'import (and perhaps)',
  '\u00bcscript\u00bealert(1)\u00bc/script'
]

test('benign near-misses are not flagged at paranoia 1', async (t) => {
  for (const input of BENIGN) t.same(rules(input), [], JSON.stringify(input))
})

test('findings carry where, kind, score and a bounded excerpt', async (t) => {
  const d = detection()
  const found = d.request({ url: '/p?q=' + encodeURIComponent('a'.repeat(200) + '<script>alert(1)</script>'), headers: { referer: 'http://x/"onmouseover="alert(1)' } })
  const script = found.find((f) => f.rule === 'xss-script-tag')
  t.ok(script)
  t.equal(script?.where, 'query:q')
  t.equal(script?.kind, 'xss')
  t.equal(script?.score, 5)
  t.ok((script?.excerpt.length ?? 0) <= 80 && script?.excerpt.includes('<script'))
  t.equal(found.find((f) => f.rule === 'xss-event-handler')?.where, 'header:referer')
})

test('places: path, headers, cookies, bodies; dotted names are not code in the path', async (t) => {
  const d = detection()
  t.ok(d.request({ url: '/index.php/%3Csvg/onload=alert()', headers: {} }).some((f) => f.rule === 'xss-dangerous-tag' && f.where === 'path'))
  t.same(d.request({ url: '/javascript-manual/document.cookie', headers: {} }), [])
  t.ok(d.request({ url: '/', headers: { 'x-remote-ip': "' onselect=alert(1) '" } }).some((f) => f.where === 'header:x-remote-ip'))
  t.ok(d.request({ url: '/', headers: { cookie: 'a=<script >alert(1)</script>' } }).some((f) => f.where === 'cookie:a'))
  const out = d.request({ url: '/', headers: {} })
  d.body({ comment: 'nice <img src=x onerror=alert(1)>' }, 'application/json', out)
  t.ok(out.some((f) => f.rule === 'xss-event-handler' && f.where === 'body:comment'))
})

test('an XML document is markup: only escaped markup inside it counts', async (t) => {
  const d = detection()
  const plain = d.request({ url: '/', headers: {} })
  d.body('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><link href="x"/><style>a{}</style></svg>', 'application/xml', plain)
  t.same(plain, [])
  const escaped = d.request({ url: '/', headers: {} })
  d.body('<?xml version="1.0"?><root><a probe="&lt;embed src=&quot;x.swf&quot;&gt;"/></root>', 'application/xml', escaped)
  t.ok(escaped.some((f) => f.rule === 'xss-dangerous-tag'))
  const script = d.request({ url: '/', headers: {} })
  d.body('<?xml version="1.0"?><svg><script>alert(1)</script></svg>', 'application/xml', script)
  t.ok(script.some((f) => f.rule === 'xss-script-tag'), 'an SVG document with a script element is stored XSS')
})

test('paranoia and disable switch rules off', async (t) => {
  t.same(detection(1, ['xss-script-tag']).request({ url: '/p?q=%3Cscript%3E', headers: {} }), [])
  t.same(rules('<a href=x>', 1), [])
})

test('a tag spelt with gaps behind many others is still found', async (t) => {
  t.ok(rules('< a b c '.repeat(2000) + '<f o r m action=x>').includes('xss-dangerous-tag'))
  t.notOk(rules('< a b c '.repeat(2000)).includes('xss-dangerous-tag'), 'gapped letters that spell no dangerous name')
  t.ok(rules('x:exp\\ression(alert)').includes('xss-css-script'), 'CSS escapes inside a keyword')
})

test('hostile input stays linear', async (t) => {
  const d = detection(4)
  for (const unit of ['<', '<a ', '< s ', 'data:', 'on', ' onaaaa', '/*', '{{', '\u00bca\u00be', '$a[', 'javascript', 'j a v a']) {
    const text = unit.repeat(Math.ceil(65536 / unit.length)).slice(0, 65536)
    const start = performance.now()
    const out = d.request({ url: '/', headers: {} })
    d.body(text, 'text/plain', out)
    d.body({ q: text }, 'application/json', out)
    t.ok(performance.now() - start < 100, JSON.stringify(unit))
  }
})

test('patterns behind a quick search still fire after long padding', async (t) => {
  // SCRIPT_SCHEME runs where its end (`p t :`) is, CSS_SCRIPT where one of its words is, after unescaping too.
  const pad = 'a-b c/d '.repeat(4000)
  t.ok(rules(pad + '<a href="java\tscript:alert(1)">').includes('xss-script-url'), 'javascript: with a tab')
  t.ok(rules(pad + '<a href="javascript&colon;alert(1)">').includes('xss-script-url'), 'javascript&colon;')
  t.ok(rules(pad + '<a href="javascri&#x70;t:alert(1)">').includes('xss-script-url'), 'an entity in the word')
  t.ok(rules(pad + '<div style="x:expression(alert(1))">').includes('xss-css-script'), 'expression(')
  t.ok(rules(pad + '<div style="background:u\\rl(javascript:alert(1))">').includes('xss-css-script'), 'url( spelt with a CSS escape')
  t.ok(rules(pad + '<style>@imp\\ort "x.css"</style>').includes('xss-css-script'), '@import spelt with a CSS escape')
})
