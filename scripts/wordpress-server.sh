#!/usr/bin/env bash
# A real WordPress on 127.0.0.1 for digest-publisher's tests and for trying `digest-publisher publish`
# locally, in one of two versions (WP_VERSION):
#   6.8  the current release line (default): Debian 13's `wordpress` package (6.8.12), downloaded once with a
#        private apt configuration (the machine's apt sources are not touched) and unpacked into
#        $WP_CACHE_DIR/wordpress-6.8 (default /var/cache/digest-publisher/wordpress-6.8);
#   6.1  Debian 12's own `wordpress` package (6.1.9) in /usr/share/wordpress.
# Both run on the same Debian 12 PHP and MariaDB: a private MariaDB instance (own datadir, unix socket only),
# PHP's built-in web server with 4 workers, an admin and an author with Application Passwords.
# The recipe and its gotchas are measured in notes/wordpress.md and notes/wordpress-current.md of the shared
# project notes.
#
#   wordpress-server.sh install      install the Debian packages that are missing and fetch the 6.8 tree into
#                                    its cache if it is not there yet: everything both versions need
#                                    (make test runs it)
#   wordpress-server.sh start        install what is missing, start DB + web server, install WordPress;
#                                    if it is already running: only report that
#   wordpress-server.sh stop         stop exactly what start started (php process group, mariadbd by pid)
#   wordpress-server.sh status       JSON on stdout (state, url, lab_dir, wp_version, pids);
#                                    exit 0 when running, 3 when not
#   wordpress-server.sh env          the admin's connection settings as .env lines on stdout
#   wordpress-server.sh reset        stop, then delete the lab's data (the next start installs afresh)
#   wordpress-server.sh permalinks plain|pretty|index
#                                    plain: ''  pretty: /%postname%/
#                                    index: /index.php/%year%/%monthnum%/%day%/%postname%/
#
# Environment: WP_VERSION 6.8 (default) or 6.1.  Each version has its own lab unless these say otherwise:
#              WP_LAB_DIR   (6.8: /tmp/dp-wp-6.8, 6.1: /tmp/dp-wp-6.1; keep it short, the DB socket path must
#                            stay < 108 chars), WP_PORT (6.8: 18068, 6.1: 18061),
#              WP_CONF_NAME (6.8: dpwp68, 6.1: dpwp61 -> /etc/wordpress/config-<name>.php);
#              WP_CACHE_DIR (default /var/cache/digest-publisher) where the 6.8 tree is cached;
#              WP_DEBIAN_MIRROR (default: the mirror of the machine's own apt sources) for that download.
# A lab remembers its version ($WP_LAB_DIR/wp-version): starting it with another WP_VERSION is refused
# (the database of one version is not the other's; `reset` it or choose another WP_LAB_DIR).
# Writes $WP_LAB_DIR/credentials.json (mode 600):
#   {url, rest, wp_version, users: {admin: {id, role, password, app_password}, author1: {...}}}
# Log lines go to stderr; stdout carries only the `env` lines and the `status` JSON.  Passwords are never
# logged.  Exit codes: 0 ok, 1 failure, 2 usage, 3 not running (status/env/permalinks),
# 10 the packages (Debian 12's, or Debian 13's wordpress for 6.8) are missing and could not be installed or
# downloaded (the test fixture skips on it, outside CI).
# Needs root (apt-get, /etc/wordpress, the cache).  Sends traffic only to 127.0.0.1 and the Debian mirror.
set -euo pipefail

