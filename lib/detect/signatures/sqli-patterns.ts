/**
 * The shapes of SQL injection, as regexes over the SQL reading of a value (sqli-normalize.ts: comments gone,
 * whitespace one space, lowercase). Each is linear: repetitions are bounded and no two adjacent ones can take
 * the same characters, so a failed attempt at one position costs a bounded number of steps.
 */
// Operands of a comparison an injection makes always true or false: numbers, hex, string literals, booleans.
const LITERAL = String.raw`(?:-?\d{1,20}(?:\.\d{1,20})?|0x[0-9a-f]{1,64}|'[^']{0,64}'|"[^"]{0,64}"|true|false|null)`
// A string literal that opens the value: `'x'!='y`, `'{"a":1}' < '$.a'` compare in a numeric context.
const QUOTED = String.raw`(?:'[^']{0,64}'|"[^"]{0,64}")`
// The last operand may be a string the application's own closing quote ends: `' or 'a'='a`.
const OPEN_STRING = String.raw`'[^']{0,64}$|"[^"]{0,64}$`
// Comparisons of MySQL, PostgreSQL (JSON containment and path operators), SQL Server, Oracle and SQLite.
const COMPARE = String.raw`(?:<=>|[=!<>]=|<>|==?|<@|@>|->>?|#>>?|#-|\?[|&]?|<|>|(?:not )?(?:like|rlike|regexp|glob|between|similar to|sounds like)\b|is(?: not)?\b)`
// Boolean connectives that join an injected condition to the application's own.
const CONNECTIVE = String.raw`(?:\b(?:or|and|xor|having|where|when)\b|\|\||&&)`

/**
 * `' or 1=1`, `" or "a"="a`, `1 and 526=527`, `or '{"a":1}' ? 'a'`, `'x'!='y`: a condition decided by literals
 * alone.
 */
export const TAUTOLOGY = new RegExp(`(?:${CONNECTIVE} ?(?:not ?)?\\({0,3} ?${LITERAL}|(?:^|[=(])${QUOTED}) ?${COMPARE} ?(?:${LITERAL}|${OPEN_STRING}|\\(|array\\[)`)

