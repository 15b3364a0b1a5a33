#!/usr/bin/env bash
# Nearest-unit benchmark (dispatch recommendation): bench_geo, geo_index_nearest k = 5 of the
# dispatch index against PostGIS KNN (GiST, ORDER BY <-> LIMIT 5) on the same units and queries.
# In-process; no server.
#
#   bench/run_geo.sh [BUILD_DIR]                  (default build; bench/run.sh calls it)
#
# Environment, read by bench_geo (see bench/bench_geo.c): BENCH_GEO_N (units, default 10,000),
# BENCH_GEO_Q (in-process queries per scenario, 200,000), BENCH_GEO_PG_Q (queries PostGIS
# answers, 5,000), KEITSU_BENCH_GEO_PG, falling back to KEITSU_BENCH_PG (postgresql:// URL of a
# database where it may create the postgis extension; PostGIS is skipped when neither is set).
# BENCH_RESULTS: where the figures are kept (default BUILD_DIR/bench-results): geo.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need bench_geo

echo "== nearest unit (dispatch recommendation): $BUILD/bench_geo"
"$BUILD/bench_geo" | tee "$RESULTS/geo.txt"
echo
echo "figures kept in $RESULTS/geo.txt"