WP_VERSION=${WP_VERSION:-6.8}
CACHE_ROOT=${WP_CACHE_DIR:-/var/cache/digest-publisher}
# The 6.8 tree: Debian 13's package, unpacked.  Its few JS/PHP files that Debian replaces by symlinks into
# /usr/share/{javascript,php} resolve inside this folder (see fetch_wordpress_68).
TREE_68="$CACHE_ROOT/wordpress-6.8"
case "$WP_VERSION" in
  6.8) WP_ROOT="$TREE_68/usr/share/wordpress"; DEFAULT_LAB=/tmp/dp-wp-6.8; DEFAULT_PORT=18068; DEFAULT_CONF=dpwp68 ;;
  6.1) WP_ROOT=/usr/share/wordpress; DEFAULT_LAB=/tmp/dp-wp-6.1; DEFAULT_PORT=18061; DEFAULT_CONF=dpwp61 ;;
  *) echo "[wordpress-server] error: WP_VERSION must be 6.8 or 6.1, not '$WP_VERSION'" >&2; exit 2 ;;
esac
LAB=${WP_LAB_DIR:-$DEFAULT_LAB}
PORT=${WP_PORT:-$DEFAULT_PORT}
CONF=${WP_CONF_NAME:-$DEFAULT_CONF}
HOST=127.0.0.1
URL="http://$HOST:$PORT"
SOCK="$LAB/db/mysqld.sock"
DB_PID="$LAB/db/mysqld.pid"
PHP_PGID="$LAB/php.pgid"
CREDS="$LAB/credentials.json"
# Not a secret worth protecting: the DB listens on a private unix socket only (no TCP).
DB_PASS=dp-wp-db-pass
# A throw-away lab needs no durability: without fsync a fresh datadir takes 0.8 s instead of 3 s on a busy
# machine (measured).  A clean stop still writes everything out.
DB_FAST=(--innodb-log-file-size=8M --innodb-flush-method=nosync --innodb-doublewrite=0
         --innodb-flush-log-at-trx-commit=0)
PKGS=(wordpress wordpress-theme-twentytwentythree mariadb-server php-cli php-mysql php-gd php-xml
      php-mbstring php-curl)
EXIT_NOT_RUNNING=3
EXIT_NO_PACKAGES=10

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}'; }
log() { echo "[wordpress-server +$(elapsed)s] $*" >&2; }
die() { local code=$1; shift; echo "[wordpress-server] error: $*" >&2; exit "$code"; }

# ---------------------------------------------------------------- processes (no procps needed)

# State letter of a pid from /proc ("" when gone).  Zombies ("Z") count as gone: PID 1 of a container may
# reap orphans late, and `kill -0` succeeds on a zombie.
proc_state() { [ -r "/proc/$1/stat" ] && sed -e 's/^.*) //' -e 's/ .*//' "/proc/$1/stat" 2>/dev/null || true; }
running() { local s; s=$(proc_state "$1"); [ -n "$s" ] && [ "$s" != Z ]; }
# A pid file whose process is alive AND is the program we started (guards against pid reuse after a
# crash: we must never signal somebody else's process).
alive_as() {
  local file=$1 comm=$2 pid
  [ -s "$file" ] || return 1
  pid=$(cat "$file")
  [[ $pid =~ ^[0-9]+$ ]] && running "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]
}
db_alive() { alive_as "$DB_PID" mariadbd; }
# The php group leader is `sh` for an instant, then execs php.
web_alive() { alive_as "$PHP_PGID" php; }
# Any live (non-zombie) process left in session $SID (setsid made the php server a session leader).
# One pass over /proc/*/stat; cat skips processes that vanish mid-read (|| true: pipefail).
session_alive() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } \
    | awk -v sid="$SID" '{ sub(/^.*\) /, ""); if ($4 == sid && $1 != "Z") found = 1 } END { exit !found }'
}

# HTTP status of a GET on 127.0.0.1 (000 when nothing answers).  php is always there once we run, curl
# may not be on a fresh machine.
http_status() {
  php -r '$ctx = stream_context_create(["http" => ["timeout" => 2, "ignore_errors" => true, "follow_location" => 0]]);
    $r = @file_get_contents($argv[1], false, $ctx);
    if ($r === false || !isset($http_response_header[0])) { echo "000"; exit; }
    echo explode(" ", $http_response_header[0])[1];' "$1" 2>/dev/null || echo 000
}

