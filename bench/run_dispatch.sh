#!/usr/bin/env bash
# Live-sharing benchmark (dispatch events): bench_dispatch reports unit positions, holds
# event-stream subscribers and takes calls against keitsu serve on a fresh store, and measures
# the latency from a call's creation to its event at every subscriber.
#
#   bench/run_dispatch.sh [BUILD_DIR]             (default build; bench/run.sh calls it)
#
# Each run: three users added with keitsu user add to a fresh data directory (a supervisor, a
# call_taker, a dispatcher; one random password, on stdin), keitsu serve --listen 127.0.0.1:0
# --threads BENCH_DISPATCH_THREADS (default 32, serve's default) on it, the port read from its
# "serving on http://…" line, then bench_dispatch URL SERVER_PID with the password in
# BENCH_DISPATCH_PASSWORD. With KEITSU_BENCH_PG set it runs a second time on a fresh PostgreSQL
# database keitsu_bench_dispatch_PID created next to that one and dropped afterwards (psql).
#
# Environment, read by bench_dispatch (see bench/bench_dispatch.c): BENCH_UNITS (5,000),
# BENCH_SUBSCRIBERS (200), BENCH_POS_PERIOD (5), BENCH_CALL_RATE (10), BENCH_WARMUP (5),
# BENCH_SECONDS (measured seconds: 30 here, not wrk's 15), BENCH_POS_CONNS (16),
# BENCH_GOAL_MS (50). A goal not met is reported as "(bench_dispatch exit status N)" and is not
# a failure of this script. BENCH_RESULTS: where the figures are kept (default
# BUILD_DIR/bench-results): dispatch.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need keitsu bench_dispatch
DISPATCH_THREADS=${BENCH_DISPATCH_THREADS:-32}

# One bench_dispatch run: keitsu serve on a fresh data directory (and, with a URL, a fresh
# PostgreSQL database), the three users it logs in as, then the load.
dispatch_run() { # label [postgresql-url]
    local label=$1 db=${2:-} dwork pw u rc=0
    local dbargs=()
    bench_mktemp dwork keitsu-dbench
    pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    [ -n "$db" ] && dbargs=(--db "$db")
    for u in bench-sup:supervisor bench-taker:call_taker bench-disp:dispatcher; do
        printf '%s\n' "$pw" | "$BUILD/keitsu" user add --data "$dwork/data" "${dbargs[@]}" \
            "${u%%:*}" --role "${u##*:}" --agency 警視庁 >>"$dwork/user.log" 2>&1 ||
            { tail -n 5 "$dwork/user.log" >&2; rm -rf "$dwork"; return 1; }
    done
    bench_serve_start "$dwork/serve.log" --data "$dwork/data" "${dbargs[@]}" \
        --listen 127.0.0.1:0 --threads "$DISPATCH_THREADS"
    bench_wait_url 30 || { rm -rf "$dwork"; return 1; }
    echo "-- $label: keitsu serve --threads $DISPATCH_THREADS on $BENCH_URL"
    BENCH_DISPATCH_PASSWORD=$pw "$BUILD/bench_dispatch" "$BENCH_URL" "$BENCH_SERVER_PID" || rc=$?
    if grep -q "not keeping up" "$dwork/serve.log"; then
        echo "server: $(grep -c "not keeping up" "$dwork/serve.log") subscribers disconnected for not keeping up"
    fi
    bench_serve_stop
    rm -rf "$dwork"
    return $rc
}

DISPATCH_PG=
drop_dispatch_pg() {
    [ -n "$DISPATCH_PG" ] || return 0
    psql -q "$KEITSU_BENCH_PG" -c "DROP DATABASE IF EXISTS $DISPATCH_PG" || true
    DISPATCH_PG=
}

echo "== live sharing (dispatch events): $BUILD/bench_dispatch"
if [ -n "${KEITSU_BENCH_PG:-}" ]; then
    bench_need_cmd psql
    DISPATCH_PG=keitsu_bench_dispatch_$$
    bench_at_exit drop_dispatch_pg
    psql -q -v ON_ERROR_STOP=1 "$KEITSU_BENCH_PG" -c "CREATE DATABASE $DISPATCH_PG"
fi
{
    bench_subshell_traps # a subshell: the servers it starts are its own to stop, also on ^C
    # A goal not met is a figure to keep, not a reason to stop the other sections.
    dispatch_run "SQLite store" || echo "(bench_dispatch exit status $?)"
    if [ -n "$DISPATCH_PG" ]; then
        echo
        dispatch_run "PostgreSQL store" \
            "${KEITSU_BENCH_PG%/*}/$DISPATCH_PG" ||
            echo "(bench_dispatch exit status $?)"
    fi
} 2>&1 | tee "$RESULTS/dispatch.txt"
drop_dispatch_pg
echo
echo "figures kept in $RESULTS/dispatch.txt"
