/**
 * Java attacks (CRS 944 for the idea): deserialization gadget chains and the classes they load, serialized
 * Java objects, expression-language injection (Struts OGNL, Spring SpEL, JSP/JSF EL), class-loader
 * manipulation through data binding (Spring4Shell, Struts `class.classLoader`) and JSP uploads. Log4Shell
 * JNDI lookups are rce.ts's.
 *
 * CRS also reads cookie names here, and the cookie parser hands this family the name beside the value, so a
 * cookie name is inspected as if it were a value.
 */
import { Char } from '../chars.js'
import { active, report, reportMatch } from '../report.js'
import { ANYWHERE, Place, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { CRS_JAVA_CLASSES } from './data/java-classes.js'
import { prefixTree } from './prefix-tree.js'

const CLASS: Rule = {
  id: 'java-class',
  kind: 'java',
  paranoia: 1,
  score: 5,
  summary: 'A Java class that gadget chains and injected expressions load: `java.lang.Runtime`, `java.lang.reflect`, `javax.script`... (CRS java-classes)'
}
const GADGET: Rule = {
  id: 'java-gadget-chain',
  kind: 'java',
  paranoia: 1,
  score: 5,
  summary: 'A deserialization gadget (`InvokerTransformer`, `TemplatesImpl`...), or `Runtime`/`ProcessBuilder` beside `java.` or a gadget'
}
const SERIALIZED: Rule = {
  id: 'java-serialized-object',
  kind: 'java',
  paranoia: 1,
  score: 5,
  summary: 'A serialized Java object: the stream magic `AC ED 00 05` as bytes, hex (`aced0005`) or base64 (`rO0AB`) at any alignment'
}
const EXPRESSION: Rule = {
  id: 'java-expression-injection',
  kind: 'java',
  paranoia: 1,
  score: 5,
  summary: 'OGNL, SpEL or EL injection: `%{(#...)}`, `#_memberAccess`, `@class@method`, `T(java...)`, `${...getClass().forName(...)}`'
}
const CLASS_LOADER: Rule = {
  id: 'java-classloader-binding',
  kind: 'java',
  paranoia: 1,
  score: 5,
  summary: 'Data binding into the class loader: `class.module.classLoader...` (Spring4Shell), `class[\'classLoader\']` (Struts)'
}
const BASE64_GADGET: Rule = {
  id: 'java-base64-gadget',
  kind: 'java',
  paranoia: 3,
  score: 5,
  summary: '`Runtime`, `ProcessBuilder` or a gadget name base64-encoded at any alignment (a serialized payload in a cookie or field)'
}
const JSP_UPLOAD: Rule = {
  id: 'java-jsp-upload',
  kind: 'java',
  paranoia: 1,
  score: 5,
  summary: 'An uploaded file named `.jsp`/`.jspx` (X-Filename headers, multipart `filename=`): a JSP web shell'
}

/** Beyond the CRS list: Spring's XML contexts (CVE-2018-1273, WebLogic CVE-2020-14882) and JNDI gadget classes. */
const MORE_CLASSES = [
  'org.springframework.context.support', 'filesystemxmlapplicationcontext', 'classpathxmlapplicationcontext',
  'com.sun.rowset.jdbcrowsetimpl', 'javax.management.', 'java.lang.thread', 'java.lang.classloader'
]
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const CLASS_PATTERN = new RegExp([...CRS_JAVA_CLASSES, ...MORE_CLASSES].map(escape).join('|'))

/**
 * One pass deciding whether the class, gadget and serialization signatures can match: each contains one of
 * these words. URLs pass on `org.`/`com.`, which only costs the signatures' time on those values.
 */
const KEYWORD = /java|class|runtime|processbuilder|ognl|transformer|factory|closure|impl|handler|propertyutils|freemarker|org\.|com\.|sun\.|unmarshaller|xmldecoder|exception|applicationcontext|ro0ab|aced0005/

/**
 * Headers whose grammar is a list of tokens, quality values, dates or ranges (RFC 9110 §12.5, §13, §14; Fetch
 * metadata): no server hands them to a Java deserializer or expression evaluator, and they are most of a
 * browser request's bytes, so this family skips them.
 */
const TOKEN_HEADERS = new Set([
  'accept', 'accept-encoding', 'accept-language', 'accept-charset', 'cache-control', 'pragma', 'range', 'if-range',
  'content-range', 'if-modified-since', 'if-unmodified-since', 'if-none-match', 'if-match', 'keep-alive',
  'proxy-connection', 'upgrade-insecure-requests', 'dnt', 'te', 'priority'
])
// Characters an expression-language payload cannot do without.
const EXPRESSION_CHARS = Char.brace | Char.hash | Char.at

/**
 * Apache Commons Collections / JDK gadget classes (ysoserial's chains): names no ordinary text carries.
 * `Runtime` or `ProcessBuilder` count only beside `java.`, an XML unmarshaller or one of the chain steps CRS
 * 944110/944120 pair them with, since "runtime" alone is an everyday word.
 */
const GADGET_PATTERN = /(?:invoker|instantiate|chained|constant|clone)transformer|instantiatefactory|prototype(?:clone|serialization)factory|templatesimpl|annotationinvocationhandler|jdbcrowsetimpl|badattributevalueexpexception/
const RUNTIME = /runtime|processbuilder/
const RUNTIME_COMPANION = /java\.|unmarshaller|base64data|(?:for|while)closure|filewriter|xmldecoder|getproperty|getruntime\s*\(|\.exec\s*\(|\.start\s*\(/

/**
 * The serialization stream header `AC ED 00 05` (Java Object Serialization Specification §6.2). In base64 it
 * reads `rO0AB` when it starts a 3-byte group, `ztAA[U-X]` one byte later and `s7QAF` two bytes later; read
 * from the undecoded value, case-sensitively. As text the bytes are `¬í` then 0x05 (NULs are removed).
 */
const SERIALIZED_RAW = /rO0AB|ztAA[U-X]|s7QAF/
// Read in lowercase text first (one third of a percent-encoded raw value), then confirmed case-sensitively.
const SERIALIZED_LOWER = /ro0ab|ztaa[u-x]|s7qaf/
const SERIALIZED_TEXT = /aced0005|\u00ac\u00ed\u0005/

/**
 * Expression languages evaluated on request data:
 * - OGNL (Struts S2-045 and kin): `%{(#_=...)}`, `${#...}`, `#_memberAccess`, `#context[`, static calls
 *   `@java.lang.Runtime@getRuntime()`, `(#cmd=...)` assignments;
 * - SpEL: `T(java.lang.Runtime)`, a type reference to a qualified class;
 * - EL/SpEL/OGNL inside `${...}`/`#{...}`/`%{...}`: reflection (`getClass()`, `forName(`), `getRuntime`,
 *   `.exec(`, `newInstance(`, script engines, within 120 characters of the opening brace (EL_CALL, found
 *   first and then looked back from, so each character is read a bounded number of times).
 * Here and below, two runs of whitespace are never parted by an optional character alone: `\s*\(?\s*` tries
 * every split of a long run of spaces from one place, which is quadratic (`${` before 32 K spaces took 1.7 s).
 */
const EXPRESSION_PATTERN = /#_?memberaccess|#context\s*\[|[%$]\{\s*(?:\(\s*)?#[a-z_]|\(\s*#[a-z_]\w{0,30}\s*=|@[a-z_$][\w$]{0,40}(?:\.[\w$]{1,40}){1,8}\s*@\s*[a-z_$]|\bt\s*\(\s*[a-z_$][\w$]{0,40}(?:\.[\w$]{1,40}){1,8}\s*\)/
const EL_CALL = /getclass\s*\(|forname\s*\(|getruntime|\.exec\s*\(|newinstance\s*\(|scriptenginemanager|getclassloader|processbuilder/g
const EL_WINDOW = 120

/**
 * An EL_CALL inside an expression opened by `${`, `#{` or `%{` at most EL_WINDOW characters before it: the
 * last `{` before the call, with no `}` after it. The braces are followed forward with indexOf, each looked at
 * once however many calls there are, and those more than EL_WINDOW behind a call are skipped.
 */
function findElCall (text: string): number {
  EL_CALL.lastIndex = 0
  let open = -1
  let nextOpen = 0
  let close = -1
  let nextClose = 0
  let match
  while ((match = EL_CALL.exec(text)) !== null) {
    const at = match.index
    const from = Math.max(0, at - EL_WINDOW)
    if (nextOpen !== -1 && nextOpen < from) nextOpen = text.indexOf('{', from)
    while (nextOpen !== -1 && nextOpen < at) {
      open = nextOpen
      nextOpen = text.indexOf('{', nextOpen + 1)
    }
    if (open < from) continue
    if (nextClose !== -1 && nextClose < open) nextClose = text.indexOf('}', open)
    while (nextClose !== -1 && nextClose < at) {
      close = nextClose
      nextClose = text.indexOf('}', nextClose + 1)
    }
    if (open > 0 && close < open) {
      const before = text.charCodeAt(open - 1)
      if (before === 0x24 || before === 0x23 || before === 0x25) return open - 1
    }
  }
  return -1
}

/**
 * The base64 forms of `Runtime`, `ProcessBuilder` and the gadget steps, at each of the three alignments a word
 * can start at inside a base64 stream: the characters that depend only on the word's own bytes (RFC 4648 §4).
 * Built once from the words as Java spells them and lowercased, and matched on the undecoded value.
 */
const BASE64_WORDS = ['Runtime', 'ProcessBuilder', 'CloneTransformer', 'ForClosure', 'InstantiateFactory',
  'InstantiateTransformer', 'InvokerTransformer', 'PrototypeCloneFactory', 'PrototypeSerializationFactory', 'WhileClosure']
function base64Cores (word: string): string[] {
  const cores: string[] = []
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.from('\0'.repeat(shift) + word).toString('base64')
    // Skip the characters that mix in the padding bytes before the word, and the last group, which mixes in
    // whatever follows it.
    const start = shift === 0 ? 0 : shift + 1
    const whole = Math.floor((shift + word.length) / 3) * 4
    const end = (shift + word.length) % 3 === 0 ? whole : whole + ((shift + word.length) % 3)
    cores.push(encoded.slice(start, end))
  }
  return cores
}

const BASE64_CORES = [...new Set(BASE64_WORDS.flatMap((w) => [w, w.toLowerCase()]).flatMap(base64Cores))].sort()
// The cores as one tree of alternatives: each character of the value is read once per position.
const BASE64_PATTERN = new RegExp(prefixTree(BASE64_CORES, escape))
// Every core has a capital letter (checked here), so a value without one is not read.
const CAPITAL = /[A-Z]/
if (!BASE64_CORES.every((core) => CAPITAL.test(core))) throw new Error('a base64 core without a capital letter')

/** Spring/Struts data binding that walks from a bean's `class` property into its class loader. */
const CLASS_LOADER_PATTERN = /(?:^|[^a-z0-9_$])class\s*(?:\.\s*|\[\s*(?:['"]\s*)?)(?:module|classloader|protectiondomain)\b/

// Headers that carry an upload's file name (CRS 944140's list), and the multipart form of the same.
const FILE_NAME_HEADERS = new Set(['x-filename', 'x_filename', 'x.filename', 'x-file-name'])
const JSP_NAME = /\.jspx?[.\s]*$/
// The name starts at a quote or after all the whitespace: leaving spaces to the name would try each split.
// Each `filename` reads up to 256 characters on for the `.jsp`, so the pattern runs only where one is.
const MULTIPART_JSP = /filename\s*=\s*(?:"|(?!\s))[^"\r\n;]{0,255}?\.\s{0,8}jspx?[.\s]*(?:"|;|\r|\n|$)/

function inspectText (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = value.text
  if (value.place !== Place.path && active(BASE64_GADGET, scope)) {
    const encoded = CAPITAL.test(value.raw) ? BASE64_PATTERN.exec(value.raw) : null
    if (encoded !== null) report(out, BASE64_GADGET, value, encoded.index, encoded[0].length)
  }
  if (active(JSP_UPLOAD, scope)) {
    if (value.place === Place.otherHeader) {
      if (FILE_NAME_HEADERS.has(value.name) && JSP_NAME.test(text.replace(/\s+/g, ''))) report(out, JSP_UPLOAD, value, 0, text.length)
    } else if (value.place === Place.body && value.name === '' && text.includes('filename') && text.includes('jsp')) reportMatch(out, JSP_UPLOAD, value, MULTIPART_JSP)
  }
  // Past paranoia 1 a serialized object is also looked for in the middle of a base64 value.
  const keyword = KEYWORD.test(text) || (scope.paranoia > 1 && SERIALIZED_LOWER.test(text) && SERIALIZED_RAW.test(value.raw))
  if (active(EXPRESSION, scope) && (keyword || (value.chars & EXPRESSION_CHARS) !== 0) && !reportMatch(out, EXPRESSION, value, EXPRESSION_PATTERN) &&
    (value.chars & Char.brace) !== 0) {
    const at = findElCall(text)
    if (at !== -1) report(out, EXPRESSION, value, at, EL_WINDOW)
  }
  if (active(SERIALIZED, scope) && (value.chars & Char.nonAscii) !== 0) reportMatch(out, SERIALIZED, value, SERIALIZED_TEXT)
  if (!keyword) return
  if (active(CLASS, scope)) reportMatch(out, CLASS, value, CLASS_PATTERN)
  if (value.place === Place.path) return
  if (active(GADGET, scope) && !reportMatch(out, GADGET, value, GADGET_PATTERN)) {
    const runtime = RUNTIME.exec(text)
    if (runtime !== null && RUNTIME_COMPANION.test(text)) report(out, GADGET, value, runtime.index, runtime[0].length)
  }
  if (active(SERIALIZED, scope)) {
    const raw = SERIALIZED_RAW.exec(value.raw)
    // The raw index is close enough for an excerpt: base64 and hex survive decoding unchanged.
    if (raw !== null) report(out, SERIALIZED, value, raw.index, raw[0].length)
    else reportMatch(out, SERIALIZED, value, SERIALIZED_TEXT)
  }
  if (active(CLASS_LOADER, scope)) reportMatch(out, CLASS_LOADER, value, CLASS_LOADER_PATTERN)
}

/** Java deserialization, expression injection and class-loader attacks, in every place a value comes from. */
export const java: Detector = {
  kind: 'java',
  rules: [CLASS, GADGET, SERIALIZED, EXPRESSION, CLASS_LOADER, BASE64_GADGET, JSP_UPLOAD],
  places: ANYWHERE,
  triggers: 0,
  inspect (value: Inspected, scope: Scope, out: Threat[]): void {
    if (value.place === Place.otherHeader && (TOKEN_HEADERS.has(value.name) || value.name.startsWith('sec-'))) return
    inspectText(value, scope, out)
    if (value.place === Place.cookie && value.name !== '') {
      const name = value.name.toLowerCase()
      inspectText({ place: value.place, name: value.name, raw: value.name, text: name, chars: value.chars }, scope, out)
    }
  }
}
