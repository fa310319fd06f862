import { test } from 'tap'
import { createDetection } from '../lib/detect/index'
import { java } from '../lib/detect/signatures/java'

const at = (paranoia: 1 | 3) => createDetection({ paranoia, disable: [], bodyLimit: 65536, userAgentCacheSize: 16 }, [java])
const pl1 = at(1)
const rules = (url: string, headers: Record<string, string> = {}, d = pl1) => d.request({ url, headers }).map((f) => f.rule).sort()
const body = (value: unknown, type: string) => {
  const out: ReturnType<typeof pl1.request> = []
  pl1.body(value, type, out)
  return out.map((f) => [f.kind, f.rule, f.where, f.score])
}

test('dangerous classes anywhere, cookie names included', async (t) => {
  t.same(rules('/?x=java.lang.Runtime'), ['java-class', 'java-gadget-chain'])
  t.same(rules('/?x=javax.script.ScriptEngineManager'), ['java-class'])
  t.same(rules('/', { cookie: 'java.lang.ProcessBuilder=test' }), ['java-class', 'java-gadget-chain'], 'a cookie name')
  t.same(rules('/', { 'x-test': 'com.opensymphony.xwork2.dispatcher' }), ['java-class'], 'any header')
  t.same(rules('/?x=%6a%61%76%61%2e%6c%61%6e%67%2e%52%75%6e%74%69%6d%65'), ['java-class', 'java-gadget-chain'], 'percent-encoded')
  t.same(body('<xml><e a="java.lang.String">x</e></xml>', 'application/xml'), [['java', 'java-class', 'body', 5]])
})

test('gadget chains and runtime pairs', async (t) => {
  t.same(rules('/?x=org.apache.commons.collections.functors.InvokerTransformer'), ['java-class', 'java-gadget-chain'])
  t.same(rules('/?x=TemplatesImpl'), ['java-gadget-chain'])
  t.same(rules('/?x=ProcessBuilder.evil.whileclosure'), ['java-gadget-chain'])
  t.same(rules('/?x=Runtime.getRuntime().exec(cmd)'), ['java-gadget-chain'])
})

test('serialized objects', async (t) => {
  t.same(rules('/', { cookie: 'session=rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA' }), ['java-serialized-object'])
  t.same(rules('/?d=aced0005737200'), ['java-serialized-object'])
  t.same(body('data=\u00ac\u00ed\u0000\u0005sr', 'text/plain'), [['java', 'java-serialized-object', 'body', 5]])
  t.same(rules('/?d=KztAAU'), [], 'a shifted alignment counts from paranoia 2')
  t.same(rules('/?d=KztAAU', {}, at(3)), ['java-serialized-object'])
})

test('expression injection: OGNL, SpEL, EL', async (t) => {
  const s2045 = "%{(#_='multipart/form-data').(#dm=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS).(#_memberAccess=#dm)}"
  t.ok(rules('/', { 'content-type': s2045 }).includes('java-expression-injection'), 'Struts S2-045 in Content-Type')
  t.ok(rules('/?x=' + encodeURIComponent('${T(java.lang.Runtime).getRuntime().exec("id")}')).includes('java-expression-injection'))
  t.same(rules('/?x=' + encodeURIComponent("#{''.getClass().forName('x')}")), ['java-expression-injection'])
  t.same(rules('/?x=' + encodeURIComponent("#{runtime.exec('id')}")), ['java-expression-injection', 'java-gadget-chain'])
  t.same(rules('/?x=' + encodeURIComponent('${#context["xwork.MethodAccessor.denyMethodExecution"]}')), ['java-expression-injection'])
})

test('class-loader binding and JSP uploads', async (t) => {
  t.ok(rules('/?class.module.classLoader.resources.context.parent.pipeline.first.pattern=x').includes('java-classloader-binding'))
  t.ok(rules("/?class['classLoader'].jarPath=x").includes('java-classloader-binding'))
  t.same(rules('/upload', { 'x-filename': 'shell. jsp' }), ['java-jsp-upload'])
  t.same(rules('/upload', { 'x-file-name': 'a.jspx..' }), ['java-jsp-upload'])
  t.same(body('--b\r\nContent-Disposition: form-data; name="f"; filename="cmd.jsp"\r\n\r\nx\r\n--b--', 'multipart/form-data; boundary=b'),
    [['java', 'java-jsp-upload', 'body', 5]])
})

test('paranoia 3: gadget names in base64', async (t) => {
  const encoded = Buffer.from('xInvokerTransformer').toString('base64')
  t.same(rules('/?d=' + encodeURIComponent(Buffer.from('ab whileclosure').toString('base64')), {}, at(3)), ['java-base64-gadget'])
  t.same(rules('/?d=' + encoded), [])
  t.same(rules('/?d=' + encodeURIComponent(encoded), {}, at(3)), ['java-base64-gadget'])
})

test('ordinary values stay quiet', async (t) => {
  for (const url of ['/?q=java+runtime+environment+download', '/?q=javascript+tutorial', '/?next=https://www.example.com/a',
    '/?q=class+notes', '/?price=${amount}', '/?q=foreclosure+listings', '/?token=eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo',
    '/?file=report.json', '/?q=time.sleep(1)']) {
    t.same(rules(url), [], url)
  }
  t.same(rules('/', { accept: 'text/html,application/xhtml+xml;q=0.9', 'x-filename': 'report.pdf' }), [])
})

test('long values: a payload after decoys or padding is still found', async (t) => {
  // More than sixteen calls outside any expression, then one inside `${...}`.
  const decoys = 'x.getclass() '.repeat(2000)
  t.same(rules('/', { 'x-data': decoys + '${"".getClass().forName("x")}' }), ['java-expression-injection'])
  t.same(rules('/', { 'x-data': decoys }), [])
  t.same(rules('/', { 'x-data': '{'.repeat(30000) + 'a} getclass(' }), [], 'a brace closed before the call')
  // A gadget name base64-encoded past the first 4 KB of the value.
  const padded = 'A'.repeat(20000) + Buffer.from('xInvokerTransformer').toString('base64')
  t.same(rules('/', { cookie: 'd=' + padded }, at(3)), ['java-base64-gadget'])
  t.same(rules('/', { cookie: 'd=' + 'A'.repeat(20000) }, at(3)), [])
})

test('a long run of whitespace is read once after an expression opener, `class[` or a file name', async (t) => {
  const d = at(3)
  for (const [lead, what] of [['${'.repeat(16384), 'expression openers (1.7 s)'], ['class[', '`class[` (8.4 s)'], ['filename=', 'a multipart file name (115 ms)']]) {
    const text = lead + ' '.repeat(65536 - lead.length)
    d.body(text, 'text/plain', [])
    const start = performance.now()
    d.body(text, 'text/plain', [])
    t.ok(performance.now() - start < 100, what)
  }
  t.same(rules('/', { 'x-data': '${' + ' '.repeat(30000) + '(#cmd=1)}' }), ['java-expression-injection'], 'an OGNL opener after the run')
  t.same(rules('/', { 'x-data': '${  ( #cmd=1)}' }), ['java-expression-injection'], 'spaces around the parenthesis')
  t.ok(rules("/?a=class[ ' classLoader']").includes('java-classloader-binding'), 'spaces around the quote')
  t.same(body('filename=   shell.jsp', 'text/plain').map((f) => f[1]), ['java-jsp-upload'], 'spaces before an unquoted name')
  t.same(body('filename=  " shell.jsp"', 'text/plain').map((f) => f[1]), ['java-jsp-upload'], 'spaces inside the quotes')
})
