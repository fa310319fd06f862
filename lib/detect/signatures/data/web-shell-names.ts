/**
 * File names of well-known web shells and backdoors (PHP, ASP, JSP, Perl), as an attacker probing for one a
 * previous intruder left behind requests them. Written for this project from the shells' own names as the
 * security literature reports them (c99/c100, r57/r58, WSO, b374k, Alfa, IndoXploit, FilesMan, weevely,
 * PhpSpy, ASPXSpy, JspSpy, Zehir, NTDaddy...); CrowdSec's http-backdoors-attempts scenario was read for the
 * idea, not copied.
 */

// Names so specific that any suffix (version, crew tag, `shell`) keeps them a shell: `c99madshell`, `wso2.8.5`.
const DISTINCT = [
  'c99', 'c100', 'r57', 'r58', 'wso', 'b374k', 'alfa', 'indoxploit', 'marijuana', 'filesman', 'weevely', 'phpspy',
  'phpjackal', 'phpremoteview', 'nstview', 'ani-shell', 'aspydrv', 'aspxspy', 'aspxshell', 'aspxsh', 'cmdasp', 'jspspy',
  'jspshell', 'jspwebshell', 'zehir', 'ntdaddy', 'efso', 'remexp', 'elmaliseker', 'cybershell', 'ironshell', 'kacak',
  'locus7s', 'madshell', 'sosyete', 'simattacker', 'safe0ver', 'xleet', 'leafmailer', 'lolipop', 'zacosmall',
  'g00nshell', 'crystalshell', 'rootshell', 'spygrup', 'dc3_security', 'ayyildiz', 'antichat', 'ajax_php_command_shell',
  'php-backdoor', 'php_backdoor', 'simple-backdoor', 'qsd-backdoor', 'punk-nopass', 'ru24_post_sh', 'ctt_sh',
  'connect-back', 'ex0shell', 'bdotw44shell', 'itsecteam_shell', 'k2ll33d', 'priv8', 'mini-shell', 'minishell',
  'haxor', 'webadmin', 'fx29sh', 'gfs_sh', 'sh3ll', 'upl0ader', 'hackerz', 'worse_linux_shell', 's72_shell',
  'smevk', 'tryag', 'wawa', 'zyklonshell', 'gamma_web_shell', 'dive_shell', 'simshell', 'myshell', 'webshell'
]
// Generic names used as-is (optionally numbered): too plain to take any suffix.
const PLAIN = ['shell', 'cmd', 'backdoor', 'bypass', 'r00t', 'hack', 'hacked', 'x', 'sh', 'up', 'upload_shell']

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A web shell's file name: one of the names above, then a script extension a server would run. */
export const WEB_SHELL = new RegExp(
  '^(?:(?:' + DISTINCT.map(escape).join('|') + ')[\\w.-]{0,24}|(?:' + PLAIN.map(escape).join('|') + ')\\d{0,3})' +
  '\\.(?:php\\d?|phtml|pht|phar|asp|aspx|ashx|asmx|cer|jsp|jspx|pl|cgi|cfm)$'
)
