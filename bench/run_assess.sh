#!/usr/bin/env bash
# Licence point assessment benchmark: bench_assess assesses a generated population of driving
# histories (0–20 events each) in-process, through the C API (licence_assess) and, for the
# first 50,000, through the JSON form the CLI and the API use (licence_assess_json).
#
#   bench/run_assess.sh [BUILD_DIR]               (default build; bench/run.sh calls it)
#
# Environment: BENCH_ASSESS_N (histories, default 200,000; given to bench_assess as its
# argument, so BENCH_N, the query section's record count, does not reach it).
# BENCH_RESULTS: where the figures are kept (default BUILD_DIR/bench-results): assess.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need bench_assess
N=${BENCH_ASSESS_N:-200000}

echo "== licence point assessment: $BUILD/bench_assess $N"
"$BUILD/bench_assess" "$N" | tee "$RESULTS/assess.txt"
echo
echo "figures kept in $RESULTS/assess.txt"