# ---------------------------------------------------------------- packages

install_packages() {
  local missing=() p
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die $EXIT_NO_PACKAGES "missing packages (${missing[*]}) and not root: cannot apt-get install them"
  command -v apt-get >/dev/null || die $EXIT_NO_PACKAGES "missing packages (${missing[*]}) and no apt-get on this machine"
  log "installing: ${missing[*]}"
  # apt would start apache2 on :80 and the system mariadb: deny service starts while installing, unless
  # the machine already has its own policy-rc.d (then it is not ours to touch).
  local guard=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# digest-publisher wordpress-server.sh: no service starts during apt-get\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  local ok=1
  apt-get update -q >"$LAB/logs/apt.log" 2>&1 || ok=0
  if [ $ok = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
      >>"$LAB/logs/apt.log" 2>&1 || ok=0
  fi
  [ $guard = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ $ok = 0 ]; then
    tail -n 15 "$LAB/logs/apt.log" >&2
    die $EXIT_NO_PACKAGES "apt-get could not install ${missing[*]} (full log: $LAB/logs/apt.log)"
  fi
  log "packages installed"
}

# The exact version of a WordPress tree ("" when it is not one).
tree_version() {
  sed -n "s/^\$wp_version = '\([^']*\)';.*/\1/p" "$1/wp-includes/version.php" 2>/dev/null || true
}

# Debian 13's wordpress 6.8 and its default theme (`all` packages: PHP, JS, CSS), fetched once into $TREE_68 without touching
# the machine's apt configuration: a private sources.list, lists and cache dir for apt-get, then
# `dpkg-deb -x`.  Built in a temporary folder beside the cache and renamed into place, so a crash or a
# concurrent fetch never leaves a half-unpacked tree behind.
# Complete: the core and its default theme (WordPress 6.8 installs with twentytwentyfive; without a theme the
# front end answers empty pages).
tree_68_complete() {
  [ -n "$(tree_version "$TREE_68/usr/share/wordpress")" ] \
    && [ -s "$TREE_68/usr/share/wordpress/wp-content/themes/twentytwentyfive/style.css" ]
}

fetch_wordpress_68() {
  if tree_68_complete; then return 0; fi
  [ "$(id -u)" = 0 ] || die $EXIT_NO_PACKAGES "WordPress 6.8 is not in $TREE_68 and only root can fetch it there"
  command -v apt-get >/dev/null || die $EXIT_NO_PACKAGES "WordPress 6.8 is not in $TREE_68 and there is no apt-get"
  mkdir -p "$CACHE_ROOT"
  # One fetch at a time on this machine (two labs may start at once); the second one finds the tree.
  exec 8>"$CACHE_ROOT/.fetch.lock"
  flock 8
  if tree_68_complete; then exec 8>&-; return 0; fi
  local mirror=${WP_DEBIAN_MIRROR:-}
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit} $1 == "deb" && $2 ~ /^\[/ {print $3; exit}' \
      /etc/apt/sources.list)
  fi
  mirror=${mirror:-http://deb.debian.org/debian}
  local work; work=$(mktemp -d "$CACHE_ROOT/.fetch.XXXXXX")
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$work/sources.list"
  local apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
  log "fetching WordPress 6.8 (Debian 13's package from $mirror) into $TREE_68"
  if ! { apt-get "${apt_opts[@]}" update -q \
         && (cd "$work/debs" && apt-get "${apt_opts[@]}" download wordpress wordpress-theme-twentytwentyfive libjs-lodash); } \
       >"$work/apt.log" 2>&1; then
    mkdir -p "$LAB/logs"; cp "$work/apt.log" "$LAB/logs/apt-6.8.log"; rm -rf "$work"; exec 8>&-
    tail -n 15 "$LAB/logs/apt-6.8.log" >&2
    die $EXIT_NO_PACKAGES "could not download Debian 13's wordpress package from $mirror (log: $LAB/logs/apt-6.8.log)"
  fi
  local deb
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  # Debian links a few bundled files into /usr/share/{javascript,php}: lodash comes with the download,
  # underscore, cropper and getid3 are the ones Debian 12's wordpress package installed on this machine.
  mkdir -p "$work/root/usr/share/php"
  ln -sfn /usr/share/javascript/underscore "$work/root/usr/share/javascript/underscore"
  ln -sfn /usr/share/javascript/cropper "$work/root/usr/share/javascript/cropper"
  ln -sfn /usr/share/php/getid3 "$work/root/usr/share/php/getid3"
  local got; got=$(tree_version "$work/root/usr/share/wordpress")
  case "$got" in
    6.8.*) ;;
    *) rm -rf "$work"; exec 8>&-; die $EXIT_NO_PACKAGES "Debian 13's wordpress package holds '$got', not 6.8.x" ;;
  esac
  rm -rf "$TREE_68"
  mv "$work/root" "$TREE_68"
  rm -rf "$work"
  exec 8>&-
  log "WordPress $got cached in $TREE_68 ($(du -sm "$TREE_68" | cut -f1) MB)"
}

