#!/usr/bin/env bash
# Runs the nearest-unit benchmark (bench_geo: the dispatch index against PostGIS KNN), then the
# live-sharing benchmark (bench_dispatch: positions, event-stream subscribers and calls against
# keitsu serve on a fresh store), then the query-centre benchmark: in-process and pg_trgm
# (bench_query), then over HTTP with keep-alive (wrk against keitsu serve on a loopback port, on
# the same store).
#
#   bench/run.sh [BUILD_DIR]                  (make bench calls it with build/)
#
# Environment: BENCH_N (persons = vehicles, default 1000000), BENCH_Q (variant queries, 20000),
# BENCH_SECONDS (wrk duration per run, 15), BENCH_CONNS (32), BENCH_WRK_THREADS (2),
# BENCH_SERVE_THREADS (keitsu serve --threads, 16), BENCH_PORT (18089),
# KEITSU_BENCH_PG (postgresql:// URL for the pg_trgm comparison; skipped when unset), BENCH_PG_Q,
# BENCH_RESULTS (where the figures are kept, default BUILD_DIR/bench-results),
# BENCH_ONLY (geo: only bench_geo; dispatch: only bench_dispatch; query: only the query-centre
# benchmark; unset: all three).
# bench_geo reads BENCH_GEO_N, BENCH_GEO_Q, BENCH_GEO_PG_Q and KEITSU_BENCH_GEO_PG (falling back
# to KEITSU_BENCH_PG); see bench/bench_geo.c.
# bench_dispatch reads BENCH_UNITS, BENCH_SUBSCRIBERS, BENCH_CALL_RATE, BENCH_WARMUP and
# BENCH_SECONDS (here its default is 30, not wrk's 15); see bench/bench_dispatch.c. Its server
# runs with --threads BENCH_DISPATCH_THREADS (default 32, serve's default); with KEITSU_BENCH_PG
# set it runs a second time on a fresh PostgreSQL database created next to that one.
set -euo pipefail
# BENCH_ONLY=licence runs only the self-contained licence block at the end of this file.
if [ "${BENCH_ONLY:-}" = licence ]; then eval "$(sed -n '/^# ---- licence registry (BENCH_ONLY=licence) ----$/,$p' "$0")"; exit; fi

BUILD=${1:-build}
N=${BENCH_N:-1000000}
SECONDS_PER_RUN=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
SERVE_THREADS=${BENCH_SERVE_THREADS:-64}
PORT=${BENCH_PORT:-18089}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=${BENCH_RESULTS:-$BUILD/bench-results}
URL=http://127.0.0.1:$PORT
ONLY=${BENCH_ONLY:-}
case "$ONLY" in
'' | geo | dispatch | query) ;;
*) echo "run.sh: BENCH_ONLY must be geo, dispatch or query, not '$ONLY'" >&2; exit 1 ;;
esac

if [ -z "$ONLY" ] || [ "$ONLY" = geo ]; then
    [ -x "$BUILD/bench_geo" ] || { echo "run.sh: $BUILD/bench_geo is missing; run make bench" >&2; exit 1; }
    mkdir -p "$RESULTS"
    echo "== nearest unit (dispatch recommendation): $BUILD/bench_geo"
    "$BUILD/bench_geo" | tee "$RESULTS/geo.txt"
    echo
    if [ "$ONLY" = geo ]; then
        echo "figures kept in $RESULTS/geo.txt"
        exit 0
    fi
fi