/** `' or true`, `1 || true`: a boolean constant right after a literal the injection closed. */
export const BOOLEAN_CONSTANT = /[\d'"`)] ?(?:(?:or|and)\b|\|\||&&) ?(?:not ?)?(?:true|false)\b/

/** `union select`, `union all(select`, `union distinctrow select` (MySQL `SELECT ... UNION` grammar). */
export const UNION_SELECT = /\bunion(?: (?:all|distinct|distinctrow))? ?\({0,4} ?select\b/

/**
 * A second statement after `;` (stacked queries): data definition and change, procedure calls and variable
 * declarations. A bare word after `;` is prose (`1; exec will create`): the statement's next token must fit.
 */
export const STACKED = /; ?(?:drop (?:table|database|schema|user|view|function|procedure)\b|truncate\b|shutdown\b|insert (?:ignore )?into\b|delete from\b|update [\w`."]{1,64} set\b|replace\b[^;]{0,100}\bvalues\b|create (?:table|database|function|procedure|user|view|trigger)\b|alter (?:table|user|database|login)\b|exec(?:ute)? ?(?:\(|@|\w{1,64}\.|xp_|sp_|immediate\b)|declare @|set @|select [\w(*@'"]|waitfor (?:delay|time)\b|grant \w|revoke \w|copy \w{1,64} (?:from|to)\b|load data\b)/

/** `waitfor delay '0:0:5'`: SQL Server's wait, the time-based blind injection of T-SQL. */
export const WAITFOR = /\bwaitfor (?:delay|time) ?['"\d]/

/** Error-based shapes that are not a single function name: `exp(~(`, `floor(rand(`, `convert(int,`. */
export const ERROR_SHAPE = /\bexp ?\( ?~|\bfloor ?\( ?rand ?\(|\bconvert ?\( ?int ?,/

/** Files and shells reached by statements: `into outfile`, `load data infile`, `exec master..`, `declare @x`. */
export const SYSTEM_STATEMENT = /\binto (?:out|dump)file\b|\bload data (?:local )?infile\b|\bmaster ?\.(?:dbo)?\.|\bexec(?:ute)? ?(?:\( ?@|@|master\b|immediate\b)|\bdeclare @\w|\bprocedure analyse ?\(/

/** `(select`, a subquery that reads something: a function, a column list, `*`, a variable, or `from`. */
export const SUBQUERY = /\( ?select ?(?:[*(@'"\d]|(?:null|distinct|top|case|if|count|char|chr|concat\w{0,3})\b)|\( ?select\b[^()]{1,80}\bfrom\b/

/** `select` followed by what a query selects and prose does not: a function call, `*`, `@@`, `1,2,3`. */
export const SELECT_EXPRESSION = /\bselect ?(?:\*|@@|\(|\d{1,10} ?,|(?:if|iif|case|char|chr|concat\w{0,3}|count|user|version|database|ascii|substring|md5|null)\b ?\()/

/**
 * A quote that closes the application's literal, then a clause that ends or redirects its query. (`' union`
 * is not enough: prose has `o' union selected`; union is UNION_SELECT's.)
 */
export const QUOTE_CLAUSE = /['"`]\)* ?;? ?(?:having\b|(?:order|group) by\b|procedure\b|into (?:out|dump)file\b|waitfor\b|declare\b|exec(?:ute)?\b|insert into\b|delete from\b|drop table\b|select ?[\w(*@]|shutdown\b|rlike\b|regexp\b)/

/** `having count(id) >= 9`, `having 1=1`: a grouped condition as injected to enumerate columns. */
export const HAVING = /\bhaving ?\(? ?(?:\w{1,30} ?\( ?[\w*`]{0,30} ?\) ?|[\w`'"]{1,64} ?)(?:=|<|>|!=|\blike\b)/

/** `order by 3--`, `') group by x#`: column-count probing after a closed literal. */
export const ORDER_PROBE = /['")] ?(?:order|group) by [\w`,]{1,40} ?(?:--|#|;|$)|\d (?:order|group) by \d{1,3} ?(?:--|#)/

/** `if(1=1,`, `) like (`, `select * from x as "y" from`: conditional and alias shapes of MySQL. */
export const CONDITIONAL = /\bif ?\( ?[\w'"@.()]{1,24} ?(?:=(?!=)|<>|\blike\b)|\) ?like ?\(|(?:[)`'"]|\d) ?as ?(?:[`'"]\w{0,64}[`'"]?|\w{1,64}) ?from\b/

/** `alter table t change`, `create table t (`: schema changes with their next clause. */
export const DDL = /\balter table [\w`."]{1,64} (?:add|change|drop|modify|rename|alter|convert)\b|\bcreate (?:table|function|procedure) [\w`."]{1,64} ?\(/

/** PostgreSQL casts (`'x'::jsonb`, `password::int`), a way to force an error or a type out of a column. */
export const PG_CAST = /[\w')\]]::(?:jsonb?|int[248]?|integer|bigint|smallint|text|varchar|bool(?:ean)?|numeric|double precision|real|float[48]?|bytea|regclass|oid|xml|inet)\b/

/** MySQL reads `1.e(` and `1.e.t` as a number then the next token: a known way to split keywords. */
export const NUMBER_SPLIT = /\d\.e(?:\( ?[a-z_]|\.[a-z_]{3})/

/** A value (or a quoted or tagged item) that is an integer at the edge of the 32 or 64 bit range, or PHP's hanging float: overflow probes. */
export const MAGIC_NUMBER = /(?:^|["'>])(?:-?214748364[78]|429496729[56]|-?922337203685477580[78]|1844674407370955161[56]|2\.2250738585072011e-308)(?:$|["'<])/

/** MySQL executable comments `/*!`, optimizer hints `/*+`: nothing else sends them. Matched on the text. */
export const COMMENT_CODE = /\/\*[!+]/

/** A closed literal, then a comment that cuts off the rest of the query: `admin'--`, `x')#`, `x'/*`. */
export const QUOTE_COMMENT = /[\w)]['"`]\)*(?:--(?: |$)|#$|\/\*)/

/** The same with a space before the comment: prose has `'word' -- more`, so a weaker sign. */
export const QUOTE_SPACE_COMMENT = /[\w)]['"`]\)* (?:--(?: |$)|#$|\/\*)/

/** A closed literal, then the end of a statement: `admin';` (an authentication bypass on split queries). */
export const QUOTE_END = /['"`] ?\)* ?; ?(?:$|["<])/
