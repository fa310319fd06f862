/**
 * File and directory names a site never serves on purpose: dotfiles of shells, editors, tools and cloud
 * clients, and configuration files of frameworks and build tools. A request for one is a probe for leaked
 * configuration; sensitive-file.ts scores the ones that hold secrets higher on its own.
 *
 * Data from coreruleset/coreruleset@2cbd1d019cb7c85319ba4d9102a382c9de7a8e53, rules/restricted-files.data
 * (Apache-2.0, Copyright OWASP CRS project; see NOTICE). Lowercased, leading and trailing slashes dropped;
 * only whole names are kept (the `/proc/` and `/sys/` entries are lfi.ts's, prefixes such as `.bash_` and the
 * `.sql.*` dumps are rules of their own). Used as data only.
 */

/** Names starting with a dot, as one path segment. */
export const CRS_DOT_NAMES: ReadonlySet<string> = new Set([
  '.htaccess', '.htdigest', '.htpasswd', '.access', '.addressbook', '.anydesk', '.atom', '.aws', '.azure', '.bashrc',
  '.boto', '.cache', '.cargo', '.config.local.php', '.config', '.coverage', '.coveralls.yml', '.credentials',
  '.cshrc', '.cups', '.cvs', '.dbus', '.deployment-secrets.txt', '.aiignore', '.cursorignore', '.docker',
  '.dockerenv', '.dockerignore', '.drush', '.env', '.envrc', '.eslintignore', '.fbcindex', '.forward', '.ftpconfig',
  '.gem', '.git', '.gitattributes', '.gitconfig', '.gitignore', '.gitkeep', '.gitmodules', '.gnome', '.gnome2',
  '.gnomerc', '.gnupg', '.google_authenticator', '.gsutil', '.hg', '.hgignore', '.ipynb_checkpoints', '.java',
  '.ksh_history', '.kube', '.lesshst', '.lftp', '.lhistory', '.lighttpdpassword', '.lldb-history', '.lynx_cookies',
  '.minikube', '.msmtprc', '.my.cnf', '.myscmserverinfo', '.mysql_history', '.nano_history', '.netrc',
  '.node_repl_history', '.npm', '.npmrc', '.nsconfig', '.nsr', '.nvm', '.pass', '.passwd', '.password-store',
  '.pearrc', '.pgpass', '.php_history', '.pinerc', '.pki', '.proclog', '.procmailrc', '.profile', '.psql_history',
  '.pwd', '.pytest_cache', '.python_history', '.rediscli_history', '.remote-sync.json', '.rhistory', '.rhosts',
  '.rustup', '.s3cfg', '.secrets', '.selected_editor', '.settings', '.sh_history', '.snap', '.sqlite_history',
  '.ssh', '.subversion', '.svn', '.svnignore', '.tconn', '.tcshrc', '.terraform.lock.hcl', '.terraform',
  '.thunderbird', '.tmux.conf', '.tools', '.tor', '.travis.yaml', '.travis.yml', '.vagrant.d', '.vidalia', '.vim',
  '.viminfo', '.vimrc', '.vmware', '.vscode', '.web.config.swp', '.wget-hsts', '.www_acl', '.wwwacl', '.xauthority',
  '.yarnrc', '.zhistory', '.zsh_history', '.zshenv', '.zshrc', '.ds_store', '.ws_ftp.ini', '.idea', '.bowerrc',
  '.eslintrc', '.jshintrc', '.gitlab-ci.yml', '.php_cs.dist', '.phpcs.xml', '.phpcs.xml.dist', '.user.ini', '.fish',
  '.ashrc', '.ash_history', '.csh_history', '.kshrc', '.tcsh_history', '.screenrc', '.chocolatey', '.gradle',
  '.idlerc', '.kaggle', '.keras', '.mypy_cache', '.redhat', '.bun', '.bunfig.toml', '.irbrc', '.irb_history',
  '.pryrc', '.gemrc', '.bundle', '.rbenv', '.rvm', '.rubocop.yml', '.pip', '.condarc', '.pyenv', '.m2', '.sdkman',
  '.eclipse', '.npm-global', '.yarnrc.yml', '.prettierrc', '.node-gyp', '.curlrc', '.wgetrc', '.perldb',
  '.perl_repl_history', '.perlhistory', '.cpan', '.cpanplus', '.plenv', '.konan', '.kotlinc_history',
  '.git-credentials', '.openvpn', '.gftp', '.lftprc', '.ncftp', '.rsync_exclude', '.wine', '.nanorc', '.nano',
  '.pg_service.conf', '.mylogin.cnf', '.mongodb', '.mongoshrc.js', '.dbshell', '.pgadmin', '.pm2', '.stubby.yml',
  '.getdns', '.digrc', '.unbound', '.mbsyncrc', '.offlineimaprc', '.getmail', '.usermin', '.cpanel', '.openssl.cnf',
  '.terraformrc', '.terraform.d', '.pulumi', '.linode-cli', '.oci', '.opc', '.sqlplus_history', '.editorconfig',
  '.datadog-agent', '.wp-cli', '.bluemix', '.ibmcloud'
])

