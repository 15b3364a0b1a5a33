#!/usr/bin/env bash
# NTFS listing benchmark: `keitsu image body` against the Sleuth Kit's `fls -r -m /` on an NTFS
# volume with BENCH_NTFS_FILES files (default 100,000) in one directory, in the same run, after
# checking that both print the same lines. Reports each one's best wall time and best CPU time
# (user + system, GNU time) of BENCH_NTFS_RUNS runs (default 3) and the ratios.
#
#   bench/run_forensics_ntfs.sh [BUILD_DIR]       (default build; bench/run.sh calls it)
#
# The volume is made once and kept in BUILD_DIR/bench-ntfs/ (a sparse 1 GiB image): mkntfs,
# then the files are created through an ntfs-3g FUSE mount (Debian package ntfs-3g; the mount
# needs /dev/fuse and root or fuse permissions). BENCH_NTFS_IMAGE: use this image instead
# (raw, NTFS at offset 0). BENCH_RESULTS: where the figures are kept (forensics_ntfs.txt).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
bench_need keitsu
bench_need_cmd fls "apt-get install sleuthkit"
[ -x /usr/bin/time ] || bench_die "needs GNU time (/usr/bin/time; apt-get install time)"

FILES=${BENCH_NTFS_FILES:-100000}
RUNS=${BENCH_NTFS_RUNS:-3}
IMG=${BENCH_NTFS_IMAGE:-$BUILD/bench-ntfs/ntfs-$FILES.img}

make_volume() {
    bench_need_cmd mkntfs "apt-get install ntfs-3g"
    bench_need_cmd ntfs-3g "apt-get install ntfs-3g"
    mkdir -p "$(dirname "$IMG")"
    local tmp="$IMG.tmp" mnt
    rm -f "$tmp"
    truncate -s 1G "$tmp"
    mkntfs -F -q -f "$tmp" >/dev/null 2>&1 || bench_die "mkntfs failed"
    bench_mktemp mnt ntfs-mnt
    # In the foreground (no_detach) so that, once unmounted, waiting for it means every write
    # has reached the image.
    ntfs-3g -o no_detach "$tmp" "$mnt" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 50); do mountpoint -q "$mnt" && break; sleep 0.2; done
    mountpoint -q "$mnt" || bench_die "ntfs-3g could not mount $tmp (FUSE unavailable?)"
    echo "making $IMG: $FILES files in one directory through ntfs-3g (once; takes minutes)"
    if ! python3 - "$mnt" "$FILES" <<'EOF'; then
import os, sys
d = os.path.join(sys.argv[1], "many")
os.mkdir(d)
for i in range(int(sys.argv[2])):
    with open(os.path.join(d, "document-%07d.txt" % i), "w") as f:
        f.write("x" * (i % 700))
EOF
        fusermount -u "$mnt"
        bench_die "creating files failed"
    fi
    fusermount -u "$mnt" 2>/dev/null || umount "$mnt"
    wait "$pid" || bench_die "ntfs-3g failed"
    mv "$tmp" "$IMG"
}

[ -f "$IMG" ] || make_volume

# Best wall time and best CPU time (user + system) in seconds of RUNS runs of a command whose
# output goes to a file: "WALL CPU". CPU time is the fairer figure on a shared machine.
best_time() { # output-file command...
    local out=$1 bw= bc= w c
    shift
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$out"
        read -r w u s <"$work/time"
        c=$(echo "$u + $s" | bc -l)
        if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" -eq 1 ]; then bw=$w; fi
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" -eq 1 ]; then bc=$c; fi
    done
    printf '%.2f %.2f' "$bw" "$bc"
}

bench_mktemp work ntfs-bench
{
    echo "== NTFS listing: $IMG ($FILES files in one directory), best of $RUNS"
    read -r tkw tkc <<<"$(best_time "$work/keitsu.body" "$BUILD/keitsu" image body "$IMG")"
    read -r tfw tfc <<<"$(best_time "$work/fls.body" fls -r -m / "$IMG")"
    lines=$(wc -l <"$work/fls.body")
    if cmp -s "$work/keitsu.body" "$work/fls.body"; then same="identical"; else same="DIFFERENT"; fi
    printf '%-30s %10s %10s\n' "" "wall s" "CPU s" "keitsu image body" "$tkw" "$tkc" \
        "fls -r -m / (TSK $(fls -V | awk '{print $NF}'))" "$tfw" "$tfc"
    printf 'output: %s lines, %s; load average %s\n' "$lines" "$same" "$(cut -d' ' -f1-3 /proc/loadavg)"
    awk -v fw="$tfw" -v kw="$tkw" -v fc="$tfc" -v kc="$tkc" 'BEGIN {
        if (kw < 0.01) kw = 0.01
        if (kc < 0.01) kc = 0.01
        printf "keitsu is %.1fx faster than fls in wall time, %.1fx in CPU time\n", fw / kw, fc / kc
    }'

    [ "$same" = identical ]
} | tee "$RESULTS/forensics_ntfs.txt"
echo
echo "figures kept in $RESULTS/forensics_ntfs.txt"
