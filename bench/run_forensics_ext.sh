#!/bin/sh
# Listing an ext4 volume of 100,000 files: keitsu image body against fls -r -m / of the Sleuth
# Kit, same image, same machine; both outputs must be identical. Usage:
#   bench/run_forensics_ext.sh [BUILD_DIR]
# BENCH_EXT_FILES empty files (100000), BENCH_EXT_PER to a directory (1000; as many as
# BENCH_EXT_FILES for one flat directory). The image is
# made once with mke2fs -d (no mount) in BUILD_DIR/bench-ext/. Prints the best of five wall
# times and the CPU time (user+sys) of that run: the machine may be shared.
set -e
BUILD=${1:-build}
FILES=${BENCH_EXT_FILES:-100000}
PER=${BENCH_EXT_PER:-1000}
DIR=$BUILD/bench-ext
IMG=$DIR/ext4-$FILES-$PER.img
mkdir -p "$DIR"
if [ ! -f "$IMG" ]; then
    rm -rf "$DIR/tree"
    python3 - "$DIR/tree" "$FILES" "$PER" <<'PY'
import os, sys
root, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for d in range((n + per - 1) // per):
    p = os.path.join(root, "d%03d" % d)
    os.makedirs(p)
    for i in range(min(per, n - d * per)):
        open(os.path.join(p, "file-%06d.txt" % (d * per + i)), "w").close()
PY
    mke2fs -q -F -t ext4 -b 4096 -N $((FILES + 1000)) -d "$DIR/tree" "$IMG" 512M
    rm -rf "$DIR/tree"
fi
fls -r -m / "$IMG" > "$DIR/fls.txt"
"$BUILD/keitsu" image body "$IMG" > "$DIR/keitsu.txt"
cmp -s "$DIR/fls.txt" "$DIR/keitsu.txt" && same=identical || same=DIFFERENT
lines=$(wc -l < "$DIR/fls.txt")
# best of five: "wall cpu"
best() {
    for i in 1 2 3 4 5; do
        /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1
    done | awk '{ c = $2 + $3; if (NR == 1 || $1 < w) { w = $1; cpu = c } }
                END { printf "%.2f %.2f", w, cpu }'
}
set -- $(best fls -r -m / "$IMG") $(best "$BUILD/keitsu" image body "$IMG")
echo "ext4, $FILES files ($PER a directory), $lines lines ($same):" \
     "fls $1 s (cpu $2 s), keitsu $3 s (cpu $4 s)"