# One bench_dispatch run: keitsu serve on a fresh data directory (and, with a URL, a fresh
# PostgreSQL database), the three users it logs in as, then the load.
dispatch_run() { # label [postgresql-url]
    local label=$1 db=${2:-} dwork pw url pid rc=0
    dwork=$(mktemp -d /tmp/keitsu-dbench-XXXXXX)
    pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    local dbargs=()
    [ -n "$db" ] && dbargs=(--db "$db")
    for u in bench-sup:supervisor bench-taker:call_taker bench-disp:dispatcher; do
        printf '%s\n' "$pw" | "$BUILD/keitsu" user add --data "$dwork/data" "${dbargs[@]}" \
            "${u%%:*}" --role "${u##*:}" --agency 警視庁 >>"$dwork/user.log" 2>&1 ||
            { tail -n 5 "$dwork/user.log" >&2; rm -rf "$dwork"; return 1; }
    done
    "$BUILD/keitsu" serve --data "$dwork/data" "${dbargs[@]}" --listen 127.0.0.1:0 \
        --threads "${BENCH_DISPATCH_THREADS:-32}" >"$dwork/serve.log" 2>&1 &
    pid=$!
    url=
    for _ in $(seq 1 300); do
        url=$(sed -n 's/.*serving on \(http:\/\/[0-9.]*:[0-9]*\).*/\1/p' "$dwork/serve.log")
        [ -n "$url" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "run.sh: keitsu serve did not come up:" >&2
        tail -n 20 "$dwork/serve.log" >&2
        kill "$pid" 2>/dev/null || true
        rm -rf "$dwork"
        return 1
    fi
    echo "-- $label: keitsu serve --threads ${BENCH_DISPATCH_THREADS:-32} on $url"
    BENCH_DISPATCH_PASSWORD=$pw "$BUILD/bench_dispatch" "$url" "$pid" || rc=$?
    if grep -q "not keeping up" "$dwork/serve.log"; then
        echo "server: $(grep -c "not keeping up" "$dwork/serve.log") subscribers disconnected for not keeping up"
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$dwork"
    return $rc
}

if [ -z "$ONLY" ] || [ "$ONLY" = dispatch ]; then
    for b in "$BUILD/keitsu" "$BUILD/bench_dispatch"; do
        [ -x "$b" ] || { echo "run.sh: $b is missing; run make bench" >&2; exit 1; }
    done
    mkdir -p "$RESULTS"
    echo "== live sharing (dispatch events): $BUILD/bench_dispatch"
    dispatch_pg=
    if [ -n "${KEITSU_BENCH_PG:-}" ]; then
        command -v psql >/dev/null || { echo "run.sh: psql is missing" >&2; exit 1; }
        dispatch_pg=keitsu_bench_dispatch_$$
        psql -q -v ON_ERROR_STOP=1 "$KEITSU_BENCH_PG" -c "CREATE DATABASE $dispatch_pg"
    fi
    {
        # A goal not met is a figure to keep, not a reason to stop the other sections.
        dispatch_run "SQLite store" || echo "(bench_dispatch exit status $?)"
        if [ -n "$dispatch_pg" ]; then
            echo
            dispatch_run "PostgreSQL store" \
                "$(echo "$KEITSU_BENCH_PG" | sed "s|/[^/]*\$|/$dispatch_pg|")" ||
                echo "(bench_dispatch exit status $?)"
        fi
    } 2>&1 | tee "$RESULTS/dispatch.txt"
    [ -n "$dispatch_pg" ] &&
        psql -q "$KEITSU_BENCH_PG" -c "DROP DATABASE IF EXISTS $dispatch_pg" || true
    echo
    if [ "$ONLY" = dispatch ]; then
        echo "figures kept in $RESULTS/dispatch.txt"
        exit 0
    fi
fi

for b in "$BUILD/keitsu" "$BUILD/bench_query"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing; run make bench" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "run.sh: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "run.sh: curl is missing" >&2; exit 1; }

