#!/usr/bin/env bash
# Query-centre benchmark (照会): person-name queries with variant spellings and plate queries,
# first in-process and against PostgreSQL pg_trgm (bench_query), then over HTTP with keep-alive
# (wrk against keitsu serve on a loopback port, on the same store).
#
#   bench/run_query.sh [BUILD_DIR]                (default build; bench/run.sh calls it)
#
# bench_query N loads the demo dataset (N persons, N vehicles) into a store in a temporary
# directory and writes the request bodies; keitsu serve --demo then answers over that store
# while wrk replays them (bench/post.lua): person name + birth date, person name only, plates.
#
# Environment: BENCH_N (persons = vehicles, default 1000000), BENCH_Q (variant queries, 20000),
# BENCH_PG_Q (queries pg_trgm answers, 4000), KEITSU_BENCH_PG (postgresql:// URL for the
# pg_trgm comparison; skipped when unset), BENCH_OWN_VARIANTS (see bench/bench_query.c),
# BENCH_SECONDS (wrk duration per run, 15), BENCH_QUERY_CONNS (connection counts, each run in
# turn, "16 32": 16 is at the 20,000 q/s goal, 32 drives the two cores to saturation, where wrk's
# own share of the CPU sets the tail), BENCH_WRK_THREADS (2),
# BENCH_SERVE_THREADS (keitsu serve --threads, 4), BENCH_PORT (18089).
# BENCH_RESULTS: where the figures are kept (default BUILD_DIR/bench-results): inprocess.txt,
# examples.txt, http.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need keitsu bench_query
bench_need_cmd wrk "apt-get install -y wrk"
bench_need_cmd curl
N=${BENCH_N:-1000000}
URL=http://127.0.0.1:$PORT
bench_mktemp WORK keitsu-bench

echo "== in-process and pg_trgm: $BUILD/bench_query $N (data in $WORK/data)"
BENCH_DIR=$WORK/data BENCH_OUT=$WORK "$BUILD/bench_query" "$N"
cp "$WORK/results.txt" "$RESULTS/inprocess.txt"
cp "$WORK/examples.txt" "$RESULTS/examples.txt" 2>/dev/null || true

echo
echo "== HTTP: keitsu serve on $URL, --threads $SERVE_THREADS, the same store"
# --demo on a store that already holds the dataset only adds the demo users; on an empty one it
# would load the dataset of the same size first.
bench_serve_start "$WORK/serve.log" --data "$WORK/data" --listen "127.0.0.1:$PORT" --demo \
    --demo-persons "$N" --demo-vehicles "$N" --threads "$SERVE_THREADS"
bench_wait_health "$URL" 1800 || exit 1
echo "server up after $BENCH_SERVER_UP_AFTER s (index rebuilt from the store)"
TOKEN=$(bench_login "$URL" "$WORK/data" officer)

echo "sample answer:"
curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "$(head -n 1 "$WORK/persons.jsonl")" "$URL/api/v1/query/person" | cut -c 1-300
echo

http_run() { # label path bodies-file
    echo
    echo "-- $1: wrk -t$WRK_THREADS -c$CONNS -d${WRK_SECONDS}s --latency POST $2"
    bench_wrk "$URL$2" "$3" "$TOKEN"
}
{
    bench_subshell_traps # ^C ends the group, not just the wrk run in progress
    echo "keitsu over HTTP, $N persons + $N vehicles, keitsu serve --threads $SERVE_THREADS"
    for CONNS in ${BENCH_QUERY_CONNS:-16 32}; do
        http_run "person name + birth date (variant spellings)" /api/v1/query/person \
            "$WORK/persons.jsonl"
        http_run "person name only (variant spellings)" /api/v1/query/person \
            "$WORK/persons_name.jsonl"
        http_run "plates (five typings)" /api/v1/query/vehicle "$WORK/plates.jsonl"
    done
} 2>&1 | tee "$RESULTS/http.txt"

bench_serve_stop
echo
echo "figures kept in $RESULTS/ (inprocess.txt, http.txt)"
