#!/usr/bin/env bash
# Installs keitsu's build and test dependencies on Debian 12 and prepares the local PostgreSQL 15
# the test suite uses: role keitsu (LOGIN SUPERUSER, password keitsu) and database keitsu (UTF8).
#
#   sudo bash scripts/setup-deps.sh          # then:
#   export KEITSU_TEST_PG=postgresql://keitsu:keitsu@127.0.0.1:5432/keitsu
#
# Idempotent: safe to run again on a machine that already has everything, with PostgreSQL
# running or not. KEITSU_SKIP_APT=1 skips the package installation (offline machines).
# .ci/run calls this script, so CI and developers set up the same way.
set -euo pipefail

PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
PACKAGES=(
    build-essential cmake pkg-config clang libclang-rt-14-dev
    libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev libcurl4-openssl-dev
    libxml2-dev libnats-dev nats-server libjs-leaflet chromium chromium-driver libpng-dev
    libewf-dev libyara-dev libssl-dev xz-utils sleuthkit foremost testdisk forensics-samples-all
    ewf-tools gdisk fdisk ntfs-3g e2fsprogs openssl
    postgresql postgresql-contrib postgresql-15-postgis-3 python3 curl sqlite3 wrk
    dosfstools mtools exfatprogs
)

log() { printf '[setup-deps] %s\n' "$*"; }
die() { printf '[setup-deps] error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

# Runs a command quietly, showing its output only if it fails.
quiet() {
    local out
    out=$(mktemp)
    if ! "$@" >"$out" 2>&1; then
        cat "$out" >&2
        rm -f "$out"
        die "failed: $*"
    fi
    rm -f "$out"
}

install_packages() {
    if [ "${KEITSU_SKIP_APT:-0}" = 1 ]; then
        log "KEITSU_SKIP_APT=1: not installing packages"
        return
    fi
    log "apt-get update"
    quiet "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    log "apt-get install ${PACKAGES[*]}"
    quiet "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"
    # The browser tests drive Chromium with playwright-core from npm; machines that have no
    # Node.js yet get Debian's.
    if ! command -v npm >/dev/null; then
        log "apt-get install nodejs npm"
        quiet "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
    fi
}

as_postgres() {
    # From / so psql does not complain about an unreadable current directory.
    (cd / && "${SUDO[@]}" runuser -u postgres -- "$@")
}

start_postgres() {
    command -v pg_lsclusters >/dev/null || die "postgresql-common is not installed"
    if ! pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c' |
        grep -q .; then
        log "creating PostgreSQL $PG_VERSION cluster $PG_CLUSTER"
        quiet "${SUDO[@]}" pg_createcluster --port "$PG_PORT" "$PG_VERSION" "$PG_CLUSTER"
    fi
    if pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" \
        '$1 == v && $2 == c && $4 ~ /^online/' | grep -q .; then
        log "PostgreSQL $PG_VERSION/$PG_CLUSTER already running"
    else
        log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
        # Exit status 2 means "already running" (a race with a service manager): fine.
        "${SUDO[@]}" pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || [ $? -eq 2 ] ||
            "${SUDO[@]}" service postgresql start ||
            die "PostgreSQL did not start; see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
    fi
}

wait_for_tcp() {
    log "waiting for PostgreSQL on 127.0.0.1:$PG_PORT"
    for _ in $(seq 1 60); do
        if pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then return 0; fi
        sleep 1
    done
    die "PostgreSQL does not accept TCP connections on 127.0.0.1:$PG_PORT after 60 s"
}

create_role_and_db() {
    log "ensuring role keitsu and database keitsu"
    as_postgres psql -p "$PG_PORT" -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
SELECT 'CREATE ROLE keitsu LOGIN SUPERUSER PASSWORD ''keitsu'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'keitsu')
\gexec
SELECT 'CREATE DATABASE keitsu OWNER keitsu TEMPLATE template0 ENCODING ''UTF8'''
       ' LC_COLLATE ''C.UTF-8'' LC_CTYPE ''C.UTF-8'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'keitsu')
\gexec
SQL
}

check_login() {
    PGPASSWORD=keitsu PGCONNECT_TIMEOUT=10 psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U keitsu \
        -d keitsu -c 'SELECT 1' >/dev/null ||
        die "cannot log in as keitsu over TCP (check pg_hba.conf allows password logins from 127.0.0.1)"
}

install_packages
start_postgres
wait_for_tcp
create_role_and_db
check_login
log "ready: KEITSU_TEST_PG=postgresql://keitsu:keitsu@127.0.0.1:$PG_PORT/keitsu"
