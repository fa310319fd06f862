/**
 * User-Agent fragments of security scanners and attack tools (nikto, sqlmap, nuclei, masscan, wpscan...),
 * matched case-insensitively as whole words inside the User-Agent.
 *
 * Data from coreruleset/coreruleset@2cbd1d019cb7c85319ba4d9102a382c9de7a8e53, rules/scanners-user-agents.data
 * (Apache-2.0, Copyright OWASP CRS project; see NOTICE). Lowercased, comments dropped; used as data only.
 */
export const CRS_SCANNER_USER_AGENTS: readonly string[] = [
  'arachni', 'betabot', 'bewica-security-scan', 'bfac', 'commix', 'detectify', 'dirbuster', 'fimap', 'fuzz faster',
  'whatwaf', 'gobuster', 'havij', 'hexometer', 'jbrofuzz', 'jorgee', 'libwhisker', 'masscan', 'morfeus', 'mozlila',
  'mozilla/5.g', 'nessus', 'netlab360', 'netsparker', 'nettacker', 'nikto', 'nmap', 'nuclei', 'openvas',
  'securityagent', 'sitelockspider', 'sqlmap', 'sysscan', 'tsunamisecurityscanner', 'w3af.org', 'webbandit',
  'webshag', 'wfuzz', 'whatweb', 'wprecon', 'wpscan', 'feroxbuster', 'l9explore', 'l9tcpid', 'wapiti', 'vega',
  'appspider', 'ironwasp', 'skipfish', 'qualysguard', 'n-stalker', 'acunetix', 'cmsmap', 'sqlninja', 'xsstrike',
  'xsser', 'joomscan', 'droopescan', 'zgrab', 'ghauri', 'zmeu', 'wpprobe', 'sstimap', 'mozilla/4.0 (hydra)',
  'tplmap', 'dotdotpwn', 'shortscan', 'kadimus', 'lfisuite', 'mozilla/5.0 (compatible; panoptic', 'lfimap',
  'graphw00f', 'graphql-cop', 'jsql', 'noseyparker', 'trufflehog', 'yeswehack-hunter', 'tinja',
  'mozilla/5.0 (compatible; appscan;'
]
