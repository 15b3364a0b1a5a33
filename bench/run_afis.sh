#!/usr/bin/env bash
# AFIS benchmarks, in-process: bench_afis_extract (minutiae extraction: time per image, and
# accuracy against the synthetic ground truth) and bench_afis (matcher accuracy, comparisons
# per second, 1:N search over a large gallery). Each runs when it is in BUILD_DIR; a missing
# one is reported and skipped (trees without the AFIS module do not build them).
#
#   bench/run_afis.sh [BUILD_DIR]                 (default build; bench/run.sh calls it)
#
# Environment: BENCH_AFIS_EXTRACT_N (impressions, default 200) and BENCH_AFIS_EXTRACT_PER
# (impressions per master print, 4), given to bench_afis_extract as its arguments;
# BENCH_AFIS_SAVE=DIR (bench_afis_extract writes each impression there). bench_afis reads
# BENCH_AFIS_FINGERS (1,000), BENCH_AFIS_IMPRESSIONS (8), BENCH_AFIS_GALLERY (1:N gallery,
# 1,000,000, searched at 10,000, 100,000, … on the way; 0 skips the 1:N part),
# BENCH_AFIS_SEARCHES (50 per size), BENCH_AFIS_SHORTLIST (2,000), AFIS_NBIS_BIN (a directory
# with NIST's mindtct and bozorth3, built by hand elsewhere) and BENCH_AFIS_NBIS_FINGERS (200);
# see bench/bench_afis.c.
# BENCH_RESULTS: where the figures are kept (default BUILD_DIR/bench-results): afis_extract.txt,
# afis.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
EXTRACT_N=${BENCH_AFIS_EXTRACT_N:-200}
EXTRACT_PER=${BENCH_AFIS_EXTRACT_PER:-4}

kept=()
if [ -x "$BUILD/bench_afis_extract" ]; then
    echo "== AFIS minutiae extraction: $BUILD/bench_afis_extract $EXTRACT_N $EXTRACT_PER"
    "$BUILD/bench_afis_extract" "$EXTRACT_N" "$EXTRACT_PER" | tee "$RESULTS/afis_extract.txt"
    echo
    kept+=("$RESULTS/afis_extract.txt")
else
    echo "$BENCH_SELF: $BUILD/bench_afis_extract is not built; minutiae extraction skipped" >&2
fi
if [ -x "$BUILD/bench_afis" ]; then
    echo "== AFIS matcher and 1:N search: $BUILD/bench_afis"
    "$BUILD/bench_afis" | tee "$RESULTS/afis.txt"
    echo
    kept+=("$RESULTS/afis.txt")
else
    echo "$BENCH_SELF: $BUILD/bench_afis is not built; matcher and 1:N search skipped" >&2
fi
case ${#kept[@]} in
1) echo "figures kept in ${kept[0]}" ;;
2) echo "figures kept in ${kept[0]} and ${kept[1]}" ;;
esac