# What the selected version needs: Debian 12's packages (PHP, MariaDB, and for both versions the system
# libraries Debian's wordpress links to) and, for 6.8, the cached tree.
prepare_version() {
  install_packages
  [ "$WP_VERSION" = 6.8 ] && fetch_wordpress_68
  local got; got=$(tree_version "$WP_ROOT")
  case "$got" in
    "$WP_VERSION".*) ;;
    *) die $EXIT_NO_PACKAGES "$WP_ROOT holds WordPress '${got:-nothing}', not $WP_VERSION" ;;
  esac
}

# A lab's database belongs to the version that installed it: refuse to mix them.
check_lab_version() {
  local stamp="$LAB/wp-version"
  # Labs made before WP_VERSION existed hold a 6.1 site and no stamp.
  if [ ! -s "$stamp" ] && [ -d "$LAB/db/data/mysql" ]; then echo 6.1 >"$stamp"; fi
  if [ -s "$stamp" ] && [ "$(cat "$stamp")" != "$WP_VERSION" ]; then
    die 1 "$LAB holds a WordPress $(cat "$stamp") site, not $WP_VERSION: run with WP_VERSION=$(cat "$stamp"), or \`$0 reset\` it, or choose another WP_LAB_DIR"
  fi
}

# ---------------------------------------------------------------- files

write_files() {
  mkdir -p "$LAB/wp-content/plugins" "$LAB/wp-content/uploads" "$LAB/wp-content/mu-plugins" \
           "$LAB/wp-content/upgrade"
  # Themes (twentytwentythree) come from the package; uploads stay per lab.
  ln -sfn "$WP_ROOT/wp-content/themes" "$LAB/wp-content/themes"
  if [ ! -s "$LAB/salts.php" ]; then
    php -r 'echo "<?php\n";
      foreach (["AUTH_KEY","SECURE_AUTH_KEY","LOGGED_IN_KEY","NONCE_KEY","AUTH_SALT","SECURE_AUTH_SALT",
                "LOGGED_IN_SALT","NONCE_SALT"] as $k) { echo "define(\x27$k\x27, \x27", bin2hex(random_bytes(32)), "\x27);\n"; }' \
      >"$LAB/salts.php.tmp"
    mv "$LAB/salts.php.tmp" "$LAB/salts.php"
  fi
  # Debian's wp-config.php loads /etc/wordpress/config-<WORDPRESS_CONFIG>.php when $_SERVER['WORDPRESS_CONFIG']
  # is set (router.php and the CLI scripts set it), whatever the Host header says.
  mkdir -p /etc/wordpress
  cat >"/etc/wordpress/config-$CONF.php.tmp" <<EOF
<?php
/* Written by digest-publisher scripts/wordpress-server.sh for the lab in $LAB. */
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', '$DB_PASS');
define('DB_HOST', 'localhost:$SOCK');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', '$URL');
define('WP_SITEURL', '$URL');
define('WP_CONTENT_DIR', '$LAB/wp-content');
define('WP_ENVIRONMENT_TYPE', 'local');   // without it Application Passwords are ignored over plain http
define('WP_HTTP_BLOCK_EXTERNAL', true);   // WordPress itself makes no outbound HTTP (loopback still allowed)
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);        // PHP 8.2 deprecation notices must never land in JSON bodies
define('WP_DEBUG_LOG', '$LAB/logs/wp-debug.log');
require '$LAB/salts.php';
\$table_prefix = 'wp_';
EOF
  mv "/etc/wordpress/config-$CONF.php.tmp" "/etc/wordpress/config-$CONF.php"

  cat >"$LAB/wp-content/mu-plugins/dp-wp.php" <<'EOF'
