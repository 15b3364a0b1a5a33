"""FAT12, FAT16 and FAT32 volumes made at test time (mkfs.vfat + mtools: long and Japanese
names, lower-case 8.3 names, nested and deleted files and directories, a volume label), each
compared line for line with `fls -r -m /`; and `keitsu image cat` compared byte for byte with
`icat` for every regular file, allocated and deleted, on these and on Debian's FAT and exFAT
sample images; `keitsu image stat` gives JSON for each.

`test_fat_extra.py --bench-image PATH DIRS FILES` writes the benchmark's FAT32 volume instead.

Times: FAT stores local time; fls converts it with the process's time zone, keitsu as UTC, so
both run with TZ=UTC here."""
import hashlib
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402

KEITSU = os.environ.get("KEITSU_BIN", "build/keitsu")
WORK = os.path.join(samples.CACHE, "fat-extra")
ENV = dict(os.environ, TZ="UTC", MTOOLS_SKIP_CHECK="1", LC_ALL="C.UTF-8")

FAILURES = 0
COUNT = 0


def ok(cond, label, detail=""):
    global FAILURES, COUNT
    COUNT += 1
    if cond:
        print("ok %d - %s" % (COUNT, label))
    else:
        FAILURES += 1
        print("not ok %d - %s" % (COUNT, label))
        for line in detail.splitlines()[:12]:
            print("#   " + line)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, **kw)


def mtools(img, *args):
    p = run(list(args[:1]) + ["-i", img] + list(args[1:]))
    if p.returncode != 0:
        sys.exit("%s failed: %s" % (" ".join(args), p.stderr.decode(errors="replace")))


def payload(n, seed):
    out = bytearray()
    h = seed.encode()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


