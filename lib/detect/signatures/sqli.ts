/**
 * SQL injection: text that, pasted into a query where the application expected a literal, changes the query.
 * Values are read as an SQL lexer reads them (sqli-normalize.ts) and matched against the shapes an injection
 * takes to break out of a literal and do something (sqli-patterns.ts): make a condition always true, append a
 * UNION or a second statement, stall the server, force an error carrying data, read the catalog, reach files.
 */
import { Char } from '../chars.js'
import { active, report } from '../report.js'
import { ANYWHERE, Place, ruleMaker, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { sqlView } from './sqli-normalize.js'
import * as P from './sqli-patterns.js'
import { Word, scanWords, wordHits } from './sqli-words.js'

const rule = ruleMaker('sqli')

const R = {
  tautology: rule('sqli-tautology', 1, 5, "A condition decided by literals after a connective: `' or 1=1`, `\" or \"a\"=\"a`, `and 1=2`"),
  booleanConstant: rule('sqli-boolean-constant', 1, 5, "A boolean constant joined to a closed literal: `' or true`, `1 || true`"),
  unionSelect: rule('sqli-union-select', 1, 5, 'UNION [ALL|DISTINCT] SELECT, also split by comments or parentheses'),
  stacked: rule('sqli-stacked-query', 1, 5, 'A second statement after `;`: drop, insert, update, exec, declare, waitfor...'),
  timeDelay: rule('sqli-time-delay', 1, 5, 'Functions of time-based blind injection: sleep(, benchmark(, pg_sleep, waitfor delay'),
  errorBased: rule('sqli-error-based', 1, 5, 'Functions of error-based injection: extractvalue(, updatexml(, xmltype(, floor(rand('),
  systemAccess: rule('sqli-system-access', 1, 5, 'SQL that reaches files, network or shell: xp_cmdshell, load_file, into outfile, exec master..'),
  schemaProbe: rule('sqli-schema-probe', 1, 5, 'Catalogs and system objects (information_schema, sysobjects, pg_catalog), bare database()/user()'),
  functionCall: rule('sqli-function-call', 1, 5, 'Calls of SQL functions of extraction: concat(, substring(, ascii(, char(, md5(, unhex('),
  subquery: rule('sqli-subquery', 1, 5, 'A subquery that reads something: `(select *`, `(select concat(`, `(select x from`'),
  selectExpression: rule('sqli-select-expression', 1, 5, 'SELECT of a function, `*`, `@@variable` or a column list of numbers'),
  quoteClause: rule('sqli-quote-clause', 1, 5, "A closed literal then a clause: `' having`, `') order by`, `';select`, `' waitfor`"),
  having: rule('sqli-having', 1, 5, 'HAVING with a comparison, as injected to enumerate columns'),
  orderProbe: rule('sqli-order-probe', 1, 5, "ORDER/GROUP BY after a closed literal and before a comment: `' order by 3--`"),
  conditional: rule('sqli-conditional', 1, 5, 'MySQL conditionals and aliases: `if(1=1,`, `) like (`, `1 as "x" from`'),
  ddl: rule('sqli-ddl', 1, 5, 'Schema changes with their next clause: `alter table t change`, `create table t (`'),
  pgCast: rule('sqli-pg-cast', 1, 5, "PostgreSQL casts used to force errors: `'x'::jsonb`, `password::int`"),
  numberSplit: rule('sqli-number-split', 1, 5, 'MySQL number-then-token splitting: `1.e(ascii`, `1.e.tables`'),
  magicNumber: rule('sqli-magic-number', 1, 5, 'Integer overflow probes: 2147483648, 4294967296, 2.2250738585072011e-308'),
  commentCode: rule('sqli-comment-code', 1, 5, 'MySQL executable comments `/*!50000` and optimizer hints `/*+`'),
  quoteComment: rule('sqli-quote-comment', 1, 5, "A closed literal then a comment: `admin'--`, `x')#`, `y\"/*`"),
  quoteSpaceComment: rule('sqli-quote-space-comment', 1, 3, "A closed literal, a space, then a comment: `admin' --`, `x' #`"),
  quoteEnd: rule('sqli-quote-end', 1, 3, "A closed literal then the end of a statement: `admin';`")
}

/** Every rule of the family, for the README and the registry. */
export const SQLI_RULES: readonly Rule[] = Object.values(R)

interface Check {
  readonly rule: Rule
  readonly pattern: RegExp
  /** Whether the pattern can match: cheap tests of the value's `Char` bits and of substrings of the subject. */
  readonly gate: (subject: string, chars: number) => boolean
  /** Matched on the text rather than the SQL reading (the comment itself is the sign). */
  readonly onText?: boolean
}

const QUOTES = Char.quote | Char.dquote | Char.backtick
const COMPARISON = Char.equals | Char.lt | Char.gt | Char.question | Char.at | Char.hash | Char.minus
const any = (s: string, words: readonly string[]): boolean => {
  for (let i = 0; i < words.length; i++) if (s.includes(words[i])) return true
  return false
}
const has = (word: string) => (s: string): boolean => s.includes(word)
const CONNECTIVES = ['or', 'and', '||', '&&', 'wh', 'having']
const COMPARE_WORDS = ['like', 'regexp', 'glob', ' is', 'between', 'similar']
const SYSTEM_HINTS = ['file', 'master', 'exec', 'declare', 'analyse']
const ERROR_HINTS = ['exp', 'rand', 'convert']

const CHECKS: readonly Check[] = [
  { rule: R.unionSelect, pattern: P.UNION_SELECT, gate: has('union') },
  {
    rule: R.tautology,
    pattern: P.TAUTOLOGY,
    gate: (s, c) => ((c & COMPARISON) !== 0 || any(s, COMPARE_WORDS)) && ((c & QUOTES) !== 0 || any(s, CONNECTIVES))
  },
  { rule: R.booleanConstant, pattern: P.BOOLEAN_CONSTANT, gate: (s) => s.includes('true') || s.includes('false') },
  { rule: R.stacked, pattern: P.STACKED, gate: (_, c) => (c & Char.semicolon) !== 0 },
  { rule: R.timeDelay, pattern: P.WAITFOR, gate: has('waitfor') },
  { rule: R.errorBased, pattern: P.ERROR_SHAPE, gate: (s, c) => (c & Char.paren) !== 0 && any(s, ERROR_HINTS) },
  { rule: R.systemAccess, pattern: P.SYSTEM_STATEMENT, gate: (s) => any(s, SYSTEM_HINTS) },
  { rule: R.subquery, pattern: P.SUBQUERY, gate: (s, c) => (c & Char.paren) !== 0 && s.includes('select') },
  { rule: R.selectExpression, pattern: P.SELECT_EXPRESSION, gate: has('select') },
  { rule: R.quoteClause, pattern: P.QUOTE_CLAUSE, gate: (_, c) => (c & QUOTES) !== 0 },
  { rule: R.having, pattern: P.HAVING, gate: has('having') },
  { rule: R.orderProbe, pattern: P.ORDER_PROBE, gate: has(' by ') },
  { rule: R.conditional, pattern: P.CONDITIONAL, gate: (s) => s.includes('if') || s.includes('like') || s.includes('as') },
  { rule: R.ddl, pattern: P.DDL, gate: (s) => s.includes('table') || s.includes('create') },
  { rule: R.pgCast, pattern: P.PG_CAST, gate: has('::') },
  { rule: R.numberSplit, pattern: P.NUMBER_SPLIT, gate: has('.e') },
  { rule: R.magicNumber, pattern: P.MAGIC_NUMBER, gate: (s, c) => (c & Char.digit) !== 0 && s.length >= 10 },
  { rule: R.commentCode, pattern: P.COMMENT_CODE, gate: has('/*'), onText: true },
  { rule: R.quoteComment, pattern: P.QUOTE_COMMENT, gate: (_, c) => (c & QUOTES) !== 0 && (c & (Char.minus | Char.hash | Char.slash)) !== 0, onText: true },
  { rule: R.quoteSpaceComment, pattern: P.QUOTE_SPACE_COMMENT, gate: (_, c) => (c & QUOTES) !== 0 && (c & (Char.minus | Char.hash | Char.slash)) !== 0, onText: true },
  { rule: R.quoteEnd, pattern: P.QUOTE_END, gate: (_, c) => (c & QUOTES) !== 0 && (c & Char.semicolon) !== 0, onText: true }
]

// Shorter values hold no injection these shapes describe (the shortest, `'or 1`, has five characters).
const MIN_LENGTH = 4
function reported (out: readonly Threat[], id: string): boolean {
  for (let i = 0; i < out.length; i++) if (out[i].rule === id) return true
  return false
}

// The rule each `Word` kind reports.
const WORD_RULES: Rule[] = []
WORD_RULES[Word.call] = R.functionCall
WORD_RULES[Word.errorCall] = R.errorBased
WORD_RULES[Word.delay] = R.timeDelay
WORD_RULES[Word.bareCall] = R.schemaProbe
WORD_RULES[Word.catalog] = R.schemaProbe
WORD_RULES[Word.system] = R.systemAccess
const hits = wordHits()

function inspectPart (value: Inspected, text: string, scope: Scope, out: Threat[]): void {
  const view = sqlView(text)
  const chars = value.chars
  scanWords(view, hits)
  for (let kind = 0; kind < WORD_RULES.length; kind++) {
    const start = hits[kind * 2]
    if (start !== -1 && active(WORD_RULES[kind], scope)) report(out, WORD_RULES[kind], { ...value, text: view }, start, hits[kind * 2 + 1])
  }
  for (let i = 0; i < CHECKS.length; i++) {
    const check = CHECKS[i]
    const subject = check.onText === true ? text : view
    if (!check.gate(subject, chars) || reported(out, check.rule.id) || !active(check.rule, scope)) continue
    const match = check.pattern.exec(subject)
    if (match !== null) report(out, check.rule, { ...value, text: subject }, match.index, match[0].length)
  }
}

function inspect (value: Inspected, scope: Scope, out: Threat[]): void {
  if (value.text.length < MIN_LENGTH) return
  inspectPart(value, value.text, scope, out)
}

/** SQL injection in arguments, names, path, Referer, User-Agent, cookies and forwarding headers. */
export const sqli: Detector = {
  kind: 'sqli',
  rules: SQLI_RULES,
  places: ANYWHERE & ~Place.otherHeader,
  triggers: 0,
  inspect
}
