/**
 * SQL names an injection calls, grouped by what they give an attacker. Written for this project from the
 * reference manuals of MySQL/MariaDB, PostgreSQL, SQL Server, Oracle and SQLite (no list copied).
 * Words that are also common English followed by a parenthesis in prose (`user (`, `space (`, `tan (`,
 * `left (`) are left out of FUNCTIONS: they are matched only in the shapes of `sqli.ts` that need SQL around.
 */

/** Functions that build or take apart strings and numbers: the tools of blind and union-based extraction. */
export const FUNCTIONS = [
  'ascii', 'asciistr', 'bin', 'bit_length', 'char', 'char_length', 'chr', 'coalesce', 'compress', 'concat',
  'concat_ws', 'conv', 'cos', 'cot', 'crc32', 'decode', 'des_decrypt', 'des_encrypt', 'div', 'elt', 'encode', 'export_set',
  'find_in_set', 'from_base64', 'group_concat', 'hex', 'ifnull', 'iif', 'insert', 'instr', 'isnull', 'json_array',
  'json_build_object', 'json_extract', 'json_keys', 'json_object', 'json_search', 'jsonb_pretty', 'lcase', 'lpad',
  'ltrim', 'make_set', 'md5', 'mid', 'nullif', 'nvl', 'oct', 'octet_length', 'ord', 'pow', 'quote', 'rand', 'rpad',
  'rtrim', 'sha1', 'sha2', 'sin', 'soundex', 'sqlite_compileoption_get', 'sqlite_compileoption_used', 'starts_with',
  'strcmp', 'string_agg', 'string_to_array', 'substr', 'substring', 'substring_index', 'sysdate', 'to_base64',
  'trim', 'ucase', 'uncompress', 'unhex', 'unistr', 'utl_raw', 'xmlagg'
] as const

/** Functions that only an error-based injection calls: they put a query's result into an error message. */
export const ERROR_FUNCTIONS = [
  'extractvalue', 'updatexml', 'xmltype', 'name_const', 'gtid_subset', 'gtid_subtract', 'geometrycollection',
  'multilinestring', 'multipoint', 'multipolygon', 'linestring', 'st_latfromgeohash', 'st_longfromgeohash',
  'st_pointfromgeohash', 'utl_inaddr.get_host_name', 'utl_inaddr.get_host_address', 'ctxsys.drithsx.sn',
  'dbms_xmlgen.getxml', 'dbms_utility.sqlid_to_sqlhash', 'xdbutility.validate'
] as const

/** Catalogs and system objects of database servers: read by an injection to map the schema. */
export const SCHEMA_OBJECTS = [
  'information_schema', 'pg_catalog', 'pg_shadow', 'pg_authid', 'pg_database', 'pg_namespace', 'pg_proc', 'pg_tables',
  'pg_roles', 'pg_stat_activity', 'sqlite_master', 'sqlite_schema', 'sqlite_temp_master', 'sysobjects', 'syscolumns',
  'sysdatabases', 'sysusers', 'syslogins', 'sysprocesses', 'sys.objects', 'sys.tables', 'sys.columns',
  'sys.databases', 'sys.sql_logins', 'sys.server_principals', 'msysaccessobjects', 'msysobjects', 'msysqueries',
  'msysrelationships', 'mysql.user', 'mysql.db', 'all_tables', 'all_tab_columns', 'all_users', 'dba_users',
  'dba_tables', 'user_tab_columns', 'v$version', 'tempdb', 'msdb', 'northwind', 'schema_name', 'table_schema',
  '@@version', '@@datadir', '@@hostname', '@@basedir', '@@servername', '@@tmpdir'
] as const

/** Stored procedures and functions that reach the file system, the network or a shell from SQL. */
export const SYSTEM_PROCEDURES = [
  'xp_cmdshell', 'xp_dirtree', 'xp_regread', 'xp_regwrite', 'xp_fileexist', 'xp_availablemedia', 'xp_servicecontrol',
  'xp_subdirs', 'xp_ntsec_enumdomains', 'xp_terminate_process', 'xp_makecab', 'xp_execresultset', 'sp_oacreate',
  'sp_oamethod', 'sp_executesql', 'sp_makewebtask', 'sp_addextendedproc', 'sp_configure', 'sp_password',
  'sp_addlogin', 'sp_addsrvrolemember', 'openrowset', 'opendatasource', 'openquery', 'load_file', 'lo_import',
  'lo_export', 'lo_get', 'lo_from_bytea', 'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'dbms_java',
  'utl_http.request', 'utl_file', 'dbms_pipe.receive_message'
] as const

/** Functions that stall the server for a time-based blind injection. */
export const DELAY_FUNCTIONS = ['sleep', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'benchmark', 'randomblob', 'dbms_lock.sleep'] as const

/** Functions that name the current database, user or version: a probe when called with no argument. */
export const BARE_CALLS = [
  'database', 'schema', 'db_name', 'current_database', 'current_schema', 'current_user', 'session_user',
  'system_user', 'user', 'version'
] as const
