#!/usr/bin/env bash
# Carving side by side: keitsu image carve (sector-aligned, the default, and --any-offset),
# foremost and PhotoRec on one test image in one run. bench_forensics_carve.py builds the image
# (filler of random bytes, zeros and text with Debian's sample files and generated JPEG, PNG,
# GIF, BMP, PDF, ZIP, DOCX, XLSX and SQLite files planted at known offsets, about 60 % of them on
# sector boundaries, plus truncated and fragmented copies) and scores each tool: recall is the
# number of intact planted files recovered byte-exact (by SHA-256), false positives the outputs
# that are no planted file. Times are wall-clock and CPU (user + system) from /usr/bin/time, the
# image read from the page cache (it is read once before the runs).
#
#   bench/run_forensics_carve.sh [BUILD_DIR]     (default build; bench/run.sh calls it)
#
# Environment: BENCH_CARVE_MIB (image size, default 512), BENCH_CARVE_SEED (1).
# BENCH_RESULTS: where the figures are kept (default BUILD_DIR/bench-results): forensics_carve.txt
# (one JSON line per tool).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init "$@"
MIB=${BENCH_CARVE_MIB:-512}
SEED=${BENCH_CARVE_SEED:-1}
bench_need keitsu
bench_need_cmd foremost "apt-get install foremost"
bench_need_cmd photorec "apt-get install testdisk"
bench_need_cmd python3
[ -x /usr/bin/time ] || bench_die "/usr/bin/time is missing (apt-get install time)"
[ -d /usr/share/forensics-samples/original-files ] ||
    bench_die "Debian's sample files are missing (apt-get install forensics-samples-all)"
KEITSU=$(cd "$BUILD" && pwd)/keitsu
bench_mktemp TMP keitsu-carve
OUT=$RESULTS/forensics_carve.txt
: >"$OUT"

echo "== carving: a $MIB MiB test image (seed $SEED)"
python3 "$HERE/bench_forensics_carve.py" make "$TMP/image.raw" "$TMP/truth.json" \
    --mib "$MIB" --seed "$SEED"
cat "$TMP/image.raw" >/dev/null

# run NAME DIR COMMAND...: times COMMAND (run inside DIR) and scores what it wrote under DIR.
run() {
    local name=$1 dir=$2 e u s
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && /usr/bin/time -f "%e %U %S" -o "$TMP/time.txt" "$@" >"$TMP/$name.log" 2>&1) || {
        echo "$BENCH_SELF: $name failed:" >&2
        tail -n 5 "$TMP/$name.log" >&2
        return 1
    }
    read -r e u s <"$TMP/time.txt"
    python3 "$HERE/bench_forensics_carve.py" score "$TMP/truth.json" "$dir" "$name" "$e" \
        "$(python3 -c "print($u + $s)")" | tee -a "$OUT"
    rm -rf "$dir"
}

run keitsu "$TMP/keitsu" "$KEITSU" image carve "$TMP/image.raw" --out out
run keitsu-any-offset "$TMP/keitsu-any" "$KEITSU" image carve "$TMP/image.raw" --out out \
    --any-offset
# foremost wants a fresh output directory; -Q: no per-file messages.
run foremost "$TMP/foremost" foremost -Q -t all -i "$TMP/image.raw" -o out
# PhotoRec without questions: the whole image (no partition table), every file type, paranoid
# checks (its default), then search.
run photorec "$TMP/photorec" photorec /log /d recup /cmd "$TMP/image.raw" \
    partition_none,fileopt,everything,enable,options,paranoid,search

python3 - "$OUT" <<'EOF'
import json, sys
rows = {r["tool"]: r for r in map(json.loads, open(sys.argv[1]))}
print()
print("%-18s %8s %8s %8s %14s %10s %6s" % ("tool", "wall s", "cpu s", "MiB/s", "recall",
                                           "unaligned", "FP"))
for r in rows.values():
    print("%-18s %8.2f %8.2f %8.1f %8d / %-3d %6d / %-3d %6d" % (
        r["tool"], r["seconds"], r["cpu_seconds"], r["mib_per_s"], r["recall"], r["planted"],
        r["recall_unaligned"], r["unaligned"], r["false_positives"]))
k, ka = rows.get("keitsu"), rows.get("keitsu-any-offset")
for other in ("foremost", "photorec"):
    o = rows.get(other)
    if o and k and ka:
        print("%s: keitsu %.1fx faster (any offset %.1fx), recall %d and %d vs %d" % (
            other, o["seconds"] / max(k["seconds"], 1e-9), o["seconds"] / max(ka["seconds"], 1e-9),
            k["recall"], ka["recall"], o["recall"]))
EOF
echo "figures kept in $OUT"
