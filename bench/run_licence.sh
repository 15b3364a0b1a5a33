#!/usr/bin/env bash
# Driver-licence registry benchmark (運転者管理): bench_licence loads BENCH_LICENCE_N generated
# holders into SQLite (or into KEITSU_BENCH_LICENCE_PG, an empty database, when set) and times
# the bulk load, the check index rebuild, checks/s in-process and assessments/s; then
# keitsu serve --demo with BENCH_LICENCE_HTTP_N demo holders answers POST /api/v1/licence/check
# under wrk for p50/p99 (always on SQLite).
#
#   bench/run_licence.sh [BUILD_DIR]              (default build; bench/run.sh calls it)
#
# Environment: BENCH_LICENCE_N (default 10,000,000; 1,000,000 for a quicker run),
# BENCH_LICENCE_HTTP_N (1,000,000), KEITSU_BENCH_LICENCE_PG; bench_licence also reads
# BENCH_THREADS (32), BENCH_SECONDS (per timed phase, its default 5) and BENCH_DIR (see
# bench/bench_licence.c). For the HTTP part: BENCH_SECONDS (wrk duration, 15),
# BENCH_LICENCE_CONNS (wrk connection counts run in turn, "8 16 32"),
# BENCH_WRK_THREADS (2), BENCH_SERVE_THREADS (keitsu serve --threads, 4), BENCH_PORT (18089).
# BENCH_RESULTS: where the figures are kept (default BUILD_DIR/bench-results): licence.txt,
# licence_http.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need keitsu bench_licence
bench_need_cmd wrk "apt-get install -y wrk"
bench_need_cmd curl
LN=${BENCH_LICENCE_N:-10000000}
LHN=${BENCH_LICENCE_HTTP_N:-1000000}
URL=http://127.0.0.1:$PORT
bench_mktemp WORK keitsu-bench-licence

echo "== licence registry in-process: BENCH_LICENCE_N=$LN $BUILD/bench_licence"
BENCH_LICENCE_N=$LN "$BUILD/bench_licence" | tee "$RESULTS/licence.txt"

echo "== licence check over HTTP: keitsu serve --demo --demo-holders $LHN"
bench_serve_start "$WORK/serve.log" --data "$WORK/data" --listen "127.0.0.1:$PORT" --demo \
    --demo-persons 0 --demo-vehicles 0 --demo-holders "$LHN" --threads "$SERVE_THREADS"
bench_wait_health "$URL" 1800 || exit 1
TOKEN=$(bench_login "$URL" "$WORK/data" officer)
BENCH_LICENCE_N=$LHN BENCH_LICENCE_BODIES="$WORK/checks.jsonl" "$BUILD/bench_licence"
{
    bench_subshell_traps # ^C ends the group, not just the wrk run in progress
    echo "licence check over HTTP, $LHN holders, SQLite"
    for CONNS in ${BENCH_LICENCE_CONNS:-8 16 32}; do
        echo
        echo "-- wrk -t$WRK_THREADS -c$CONNS -d${WRK_SECONDS}s --latency POST /api/v1/licence/check"
        bench_wrk "$URL/api/v1/licence/check" "$WORK/checks.jsonl" "$TOKEN"
    done
} 2>&1 | tee "$RESULTS/licence_http.txt"

bench_serve_stop
echo "figures kept in $RESULTS/licence.txt and $RESULTS/licence_http.txt"
