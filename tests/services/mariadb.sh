#!/usr/bin/env bash
# A private MariaDB server for the tests: `start` prints a mysql:// URL on stdout,
# `stop` stops it.  Idempotent: `start` reuses a server that is already running.
#
# Data folder: $PROGMOH_VAR/mariadb (default: var/mariadb in the repository).
# It listens on its own socket there and on 127.0.0.1:$PROGMOH_MARIADB_PORT
# (default 33306).  The test user's password is made once and kept (mode 600)
# in the data folder.  Everything but the URL goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
var="${PROGMOH_VAR:-$here/var}"
base="$var/mariadb"
data="$base/data"
sock="$base/mysqld.sock"
pidfile="$base/mysqld.pid"
port="${PROGMOH_MARIADB_PORT:-33306}"
secret="$base/test-password"
database="progmoh_test"
user="progmoh"

say() { echo "mariadb.sh: $*" >&2; }

running() {
    [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null \
        && mariadb-admin --socket="$sock" --user=root ping >/dev/null 2>&1
}

install_db() {
    [[ -d "$data/mysql" ]] && return
    say "creating a data folder in $data"
    mkdir -p "$data"
    mariadb-install-db --user=root --datadir="$data" --auth-root-authentication-method=socket \
        --skip-test-db >"$base/install.log" 2>&1 || { cat "$base/install.log" >&2; exit 1; }
}

launch() {
    say "starting mariadbd on 127.0.0.1:$port"
    mariadbd --no-defaults --user=root --datadir="$data" --socket="$sock" --pid-file="$pidfile" \
        --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
        --log-error="$base/error.log" --innodb-buffer-pool-size=32M \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
        running && return
        if ! kill -0 $! 2>/dev/null; then
            tail -n 20 "$base/error.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    say "mariadbd did not come up within 30 s; see $base/error.log"
    exit 1
}

ensure_user() {
    if [[ ! -s "$secret" ]]; then
        (umask 077; head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret")
    fi
    local password
    password="$(cat "$secret")"
    mariadb --socket="$sock" --user=root <<SQL
CREATE DATABASE IF NOT EXISTS $database CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$password';
ALTER USER '$user'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER '$user'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`progmoh\\_test%\`.* TO '$user'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`progmoh\\_test%\`.* TO '$user'@'localhost';
SQL
    echo "mysql://$user:$password@127.0.0.1:$port/$database"
}

start() {
    mkdir -p "$base"
    chmod 700 "$base"
    running || { install_db; launch; }
    ensure_user
}

stop() {
    if running; then
        say "stopping mariadbd"
        mariadb-admin --socket="$sock" --user=root shutdown
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
