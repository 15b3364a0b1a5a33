# shellcheck shell=bash
# shellcheck disable=SC2034 # BUILD, PORT, … are for the scripts that source this file
# Helpers shared by the benchmark section scripts (bench/run_*.sh). Sourced, never run:
#
#   . "$(dirname "$0")/lib.sh"
#   bench_init "$@"
#
# bench_init sets
#   BUILD          the script's first argument (default build): where keitsu and bench_* are
#   HERE           this directory (bench/), for post.lua
#   RESULTS        BENCH_RESULTS, default BUILD/bench-results; created
#   PORT           BENCH_PORT (default 18089), for the sections that serve on a fixed port
#   SERVE_THREADS  BENCH_SERVE_THREADS (default 4), keitsu serve --threads for query, licence
#   WRK_THREADS, CONNS, WRK_SECONDS  BENCH_WRK_THREADS (2), BENCH_CONNS (32), BENCH_SECONDS (15)
# and traps so that however the script ends, a server started with bench_serve_start is
# stopped, the functions named with bench_at_exit run, and directories made with bench_mktemp
# are removed. Errors are reported as "SCRIPT: message" on stderr.

BENCH_SELF=$(basename "$0")
BENCH_SERVER_PID=
BENCH_SERVER_LOG=
BENCH_TMP=()
BENCH_AT_EXIT=()

bench_init() { # [BUILD_DIR]
    BUILD=${1:-build}
    HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    RESULTS=${BENCH_RESULTS:-$BUILD/bench-results}
    PORT=${BENCH_PORT:-18089}
    SERVE_THREADS=${BENCH_SERVE_THREADS:-4}
    WRK_THREADS=${BENCH_WRK_THREADS:-2}
    CONNS=${BENCH_CONNS:-32}
    WRK_SECONDS=${BENCH_SECONDS:-15}
    bench_traps
    [ -d "$BUILD" ] || bench_die "$BUILD is not a directory; run make bench (it builds into build/)"
    mkdir -p "$RESULTS"
}

bench_die() { # message...
    echo "$BENCH_SELF: $*" >&2
    exit 1
}

bench_traps() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# A subshell (a { …; } | tee group) that starts a server calls this first: traps are not
# inherited there, and what the parent shell started is the parent's to clean up.
bench_subshell_traps() {
    BENCH_SERVER_PID=
    BENCH_TMP=()
    BENCH_AT_EXIT=()
    bench_traps
}

bench_cleanup() {
    local f d
    bench_serve_stop
    for f in "${BENCH_AT_EXIT[@]}"; do "$f" || true; done
    for d in "${BENCH_TMP[@]}"; do rm -rf "$d"; done
}

bench_at_exit() { # function: run at exit, after the server is stopped
    BENCH_AT_EXIT+=("$1")
}

bench_mktemp() { # variable prefix: a fresh /tmp/PREFIX-XXXXXX, removed at exit
    local d
    d=$(mktemp -d "/tmp/$2-XXXXXX")
    BENCH_TMP+=("$d")
    printf -v "$1" '%s' "$d"
}

bench_need() { # program...: each must be an executable in BUILD
    local b
    for b in "$@"; do
        [ -x "$BUILD/$b" ] ||
            bench_die "$BUILD/$b is missing; run make bench (or cmake --build $BUILD --target $b)"
    done
}

bench_need_cmd() { # command [how to install]
    command -v "$1" >/dev/null || bench_die "$1 is missing${2:+ ($2)}"
}

bench_serve_start() { # log-file keitsu-serve-arguments...: in the background, BENCH_SERVER_PID
    BENCH_SERVER_LOG=$1
    shift
    "$BUILD/keitsu" serve "$@" >"$BENCH_SERVER_LOG" 2>&1 &
    BENCH_SERVER_PID=$!
}

bench_serve_stop() {
    [ -n "$BENCH_SERVER_PID" ] || return 0
    kill "$BENCH_SERVER_PID" 2>/dev/null || true
    wait "$BENCH_SERVER_PID" 2>/dev/null || true
    BENCH_SERVER_PID=
}

bench_serve_failed() { # message: says so with the log's tail, stops the server, returns 1
    echo "$BENCH_SELF: $*" >&2
    tail -n 20 "$BENCH_SERVER_LOG" >&2
    bench_serve_stop
    return 1
}

# Waits until URL/api/v1/health answers; BENCH_SERVER_UP_AFTER is the wait in seconds.
bench_wait_health() { # url limit-seconds
    local start
    start=$(date +%s)
    until curl -sf "$1/api/v1/health" >/dev/null 2>&1; do
        kill -0 "$BENCH_SERVER_PID" 2>/dev/null || {
            bench_serve_failed "keitsu serve exited:"
            return 1
        }
        [ $(($(date +%s) - start)) -le "$2" ] || {
            bench_serve_failed "keitsu serve did not come up within $2 s"
            return 1
        }
        sleep 1
    done
    BENCH_SERVER_UP_AFTER=$(($(date +%s) - start))
}

# For a server started with --listen 127.0.0.1:0: BENCH_URL from its "serving on http://…" line.
bench_wait_url() { # limit-seconds
    local i
    BENCH_URL=
    for ((i = 0; i < $1 * 10; i++)); do
        BENCH_URL=$(sed -n 's/.*serving on \(http:\/\/[0-9.]*:[0-9]*\).*/\1/p' "$BENCH_SERVER_LOG")
        [ -n "$BENCH_URL" ] && return 0
        kill -0 "$BENCH_SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    bench_serve_failed "keitsu serve did not come up:"
}

# Logs in as a demo user (password from DATA_DIR/demo-credentials); prints the bearer token.
bench_login() { # url data-dir user
    local pw token
    pw=$(awk -v u="$3" '$1 == u { print $2 }' "$2/demo-credentials")
    token=$(curl -sf -X POST -H 'Content-Type: application/json' \
        -d "{\"user\":\"$3\",\"password\":\"$pw\"}" "$1/api/v1/sessions" |
        sed -n 's/.*"token" *: *"\([0-9a-f]*\)".*/\1/p') || true
    [ -n "$token" ] || {
        echo "$BENCH_SELF: login as $3 failed" >&2
        return 1
    }
    printf '%s\n' "$token"
}

# wrk POSTing the bodies of BODIES_FILE (one a line) in turn with the token, keep-alive.
bench_wrk() { # url bodies-file token
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WRK_SECONDS}s" --timeout 5s --latency \
        -s "$HERE/post.lua" "$1" -- "$2" "$3"
}
