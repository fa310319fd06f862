/*
 * PHP function names that CRS rates high-risk (rule 933150): code and command execution, callbacks,
 * decoding, file, network and introspection functions, 233 names.
 * Source: coreruleset/coreruleset@2cbd1d019cb7c85319ba4d9102a382c9de7a8e53, rules/php-function-names-933150.data
 * Licence: Apache-2.0 (Copyright OWASP CRS project). Lowercased, one space between names.
 */

/** High-risk PHP function names, lowercase. */
export const PHP_HIGH_RISK_FUNCTIONS: readonly string[] = (
  'array_diff_uassoc array_diff_ukey array_filter array_intersect_uassoc array_intersect_ukey array_key_exists ' +
  'array_map array_push array_reduce array_shift array_udiff array_udiff_assoc array_udiff_uassoc ' +
  'array_uintersect array_uintersect_assoc array_uintersect_uassoc array_values base64_decode base64_encode ' +
  'bson_decode bson_encode bzdecompress bzopen call_user_func class_exists convert_uuencode curl_exec ' +
  'curl_file_create curl_init debug_backtrace dirname error_reporting escapeshellarg escapeshellcmd ' +
  'exif_imagetype exif_read_data exif_tagname exif_thumbnail fclose file_exists file_get_contents finfo_open ' +
  'fsockopen ftp_connect ftp_get ftp_nb_get ftp_nb_put ftp_put function_exists fwrite get_cfg_var get_class ' +
  'get_class_methods get_class_vars get_current_user get_defined_constants get_defined_functions get_defined_vars ' +
  'get_meta_tags getcwd getenv getimagesize getlastmod getmygid getmyinode getmypid getmyuid gzcompress gzdecode ' +
  'gzdeflate gzencode gzfile gzinflate gzopen gzread gzuncompress gzwrite hash_file hash_hmac_file ' +
  'hash_update_file header_register_callback hex2bin highlight_file html_entity_decode htmlentities ' +
  'htmlspecialchars htmlspecialchars_decode image2wbmp imagecreatefromgif imagecreatefromjpeg imagecreatefrompng ' +
  'imagecreatefromwbmp imagecreatefromxbm imagecreatefromxpm imagegd imagegd2 ini_get ini_get_all ini_set ' +
  'iptcembed is_array is_dir is_executable is_file is_null is_numeric is_object is_readable is_writable ' +
  'is_writeable iterator_apply json_decode json_encode mb_ereg mb_ereg_match mb_ereg_replace ' +
  'mb_ereg_replace_callback mb_eregi mb_eregi_replace mb_parse_str md5_file method_exists move_uploaded_file ' +
  'mysql_query number_format ob_clean ob_end_clean ob_end_flush ob_flush ob_get_clean ob_get_contents ' +
  'ob_get_flush ob_start odbc_connect odbc_exec odbc_execute odbc_result odbc_result_all parse_ini_file parse_str ' +
  'parse_url pfsockopen pg_connect pg_execute pg_prepare pg_query php_strip_whitespace php_uname phpversion ' +
  'posix_getegid posix_geteuid posix_getgid posix_getlogin posix_getpwnam posix_getpwuid posix_kill posix_mkfifo ' +
  'posix_mknod posix_ttyname preg_match preg_match_all preg_replace preg_replace_callback ' +
  'preg_replace_callback_array preg_split print_r proc_close proc_get_status proc_nice proc_open proc_terminate ' +
  'putenv rawurldecode rawurlencode read_exif_data readdir readgzfile register_shutdown_function ' +
  'register_tick_function rename_function runkit_constant_add runkit_constant_redefine runkit_function_add ' +
  'runkit_function_copy runkit_function_redefine runkit_function_rename runkit_method_add runkit_method_copy ' +
  'runkit_method_redefine runkit_method_rename session_set_save_handler session_start set_error_handler ' +
  'set_exception_handler set_include_path set_magic_quotes_runtime setdefaultstub settype sha1_file shell_exec ' +
  'show_source simplexml_load_file simplexml_load_string socket_connect socket_create spl_autoload_register ' +
  'sqlite_array_query sqlite_create_aggregate sqlite_create_function sqlite_exec sqlite_open sqlite_popen ' +
  'sqlite_query sqlite_single_query sqlite_unbuffered_query str_replace stream_context_create ' +
  'stream_socket_client stripcslashes stripslashes strlen strpos strrev strtolower strtotime strtoupper uasort ' +
  'ucfirst uksort urldecode urlencode var_dump zlib_decode'
).split(' ')