WORK=$(mktemp -d /tmp/keitsu-bench-XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
mkdir -p "$RESULTS"

echo "== in-process and pg_trgm: $BUILD/bench_query $N (data in $WORK/data)"
BENCH_DIR=$WORK/data BENCH_OUT=$WORK "$BUILD/bench_query" "$N"
cp "$WORK/results.txt" "$RESULTS/inprocess.txt"
cp "$WORK/examples.txt" "$RESULTS/examples.txt" 2>/dev/null || true

echo
echo "== HTTP: keitsu serve on $URL, --threads $SERVE_THREADS, the same store"
# --demo on a store that already holds the dataset only adds the demo users; on an empty one it
# would load the dataset of the same size first.
"$BUILD/keitsu" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" --demo \
    --demo-persons "$N" --demo-vehicles "$N" --threads "$SERVE_THREADS" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
start=$(date +%s)
until curl -sf "$URL/api/v1/health" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "run.sh: keitsu serve exited:" >&2
        tail -n 20 "$WORK/serve.log" >&2
        SERVER_PID=
        exit 1
    fi
    if [ $(( $(date +%s) - start )) -gt 1800 ]; then
        echo "run.sh: keitsu serve did not come up within 30 minutes" >&2
        exit 1
    fi
    sleep 1
done
echo "server up after $(( $(date +%s) - start )) s (index rebuilt from the store)"

PW=$(awk '$1 == "officer" { print $2 }' "$WORK/data/demo-credentials")
TOKEN=$(curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"user\":\"officer\",\"password\":\"$PW\"}" "$URL/api/v1/sessions" |
    sed -n 's/.*"token" *: *"\([0-9a-f]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "run.sh: login as officer failed" >&2; exit 1; }

echo "sample answer:"
curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "$(head -n 1 "$WORK/persons.jsonl")" "$URL/api/v1/query/person" | cut -c 1-300
echo

http_run() { # label path bodies-file
    echo
    echo "-- $1: wrk -t$WRK_THREADS -c$CONNS -d${SECONDS_PER_RUN}s --latency POST $2"
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECONDS_PER_RUN}s" --timeout 5s --latency \
        -s "$HERE/post.lua" "$URL$2" -- "$3" "$TOKEN"
}
{
    echo "keitsu over HTTP, $N persons + $N vehicles, keitsu serve --threads $SERVE_THREADS"
    http_run "person name + birth date (variant spellings)" /api/v1/query/person "$WORK/persons.jsonl"
    http_run "person name only (variant spellings)" /api/v1/query/person "$WORK/persons_name.jsonl"
    http_run "plates (five typings)" /api/v1/query/vehicle "$WORK/plates.jsonl"
} 2>&1 | tee "$RESULTS/http.txt"

kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
echo
if [ -z "$ONLY" ]; then
    echo "figures kept in $RESULTS/ (geo.txt, dispatch.txt, inprocess.txt, http.txt)"
else
    echo "figures kept in $RESULTS/ (inprocess.txt, http.txt)"
fi

# ---- licence registry (BENCH_ONLY=licence) ----
# Self-contained: run with BENCH_ONLY=licence (the hook at the top jumps here). bench_licence
# loads BENCH_LICENCE_N generated holders (default 10,000,000; 1,000,000 for a quick run) into
# SQLite, or into KEITSU_BENCH_LICENCE_PG (an empty database) when set, and times bulk load,
# index rebuild, checks/s in-process and assessments/s. Then keitsu serve --demo with
# BENCH_LICENCE_HTTP_N holders (default 1,000,000) answers POST /api/v1/licence/check under wrk
# for p50/p99. Figures go to $RESULTS/licence.txt and licence_http.txt.
if [ "${BENCH_ONLY:-}" = licence ]; then
    LB=${1:-build}
    LRES=${BENCH_RESULTS:-$LB/bench-results}
    LPORT=${BENCH_PORT:-18089}
    LN=${BENCH_LICENCE_N:-10000000}
    LHN=${BENCH_LICENCE_HTTP_N:-1000000}
    LHERE=$(cd "$(dirname "$0")" && pwd)
    mkdir -p "$LRES"
    LWORK=$(mktemp -d /tmp/keitsu-bench-licence-XXXXXX)
    LPID=
    trap '[ -n "$LPID" ] && kill "$LPID" 2>/dev/null; rm -rf "$LWORK"' EXIT INT TERM
    echo "== licence registry in-process: BENCH_LICENCE_N=$LN $LB/bench_licence"
    BENCH_LICENCE_N=$LN "$LB/bench_licence" | tee "$LRES/licence.txt"
    echo "== licence check over HTTP: keitsu serve --demo --demo-holders $LHN"
    "$LB/keitsu" serve --data "$LWORK/data" --listen "127.0.0.1:$LPORT" --demo \
        --demo-persons 0 --demo-vehicles 0 --demo-holders "$LHN" \
        --threads "${BENCH_SERVE_THREADS:-64}" >"$LWORK/serve.log" 2>&1 &
    LPID=$!
    until curl -sf "http://127.0.0.1:$LPORT/api/v1/health" >/dev/null 2>&1; do
        kill -0 "$LPID" 2>/dev/null || { tail -n 20 "$LWORK/serve.log" >&2; exit 1; }
        sleep 1
    done
    LPW=$(awk '$1 == "officer" { print $2 }' "$LWORK/data/demo-credentials")
    LTOKEN=$(curl -sf -X POST -H 'Content-Type: application/json' \
        -d "{\"user\":\"officer\",\"password\":\"$LPW\"}" "http://127.0.0.1:$LPORT/api/v1/sessions" |
        sed -n 's/.*"token" *: *"\([0-9a-f]*\)".*/\1/p')
    BENCH_LICENCE_N=$LHN BENCH_LICENCE_BODIES="$LWORK/checks.jsonl" "$LB/bench_licence"
    {
        echo "licence check over HTTP, $LHN holders, SQLite"
        wrk -t"${BENCH_WRK_THREADS:-2}" -c"${BENCH_CONNS:-32}" -d"${BENCH_SECONDS:-15}s" \
            --timeout 5s --latency -s "$LHERE/post.lua" "http://127.0.0.1:$LPORT/api/v1/licence/check" \
            -- "$LWORK/checks.jsonl" "$LTOKEN"
    } 2>&1 | tee "$LRES/licence_http.txt"
    echo "figures kept in $LRES/licence.txt and $LRES/licence_http.txt"
fi
