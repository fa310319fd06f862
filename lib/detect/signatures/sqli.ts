/**
 * SQL injection: text that, pasted into a query where the application expected a literal, changes the query.
 * Values are read as an SQL lexer reads them (sqli-normalize.ts) and matched against the shapes an injection
 * takes to break out of a literal and do something (sqli-patterns.ts): make a condition always true, append a
 * UNION or a second statement, stall the server, force an error carrying data, read the catalog, reach files.
 */
import { Char } from '../chars.js'
import { active, report } from '../report.js'
import { ANYWHERE, Place, type Detector, type Inspected, type Rule, type Scope, type Threat } from '../types.js'
import { sqlView } from './sqli-normalize.js'
import * as P from './sqli-patterns.js'

type Paranoia = Rule['paranoia']
const rule = (id: string, paranoia: Paranoia, score: number, summary: string): Rule => ({ id, kind: 'sqli', paranoia, score, summary })

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
  /** `Char` bits of which the value needs one for the pattern to match; 0 for none. */
  readonly chars: number
  /** A substring the SQL reading must hold for the pattern to match; '' for none. */
  readonly needle: string
  /** Matched on the text rather than the SQL reading (the comment itself is the sign). */
  readonly onText?: boolean
}

const QUOTES = Char.quote | Char.dquote | Char.backtick

const CHECKS: readonly Check[] = [
  { rule: R.unionSelect, pattern: P.UNION_SELECT, chars: 0, needle: 'union' },
  { rule: R.tautology, pattern: P.TAUTOLOGY, chars: Char.space | QUOTES | Char.pipe | Char.amp | Char.paren, needle: '' },
  { rule: R.booleanConstant, pattern: P.BOOLEAN_CONSTANT, chars: 0, needle: 'true' },
  { rule: R.booleanConstant, pattern: P.BOOLEAN_CONSTANT, chars: 0, needle: 'false' },
  { rule: R.stacked, pattern: P.STACKED, chars: Char.semicolon, needle: '' },
  { rule: R.timeDelay, pattern: P.TIME_DELAY, chars: 0, needle: '' },
  { rule: R.errorBased, pattern: P.ERROR_BASED, chars: Char.paren, needle: '' },
  { rule: R.systemAccess, pattern: P.SYSTEM_ACCESS, chars: 0, needle: '' },
  { rule: R.schemaProbe, pattern: P.SCHEMA_PROBE, chars: 0, needle: '' },
  { rule: R.functionCall, pattern: P.FUNCTION_CALL, chars: Char.paren, needle: '' },
  { rule: R.subquery, pattern: P.SUBQUERY, chars: Char.paren, needle: 'select' },
  { rule: R.selectExpression, pattern: P.SELECT_EXPRESSION, chars: 0, needle: 'select' },
  { rule: R.quoteClause, pattern: P.QUOTE_CLAUSE, chars: QUOTES, needle: '' },
  { rule: R.having, pattern: P.HAVING, chars: 0, needle: 'having' },
  { rule: R.orderProbe, pattern: P.ORDER_PROBE, chars: 0, needle: ' by ' },
  { rule: R.conditional, pattern: P.CONDITIONAL, chars: Char.paren | QUOTES | Char.digit, needle: '' },
  { rule: R.ddl, pattern: P.DDL, chars: Char.space, needle: 'table' },
  { rule: R.ddl, pattern: P.DDL, chars: Char.space, needle: 'create' },
  { rule: R.pgCast, pattern: P.PG_CAST, chars: 0, needle: '::' },
  { rule: R.numberSplit, pattern: P.NUMBER_SPLIT, chars: 0, needle: '.e' },
  { rule: R.magicNumber, pattern: P.MAGIC_NUMBER, chars: Char.digit, needle: '' },
  { rule: R.commentCode, pattern: P.COMMENT_CODE, chars: Char.star, needle: '', onText: true },
  { rule: R.quoteComment, pattern: P.QUOTE_COMMENT, chars: QUOTES, needle: '', onText: true },
  { rule: R.quoteSpaceComment, pattern: P.QUOTE_SPACE_COMMENT, chars: QUOTES, needle: '', onText: true },
  { rule: R.quoteEnd, pattern: P.QUOTE_END, chars: Char.semicolon, needle: '', onText: true }
]

// Shorter values hold no injection these shapes describe (the shortest, `'or 1`, has five characters).
const MIN_LENGTH = 4

function inspect (value: Inspected, scope: Scope, out: Threat[]): void {
  const text = value.text
  if (text.length < MIN_LENGTH) return
  const view = sqlView(text)
  for (let i = 0; i < CHECKS.length; i++) {
    const check = CHECKS[i]
    if (check.chars !== 0 && (value.chars & check.chars) === 0) continue
    const subject = check.onText === true ? text : view
    if (check.needle !== '' && !subject.includes(check.needle)) continue
    if (!active(check.rule, scope)) continue
    const match = check.pattern.exec(subject)
    if (match !== null) report(out, check.rule, { ...value, text: subject }, match.index, match[0].length)
  }
}

/** SQL injection in arguments, names, path, Referer, User-Agent, cookies and forwarding headers. */
export const sqli: Detector = {
  kind: 'sqli',
  rules: SQLI_RULES,
  places: ANYWHERE & ~Place.otherHeader,
  triggers: 0,
  inspect
}