<?php
/* There is no MTA here: make wp_mail() a quiet no-op instead of failing on /usr/sbin/sendmail. */
add_filter('pre_wp_mail', '__return_false');
EOF

  # What every CLI script needs before wp-load.php: the config name and a Host (Debian's wp-config reads it).
  cat >"$LAB/cli-bootstrap.php" <<EOF
<?php
\$_SERVER['WORDPRESS_CONFIG'] = '$CONF';
\$_SERVER['HTTP_HOST'] = '$HOST:$PORT';
\$_SERVER['SERVER_NAME'] = '$HOST';
\$_SERVER['REQUEST_URI'] = '/';
\$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
EOF

  cat >"$LAB/router.php" <<EOF
<?php
/* Router for: php -S $HOST:$PORT -t $WP_ROOT $LAB/router.php
   php -S does not copy the environment into \$_SERVER, so the config name is set here. */
\$_SERVER['WORDPRESS_CONFIG'] = '$CONF';
\$root    = '$WP_ROOT';
\$content = '$LAB/wp-content';                  // WP_CONTENT_DIR lives outside the docroot
\$path = rawurldecode(parse_url(\$_SERVER['REQUEST_URI'], PHP_URL_PATH) ?: '/');
if (strpos(\$path, '..') !== false) { http_response_code(400); return true; }
if (strncmp(\$path, '/wp-content/', 12) === 0) { // uploads and theme assets
    \$f = \$content . substr(\$path, 11);
    if (is_file(\$f) && substr(\$f, -4) !== '.php') {
        \$types = ['css' => 'text/css', 'js' => 'text/javascript', 'json' => 'application/json',
                  'svg' => 'image/svg+xml', 'png' => 'image/png', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg',
                  'gif' => 'image/gif', 'webp' => 'image/webp', 'woff' => 'font/woff', 'woff2' => 'font/woff2',
                  'txt' => 'text/plain', 'pdf' => 'application/pdf'];
        header('Content-Type: ' . (\$types[strtolower(pathinfo(\$f, PATHINFO_EXTENSION))] ?? 'application/octet-stream'));
        header('Content-Length: ' . filesize(\$f));
        readfile(\$f);
        return true;
    }
}
if (\$path !== '/' && file_exists(\$root . \$path)) {
    if (is_dir(\$root . \$path) && substr(\$path, -1) !== '/') {
        header('Location: ' . \$path . '/', true, 301);
        return true;
    }
    return false;                                // a static file or a real .php (wp-login.php, wp-admin/...)
}
// Everything else is WordPress's front controller: pretty permalinks, /wp-json/..., /index.php/...
\$_SERVER['SCRIPT_NAME'] = \$_SERVER['PHP_SELF'] = '/index.php';
\$_SERVER['SCRIPT_FILENAME'] = \$root . '/index.php';
chdir(\$root);
require \$root . '/index.php';
EOF

  # Non-interactive install (what wp-admin/install.php?step=2 does), the author, Application Passwords.
  # argv[1]: the previous credentials.json, if any.  An app password that still verifies is kept, so a
  # restart does not invalidate a user's .env; otherwise a new one is made.
  cat >"$LAB/install.php" <<EOF
