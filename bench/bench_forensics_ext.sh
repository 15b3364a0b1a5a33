#!/bin/sh
# Listing an ext4 volume of 100,000 files: keitsu image body against fls -r -m / of the Sleuth
# Kit, same image, same machine; both outputs must be identical. Usage:
#   bench/bench_forensics_ext.sh [BUILD_DIR] [FILES]
# The image is made once with mke2fs -d (no mount) in BUILD_DIR/bench-ext/.
set -e
BUILD=${1:-build}
FILES=${2:-100000}
DIR=$BUILD/bench-ext
IMG=$DIR/ext4-$FILES.img
mkdir -p "$DIR"
if [ ! -f "$IMG" ]; then
    rm -rf "$DIR/tree"
    python3 - "$DIR/tree" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
per = 1000
for d in range((n + per - 1) // per):
    p = os.path.join(root, "d%03d" % d)
    os.makedirs(p)
    for i in range(min(per, n - d * per)):
        open(os.path.join(p, "file-%06d.txt" % (d * per + i)), "w").close()
PY
    mke2fs -q -F -t ext4 -b 4096 -N $((FILES + 1000)) -d "$DIR/tree" "$IMG" 512M
    rm -rf "$DIR/tree"
fi
t() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1; }
fls -r -m / "$IMG" > "$DIR/fls.txt"
"$BUILD/keitsu" image body "$IMG" > "$DIR/keitsu.txt"
cmp -s "$DIR/fls.txt" "$DIR/keitsu.txt" && same=identical || same=DIFFERENT
lines=$(wc -l < "$DIR/fls.txt")
best() { b=; for i in 1 2 3; do s=$(t "$@"); if [ -z "$b" ] || [ "$(echo "$s < $b" | bc)" = 1 ]; then b=$s; fi; done; echo "$b"; }
tf=$(best fls -r -m / "$IMG")
tk=$(best "$BUILD/keitsu" image body "$IMG")
echo "ext4, $FILES files, $lines lines ($same): fls ${tf}s, keitsu ${tk}s, x$(echo "scale=1; $tf / $tk" | bc)"
