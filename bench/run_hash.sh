#!/usr/bin/env bash
# Whole-image hashing: `keitsu image hash` (MD5, SHA-1 and SHA-256 in one pass) against
# coreutils' sha256sum, sha1sum and md5sum (one digest each) on the same file, in one run.
# The file is read once beforehand so every tool reads it from the page cache; each tool runs
# BENCH_HASH_RUNS times and its best wall time counts. CPU time (user + system) is shown too:
# on a loaded machine it is the steadier figure.
#
#   bench/run_hash.sh [BUILD_DIR]                 (default build; bench/run.sh calls it)
#
# Environment: BENCH_HASH_FILE (an existing file to hash; default a generated one of
# BENCH_HASH_MB MiB of random bytes, default 1024), BENCH_HASH_RUNS (default 3).
# BENCH_RESULTS: where the figures are kept (default BUILD_DIR/bench-results): hash.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need keitsu
for c in sha256sum sha1sum md5sum; do bench_need_cmd "$c" coreutils; done
RUNS=${BENCH_HASH_RUNS:-3}
FILE=${BENCH_HASH_FILE:-}
if [ -z "$FILE" ]; then
    bench_mktemp tmp keitsu-bench-hash
    FILE=$tmp/image.raw
    head -c "$((${BENCH_HASH_MB:-1024} << 20))" /dev/urandom >"$FILE"
fi
BYTES=$(stat -c %s "$FILE")
cat "$FILE" >/dev/null

# best_of NAME COMMAND...: prints "NAME wall cpu" with the best wall time of RUNS runs.
best_of() {
    local name=$1 best= cpu= r t
    shift
    for _ in $(seq "$RUNS"); do
        r=$({ TIMEFORMAT='%R %U %S'; time "$@" >/dev/null; } 2>&1 | tail -n 1)
        read -r wall user sys <<<"$r"
        t=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$wall
            cpu=$t
        fi
    done
    echo "$name $best $cpu"
}

echo "== whole-image hashing: $((BYTES >> 20)) MiB, best of $RUNS, $(nproc) cores"
{
    best_of "keitsu_image_hash(md5+sha1+sha256)" "$BUILD/keitsu" image hash "$FILE"
    best_of sha256sum sha256sum "$FILE"
    best_of sha1sum sha1sum "$FILE"
    best_of md5sum md5sum "$FILE"
} | awk -v bytes="$BYTES" '
    { name[NR] = $1; wall[NR] = $2; cpu[NR] = $3 }
    END {
        printf "%-36s %8s %9s %8s %16s\n", "tool", "wall s", "MB/s", "cpu s", "time / keitsu's"
        for (i = 1; i <= NR; i++)
            printf "%-36s %8.2f %9.0f %8.2f %15.2fx\n", name[i], wall[i],
                bytes / 1e6 / wall[i], cpu[i], wall[i] / wall[1]
    }' | tee "$RESULTS/hash.txt"
echo
echo "figures kept in $RESULTS/hash.txt"