<?php
require '$LAB/cli-bootstrap.php';
define('WP_INSTALLING', true);
require '$WP_ROOT/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
\$previous = [];
if (isset(\$argv[1]) && is_readable(\$argv[1])) {
    \$previous = json_decode((string) file_get_contents(\$argv[1]), true)['users'] ?? [];
}
\$out = ['url' => '$URL', 'rest' => '$URL/wp-json/', 'wp_version' => \$GLOBALS['wp_version'],
        'installed_now' => false, 'users' => []];
if (!is_blog_installed()) {
    wp_install('digest-publisher lab', 'admin', 'admin@example.com', false, '', 'admin-pass-123');
    \$out['installed_now'] = true;
}
// set_permalink_structure, not update_option: the latter leaves stale rewrite rules behind.
\$GLOBALS['wp_rewrite']->set_permalink_structure('/%postname%/');
flush_rewrite_rules(false);
if (!get_user_by('login', 'author1')) {
    wp_insert_user(['user_login' => 'author1', 'user_pass' => 'author-pass-123',
                    'user_email' => 'author1@example.com', 'role' => 'author']);
}
foreach (['admin' => 'admin-pass-123', 'author1' => 'author-pass-123'] as \$login => \$pass) {
    \$u = get_user_by('login', \$login);
    \$app = \$previous[\$login]['app_password'] ?? '';
    \$valid = false;
    foreach (WP_Application_Passwords::get_user_application_passwords(\$u->ID) as \$item) {
        if (\$app !== '' && wp_check_password(\$app, \$item['password'], \$u->ID)) { \$valid = true; }
    }
    if (!\$valid) {
        WP_Application_Passwords::delete_all_application_passwords(\$u->ID);
        [\$app, \$item] = WP_Application_Passwords::create_new_application_password(\$u->ID, ['name' => 'dp-wp']);
    }
    // Stored without the display spaces: WordPress strips them anyway, and a .env value without spaces
    // survives any parser (shell, make, python-dotenv).
    \$out['users'][\$login] = ['id' => \$u->ID, 'role' => \$u->roles[0], 'password' => \$pass,
                              'app_password' => \$app];
}
echo json_encode(\$out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
EOF

  cat >"$LAB/permalinks.php" <<EOF
<?php
require '$LAB/cli-bootstrap.php';
require '$WP_ROOT/wp-load.php';
\$structures = ['plain' => '', 'pretty' => '/%postname%/',
                'index' => '/index.php/%year%/%monthnum%/%day%/%postname%/'];
\$mode = \$argv[1] ?? '';
if (!array_key_exists(\$mode, \$structures)) { fwrite(STDERR, "unknown permalink mode: \$mode\n"); exit(2); }
\$GLOBALS['wp_rewrite']->set_permalink_structure(\$structures[\$mode]);
flush_rewrite_rules(false);
echo get_option('permalink_structure'), "\n";
EOF
}

# ---------------------------------------------------------------- start / stop