def make_volume(name, fat_bits, size_kib, cluster_sectors):
    """A volume with a deterministic tree, some of it deleted afterwards."""
    img = os.path.join(WORK, name)
    if os.path.exists(img):
        os.remove(img)
    p = run(["mkfs.vfat", "-C", "-F", str(fat_bits), "-s", str(cluster_sectors), "-n", "KEITSU",
             "-i", "12345678", img, str(size_kib)])
    if p.returncode != 0:
        sys.exit("mkfs.vfat failed: " + p.stderr.decode(errors="replace"))
    src = os.path.join(WORK, name + ".src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    files = {
        "readme.txt": 1000,
        "SHORT.TXT": 3,
        "A Long File Name With Spaces.document": 7000,
        "捜査報告書.txt": 2500,
        "empty.bin": 0,
        "big.dat": 300000,
        "docs/notes.md": 1234,
        "docs/deep/deeper/evidence-photo.jpg": 45000,
        "docs/deep/deeper/残す.txt": 10,
        "old/delete-me.txt": 5000,
        "old/also gone.bin": 20000,
        "old/keep.txt": 77,
        "tmp/x.log": 4096,
    }
    for rel, n in files.items():
        path = os.path.join(src, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(payload(n, rel))
    for d in ("docs", "docs/deep", "docs/deep/deeper", "old", "tmp", "empty-dir"):
        mtools(img, "mmd", "::/" + d)
    # Set fixed times so fls and keitsu see the same values on every run.
    for rel in files:
        os.utime(os.path.join(src, rel), (1600000000, 1600000000))
    for rel in files:
        mtools(img, "mcopy", "-m", os.path.join(src, rel), "::/" + rel)
    mtools(img, "mdel", "::/old/delete-me.txt")
    mtools(img, "mdel", "::/old/also gone.bin")
    mtools(img, "mdel", "::/捜査報告書.txt")
    mtools(img, "mdeltree", "::/tmp")
    shutil.rmtree(src, ignore_errors=True)
    return img


def write_bench_fat32(path, ndirs, per_dir):
    """A FAT32 volume for the benchmark, written directly (mtools takes hours for this many
    files): ndirs directories of per_dir files with long names, every 10th file deleted (its
    entries marked, its clusters freed). 4 KiB clusters, contiguous files."""
    import struct
    size_mib = max(256, ndirs * per_dir * 12 // 1024 + 64)  # sparse: only headers are written
    if os.path.exists(path):
        os.remove(path)
    p = run(["mkfs.vfat", "-C", "-F", "32", "-s", "8", "-n", "BENCH", "-i", "0badcafe", path,
             str(size_mib * 1024)])
    if p.returncode != 0:
        sys.exit("mkfs.vfat failed: " + p.stderr.decode(errors="replace"))
    f = open(path, "r+b")
    bs = f.read(512)
    ssize, csize = struct.unpack_from("<HB", bs, 11)
    reserved, numfat = struct.unpack_from("<HB", bs, 14)
    spf, = struct.unpack_from("<I", bs, 36)
    first = reserved + numfat * spf
    cbytes = ssize * csize
    fat = bytearray(spf * ssize)
    f.seek(reserved * ssize)
    fat[:] = f.read(len(fat))
    nxt = [3]
    date = ((2021 - 1980) << 9) | (3 << 5) | 14
    time = (10 << 11) | (20 << 5) | 15

    def alloc(n):
        c0 = nxt[0]
        nxt[0] += n
        for i in range(n):
            v = c0 + i + 1 if i < n - 1 else 0x0FFFFFFF
            struct.pack_into("<I", fat, 4 * (c0 + i), v)
        return c0

    def write_at(c, data):
        f.seek((first + (c - 2) * csize) * ssize)
        f.write(data)

    def entries(long_name, short, attr, clust, size, deleted):
        chk = 0
        for ch in short:
            chk = (((chk & 1) << 7) + (chk >> 1) + ch) & 0xFF
        u = long_name.encode("utf-16-le") + b"\0\0"
        parts = [u[i:i + 26] for i in range(0, len(u), 26)]
        out = []
        for i, part in enumerate(parts):
            part = part + b"\xff" * (26 - len(part))
            seq = i + 1 | (0x40 if i == len(parts) - 1 else 0)
            e = bytes([seq]) + part[:10] + bytes([0x0F, 0, chk]) + part[10:22] + b"\0\0" + part[22:]
            out.append(e)
        out.reverse()
        se = bytearray(short + bytes([attr, 0, 0]) + struct.pack(
            "<HHHHHHHI", time, date, date, clust >> 16, time, date, clust & 0xFFFF, size))
        ents = out + [bytes(se)]
        if deleted:
            ents[0] = b"\xe5" + ents[0][1:]
            ents[-1] = b"\xe5" + ents[-1][1:]
        return b"".join(ents)

    def write_dir(blob):
        n = max(1, -(-len(blob) // cbytes))
        c = alloc(n)
        write_at(c, blob + b"\0" * (n * cbytes - len(blob)))
        return c

    root = bytearray()
    k = 0
    for d in range(ndirs):
        blob = bytearray()
        freed = []
        for i in range(per_dir):
            k += 1
            size = (k * 7919) % 20000
            n = -(-size // cbytes)
            c = alloc(n) if n else 0
            if n:
                write_at(c, payload(min(size, 64), str(k)))
            deleted = k % 10 == 0
            short = ("F%07d" % k).encode() + b"TXT"
            blob += entries("evidence file %06d in folder %04d.txt" % (k, d), short, 0x20, c,
                            size, deleted)
            if deleted and n:
                freed.append((c, n))
        dc = write_dir(bytes(blob))
        for c, n in freed:
            for i in range(n):
                struct.pack_into("<I", fat, 4 * (c + i), 0)
        root += entries("Folder %04d" % d, ("D%07d" % d).encode() + b"   ", 0x10, dc, 0, False)
    # The root directory: cluster 2, then more clusters chained on.
    n = max(1, -(-len(root) // cbytes))
    chain = [2] + [alloc(1) for _ in range(n - 1)]
    for a, b in zip(chain, chain[1:] + [0x0FFFFFFF]):
        struct.pack_into("<I", fat, 4 * a, b)
    for i, c in enumerate(chain):
        write_at(c, bytes(root[i * cbytes:(i + 1) * cbytes]).ljust(cbytes, b"\0"))
    for i in range(numfat):
        f.seek((reserved + i * spf) * ssize)
        f.write(fat)
    f.close()


def compare_body(img, offset, label):
    p = run(["fls", "-r", "-m", "/", "-o", str(offset), img])
    want = p.stdout
    q = run([KEITSU, "image", "body", img, "--offset", str(offset)])
    got = q.stdout
    detail = ""
    if got != want:
        w, g = want.decode(errors="replace").splitlines(), got.decode(errors="replace").splitlines()
        for i in range(max(len(w), len(g))):
            a = w[i] if i < len(w) else "<none>"
            b = g[i] if i < len(g) else "<none>"
            if a != b:
                detail += "line %d\n  fls:    %s\n  keitsu: %s\n" % (i + 1, a, b)
        detail += q.stderr.decode(errors="replace")
    ok(p.returncode == 0 and q.returncode == 0 and got == want,
       "%s: body identical to fls (%d lines)" % (label, want.count(b"\n")), detail)
    return want.decode(errors="replace")


def compare_files(img, offset, body, label):
    """cat == icat for every regular file (allocated and deleted); stat is JSON."""
    seen = set()
    bad = []
    n = 0
    for line in body.splitlines():
        f = line.split("|")
        addr, mode = f[2], f[3]
        if not mode.endswith("/rrwxrwxrwx") and not mode.endswith("/rr-xr-xr-x"):
            continue
        if mode[0] not in "r-" or addr in seen:
            continue
        seen.add(addr)
        want = run(["icat", "-o", str(offset), img, addr]).stdout
        got = run([KEITSU, "image", "cat", img, addr, "--offset", str(offset)]).stdout
        n += 1
        if got != want:
            bad.append("%s %s: icat %d bytes, keitsu %d bytes" % (addr, f[1], len(want), len(got)))
            continue
        if n > 4:  # stat on a few files per volume is enough (each run costs a process)
            continue
        st = run([KEITSU, "image", "stat", img, addr, "--offset", str(offset)])
        try:
            j = json.loads(st.stdout)
            if j.get("addr") != int(addr):
                bad.append("%s: stat addr %r" % (addr, j.get("addr")))
        except ValueError:
            bad.append("%s: stat is not JSON: %r" % (addr, st.stdout[:200]))
    ok(not bad and n > 0, "%s: cat identical to icat for %d files, stat JSON" % (label, n),
       "\n".join(bad))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--bench-image":
        write_bench_fat32(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    samples.need_tools()
    for t in ("mkfs.vfat", "mcopy"):
        if not shutil.which(t):
            sys.exit("test_fat_extra needs dosfstools and mtools (setup-deps.sh installs them)")
    os.makedirs(WORK, exist_ok=True)
    made = [
        make_volume("fat12.img", 12, 4096, 4),
        make_volume("fat16.img", 16, 32768, 4),
        make_volume("fat32.img", 32, 66000, 1),
    ]
    for img in made:
        label = os.path.basename(img)
        p = run([KEITSU, "image", "stat", img, "2"])
        fstype = json.loads(p.stdout).get("fs") if p.returncode == 0 else None
        ok(fstype == label.split(".")[0], "%s: detected as %s" % (label, fstype))
        body = compare_body(img, 0, label)
        compare_files(img, 0, body, label)
    for name, start, family in samples.PARTITIONS:
        if family not in ("fat", "exfat"):
            continue
        path = samples.image(name)
        body = run(["fls", "-r", "-m", "/", "-o", str(start), path]).stdout.decode(errors="replace")
        compare_files(path, start, body, "%s@%d" % (name, start))
    print("1..%d" % COUNT)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