/** Other whole file names, as the last path segment. */
export const CRS_FILE_NAMES: ReadonlySet<string> = new Set([
  'config.asp', 'config_dev.asp', 'config-dev.asp', 'config.dev.asp', 'config_prod.asp', 'config-prod.asp',
  'config.prod.asp', 'config.sample.asp', 'config-sample.asp', 'config_sample.asp', 'config_test.asp',
  'config-test.asp', 'config.test.asp', 'config.ini', 'config_dev.ini', 'config-dev.ini', 'config.dev.ini',
  'config_prod.ini', 'config-prod.ini', 'config.prod.ini', 'config.sample.ini', 'config-sample.ini',
  'config_sample.ini', 'config_test.ini', 'config-test.ini', 'config.test.ini', 'config.json', 'config_dev.json',
  'config-dev.json', 'config.dev.json', 'config_prod.json', 'config-prod.json', 'config.prod.json',
  'config.sample.json', 'config-sample.json', 'config_sample.json', 'config_test.json', 'config-test.json',
  'config.test.json', 'config.php', 'config_dev.php', 'config-dev.php', 'config.dev.php', 'config_prod.php',
  'config-prod.php', 'config.prod.php', 'config.sample.php', 'config-sample.php', 'config_sample.php',
  'config_test.php', 'config-test.php', 'config.test.php', 'config.pl', 'config_dev.pl', 'config-dev.pl',
  'config.dev.pl', 'config_prod.pl', 'config-prod.pl', 'config.prod.pl', 'config.sample.pl', 'config-sample.pl',
  'config_sample.pl', 'config_test.pl', 'config-test.pl', 'config.test.pl', 'config.py', 'config_dev.py',
  'config-dev.py', 'config.dev.py', 'config_prod.py', 'config-prod.py', 'config.prod.py', 'config.sample.py',
  'config-sample.py', 'config_sample.py', 'config_test.py', 'config-test.py', 'config.test.py', 'config.rb',
  'config_dev.rb', 'config-dev.rb', 'config.dev.rb', 'config_prod.rb', 'config-prod.rb', 'config.prod.rb',
  'config.sample.rb', 'config-sample.rb', 'config_sample.rb', 'config_test.rb', 'config-test.rb', 'config.test.rb',
  'config.toml', 'config_dev.toml', 'config-dev.toml', 'config.dev.toml', 'config_prod.toml', 'config-prod.toml',
  'config.prod.toml', 'config.sample.toml', 'config-sample.toml', 'config_sample.toml', 'config_test.toml',
  'config-test.toml', 'config.test.toml', 'config.txt', 'config_dev.txt', 'config-dev.txt', 'config.dev.txt',
  'config_prod.txt', 'config-prod.txt', 'config.prod.txt', 'config.sample.txt', 'config-sample.txt',
  'config_sample.txt', 'config_test.txt', 'config-test.txt', 'config.test.txt', 'config.xml', 'config_dev.xml',
  'config-dev.xml', 'config.dev.xml', 'config_prod.xml', 'config-prod.xml', 'config.prod.xml', 'config.sample.xml',
  'config-sample.xml', 'config_sample.xml', 'config_test.xml', 'config-test.xml', 'config.test.xml', 'config.yaml',
  'config_dev.yaml', 'config-dev.yaml', 'config.dev.yaml', 'config_prod.yaml', 'config-prod.yaml',
  'config.prod.yaml', 'config.sample.yaml', 'config-sample.yaml', 'config_sample.yaml', 'config_test.yaml',
  'config-test.yaml', 'config.test.yaml', 'config.yml', 'config_dev.yml', 'config-dev.yml', 'config.dev.yml',
  'config_prod.yml', 'config-prod.yml', 'config.prod.yml', 'config.sample.yml', 'config-sample.yml',
  'config_sample.yml', 'config_test.yml', 'config-test.yml', 'config.test.yml', 'config.sample.inc.php',
  'credentials.json', 'secrets.json', 'secrets.yaml', 'secrets.yml', 'gitlab.rb', 'initial_root_password',
  'aws.yaml', 'aws.yml', 'aws-key.yaml', 'aws-key.yml', 'auth.json', 'debug.log', 'error.log', 'errors.log',
  'web.config', 'package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'gruntfile.js', 'npm-debug.log',
  'webpack.config.js', 'yarn.lock', 'composer.json', 'composer.lock', 'packages.json', 'nbproject', 'bower.json',
  'database.yaml', 'database.yml', 'dockerfile', 'phpcs.xml', 'phpcs.xml.dist', 'desktop.ini', 'thumbs.db',
  'php.ini', 'weblogic.xml', 'php_error.log', 'php_errors.log', 'meta-inf', 'web-inf', 'sslvpn_websession',
  'blockcypher.log', 'config.inc.php', 'defaults.inc.php', 'sendgrid.env', 'fish_variables',
  'ldap-authentication-report.csv', 'user_secrets.yml', 'compose.yml', 'compose.yaml', 'phpinfo.php', 'boot.ini',
  'system.ini', 'win.ini', 'pm2.log', 'debian.cnf', 'my.cnf', 'mysql.cnf', 'mysqldump.cnf', 'ftp-sync.json',
  'yarn-debug.log', 'yarn-error.log', 'coverage.xml', 'sftp.json', 'cargo.toml', 'config.nu', 'config.fish',
  'pyproject.toml', 'pytest.ini', 'go.mod', 'go.sum', 'setup.py', 'build.zig.zon', 'anaconda3', 'miniconda3',
  'openvpn', 'wg-clients', 'rsync.log', 'login.sql'
])