start_db() {
  if db_alive; then log "mariadbd already running (pid $(cat "$DB_PID"))"; return; fi
  rm -f "$DB_PID" "$SOCK"
  if [ ! -d "$LAB/db/data/mysql" ]; then
    rm -rf "$LAB/db/data"
    mariadb-install-db --no-defaults --user=root --datadir="$LAB/db/data" \
      --auth-root-authentication-method=socket --skip-test-db "${DB_FAST[@]}" \
      >"$LAB/logs/install-db.log" 2>&1 \
      || { tail -n 15 "$LAB/logs/install-db.log" >&2; die 1 "mariadb-install-db failed (log: $LAB/logs/install-db.log)"; }
    log "MariaDB datadir initialised"
  fi
  # Private instance: own datadir, unix socket only, its own session so a Ctrl-C in the caller's terminal
  # does not reach it; stopped by pid.
  setsid /usr/sbin/mariadbd --no-defaults --user=root --datadir="$LAB/db/data" --socket="$SOCK" \
    --pid-file="$DB_PID" --skip-networking --log-error="$LAB/logs/mariadb.err" \
    --innodb-buffer-pool-size=64M "${DB_FAST[@]}" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    </dev/null >/dev/null 2>&1 9>&- &
  local i
  for i in $(seq 1 300); do
    mariadb-admin --no-defaults --socket="$SOCK" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
  mariadb-admin --no-defaults --socket="$SOCK" ping >/dev/null 2>&1 \
    || { tail -n 15 "$LAB/logs/mariadb.err" >&2; die 1 "mariadbd did not answer on $SOCK (log: $LAB/logs/mariadb.err)"; }
  mariadb --no-defaults --socket="$SOCK" -e "
    CREATE DATABASE IF NOT EXISTS wordpress DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS 'wordpress'@'localhost' IDENTIFIED BY '$DB_PASS';
    GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';"
  log "mariadbd up (pid $(cat "$DB_PID"))"
}

install_wordpress() {
  local prev=""
  [ -s "$CREDS" ] && prev="$CREDS"
  # Written next to the target and renamed: a crash never leaves a half-written credentials.json.
  ( umask 077; php "$LAB/install.php" "$prev" >"$CREDS.tmp" 2>>"$LAB/logs/install.err" ) \
    || { rm -f "$CREDS.tmp"; tail -n 15 "$LAB/logs/install.err" >&2; die 1 "WordPress install failed (log: $LAB/logs/install.err)"; }
  mv "$CREDS.tmp" "$CREDS"
  log "WordPress installed and configured (credentials: $CREDS)"
}

start_web() {
  if web_alive; then log "php -S already running (process group $(cat "$PHP_PGID"))"; return; fi
  rm -f "$PHP_PGID"
  if [ "$(http_status "$URL/")" != 000 ]; then
    die 1 "something else already answers on $URL (not started from $LAB); stop it or choose another WP_PORT"
  fi
  # Own session and process group: with PHP_CLI_SERVER_WORKERS the workers are children of the php parent
  # and a SIGTERM to the parent alone leaves them listening.  stop kills the whole group.
  PHP_CLI_SERVER_WORKERS=4 setsid sh -c 'echo $$ > "$1/php.pgid"; exec php -d upload_max_filesize=64M -d post_max_size=64M -d memory_limit=256M -S "$2" -t "$3" "$1/router.php"' \
    sh "$LAB" "$HOST:$PORT" "$WP_ROOT" </dev/null >"$LAB/logs/php-server.log" 2>&1 9>&- &
  local i
  for i in $(seq 1 200); do
    [ "$(http_status "$URL/wp-json/")" = 200 ] && break
    sleep 0.05
  done
  [ "$(http_status "$URL/wp-json/")" = 200 ] \
    || { tail -n 15 "$LAB/logs/php-server.log" >&2; die 1 "php -S did not serve $URL/wp-json/ (log: $LAB/logs/php-server.log)"; }
  log "REST ready at $URL/wp-json/ (php process group $(cat "$PHP_PGID"))"
}

stop_all() {
  if web_alive; then
    SID=$(cat "$PHP_PGID")
    kill -TERM -- "-$SID" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do session_alive || break; sleep 0.05; done
    if session_alive; then kill -KILL -- "-$SID" 2>/dev/null || true; fi
    log "php -S stopped (process group $SID)"
  fi
  rm -f "$PHP_PGID"
  if db_alive; then
    local p; p=$(cat "$DB_PID")
    kill -TERM "$p"
    local i
    for i in $(seq 1 400); do running "$p" || break; sleep 0.05; done
    running "$p" && die 1 "mariadbd (pid $p) did not stop within 20 s; see $LAB/logs/mariadb.err"
    log "mariadbd stopped (pid $p)"
  fi
  rm -f "$DB_PID"
}

