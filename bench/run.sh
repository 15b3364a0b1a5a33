#!/usr/bin/env bash
# Runs the benchmarks, one section script each (their heads say what each measures and which
# environment variables it reads):
#
#   assess    bench/run_assess.sh    licence point assessments in-process (bench_assess)
#   geo       bench/run_geo.sh       nearest unit: the dispatch index against PostGIS (bench_geo)
#   dispatch  bench/run_dispatch.sh  live sharing: positions, event streams and calls against
#                                    keitsu serve (bench_dispatch)
#   afis      bench/run_afis.sh      AFIS extraction, matcher and 1:N (bench_afis_extract,
#                                    bench_afis; skipped when not built)
#   query     bench/run_query.sh     query centre in-process, pg_trgm and over HTTP (bench_query,
#                                    wrk against keitsu serve)
#   licence   bench/run_licence.sh   driver-licence registry: load, checks, assessments, and
#                                    checks over HTTP (bench_licence, wrk against keitsu serve)
#   forensics_ntfs  bench/run_forensics_ntfs.sh  NTFS listing, keitsu image body against
#                                    fls -r -m / on 100,000 files in one directory
#   hash      bench/run_hash.sh      whole-image hashing: keitsu image hash against sha256sum,
#                                    sha1sum and md5sum on the same file
#   forensics_ext  bench/run_forensics_ext.sh  ext4 listing, keitsu image body against fls -r -m /
#                                    on 100,000 files (one directory; 100 × 1,000)
#   forensics_carve  bench/run_forensics_carve.sh  carving: keitsu image carve against foremost
#                                    and PhotoRec on a test image with planted files
#
#   bench/run.sh [BUILD_DIR]                      (make bench calls it with build/)
#
# BENCH_ONLY: the sections to run, comma-separated, in the order given (BENCH_ONLY=geo,query);
# unset, all of them in the order above, the quick ones first. A section that fails does not
# stop the others; the exit status is 1 when any failed, and an interrupt stops the run.
# BENCH_RESULTS: where the sections keep their figures (default BUILD_DIR/bench-results).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build}
ALL=(assess geo dispatch afis query licence forensics_ntfs forensics_ext hash forensics_carve)

IFS=', ' read -r -a named <<<"${BENCH_ONLY:-${ALL[*]}}"
sections=()
for s in "${named[@]}"; do
    [ -n "$s" ] || continue
    case " ${ALL[*]} " in
    *" $s "*) ;;
    *)
        echo "run.sh: BENCH_ONLY names '$s'; the sections are ${ALL[*]} (comma-separated)" >&2
        exit 1
        ;;
    esac
    case " ${sections[*]} " in *" $s "*) ;; *) sections+=("$s") ;; esac
done
[ ${#sections[@]} -gt 0 ] || { echo "run.sh: BENCH_ONLY names no section" >&2; exit 1; }

# An interrupt reaches the running section too (same process group); it cleans up, and then
# no further section starts. A section's own exit status does not tell: wrk ends with 0 on ^C.
interrupted=0
trap 'interrupted=1' INT TERM
passed=() failed=()
for s in "${sections[@]}"; do
    rc=0
    "$HERE/run_$s.sh" "$BUILD" || rc=$?
    if [ "$interrupted" -eq 1 ]; then
        echo "run.sh: interrupted in $s" >&2
        exit 130
    fi
    if [ "$rc" -eq 0 ]; then passed+=("$s"); else failed+=("$s"); fi
    [ ${#sections[@]} -eq 1 ] || echo
done

if [ ${#sections[@]} -gt 1 ] && [ ${#passed[@]} -gt 0 ]; then
    echo "sections done: ${passed[*]}; figures kept in ${BENCH_RESULTS:-$BUILD/bench-results}/"
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "run.sh: failed: ${failed[*]}" >&2
    exit 1
fi