is_up() { db_alive && web_alive && [ -s "$CREDS" ]; }

# ---------------------------------------------------------------- commands

cmd_start() {
  [ "$(id -u)" = 0 ] || die 1 "run as root (apt-get and /etc/wordpress need it)"
  mkdir -p "$LAB/db" "$LAB/logs"
  check_lab_version
  if is_up && [ "$(http_status "$URL/wp-json/")" = 200 ]; then
    log "already running at $URL (mariadbd pid $(cat "$DB_PID"), php process group $(cat "$PHP_PGID")); nothing to do"
    return
  fi
  prepare_version
  write_files
  echo "$WP_VERSION" >"$LAB/wp-version"
  start_db
  install_wordpress
  start_web
  log "ready: WordPress $(tree_version "$WP_ROOT") at $URL  (admin and author1; '$0 env' prints the .env lines; stop with '$0 stop')"
}

cmd_status() {
  local db=null web=null state=stopped code=$EXIT_NOT_RUNNING
  db_alive && db=$(cat "$DB_PID")
  web_alive && web=$(cat "$PHP_PGID")
  if is_up; then state=running; code=0; elif [ "$db" != null ] || [ "$web" != null ]; then state=partial; fi
  printf '{"state": "%s", "url": "%s", "lab_dir": "%s", "wp_version": "%s", "mariadbd_pid": %s, "php_pgid": %s}\n' \
    "$state" "$URL" "$LAB" "$(tree_version "$WP_ROOT")" "$db" "$web"
  return $code
}

cmd_env() {
  is_up || die $EXIT_NOT_RUNNING "no WordPress running from $LAB; start it with '$0 start'"
  php -r '$c = json_decode(file_get_contents($argv[1]), true);
    echo "WORDPRESS_URL=", $c["url"], "\n";
    echo "WORDPRESS_USERNAME=admin\n";
    echo "WORDPRESS_APP_PASSWORD=", $c["users"]["admin"]["app_password"], "\n";' "$CREDS"
}

cmd_permalinks() {
  local mode=${1:-}
  case "$mode" in plain|pretty|index) ;; *) die 2 "usage: $0 permalinks plain|pretty|index" ;; esac
  db_alive || die $EXIT_NOT_RUNNING "MariaDB of $LAB is not running; start it with '$0 start'"
  local now
  now=$(php "$LAB/permalinks.php" "$mode" 2>>"$LAB/logs/permalinks.err") \
    || die 1 "could not set permalinks to $mode (log: $LAB/logs/permalinks.err)"
  log "permalinks: $mode ('$now')"
}

cmd_reset() {
  stop_all
  rm -rf "$LAB/db" "$LAB/wp-content" "$CREDS" "$LAB/salts.php" "$LAB/wp-version"
  rm -f "/etc/wordpress/config-$CONF.php"
  log "lab data in $LAB removed"
}

# One command at a time per lab: two concurrent `start`s (make wordpress twice, two test sessions) would
# otherwise both launch a mariadbd on the same datadir.  The daemons are started with `9>&-` so they do
# not inherit (and hold forever) this lock.
mkdir -p "$LAB"
exec 9>"$LAB/.script.lock"
flock 9

case "${1:-}" in
  install) mkdir -p "$LAB/logs"; install_packages; fetch_wordpress_68 ;;
  start) cmd_start ;;
  stop) stop_all ;;
  status) cmd_status ;;
  env) cmd_env ;;
  reset) cmd_reset ;;
  permalinks) shift; cmd_permalinks "${1:-}" ;;
  *) echo "usage: $0 install|start|stop|status|env|reset|permalinks plain|pretty|index" >&2; exit 2 ;;
esac
