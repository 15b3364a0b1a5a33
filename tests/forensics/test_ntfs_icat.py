"""keitsu image cat must give exactly what icat gives for every $DATA stream fls lists on the
NTFS sample volumes (default streams by entry number and by full address, alternate data
streams, deleted files), and keitsu image stat must describe each entry as JSON.

Where mkntfs and a working ntfs-3g FUSE mount are available, the same checks (and the body
listing against fls) run on a volume made here with what the samples lack: LZNT1-compressed
files, sparse files, several alternate data streams, deleted files and a deleted directory,
Japanese and non-BMP names, and a hard link. A second made volume is filled with
one-cluster files, every other one deleted and the space filled by one file: its thousand runs
overflow the MFT record into extension records ($ATTRIBUTE_LIST). A third holds the root
names the Sleuth Kit lists out of index order (Users first, Windows late, pagefile last).
Without them that part is skipped."""
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402

KEITSU = os.environ.get("KEITSU_BIN", "build/keitsu")


def addresses(path, start):
    rc, out, err = samples.run(["fls", "-r", "-m", "/", "-o", str(start), path])
    if rc != 0:
        raise RuntimeError("fls failed: %s" % err.decode(errors="replace"))
    addrs = []
    for line in out.decode(errors="replace").splitlines():
        addr = line.split("|")[2]
        parts = addr.split("-")
        if len(parts) == 3 and parts[1] == "128":
            addrs.append(addr)
            if parts[0] not in addrs:
                addrs.append(parts[0])
    return addrs


def populate(d):
    """Files for the made volume; contents are seeded, so the image's streams are known."""
    rnd = random.Random(6)
    comp = os.path.join(d, "comp")
    os.mkdir(comp)
    # FILE_ATTRIBUTE_DIRECTORY | COMPRESSED: files created inside are LZNT1-compressed
    os.setxattr(comp, "system.ntfs_attrib_be", (0x810).to_bytes(4, "big"))
    for i in range(5):
        with open(os.path.join(comp, "text%d.txt" % i), "w") as f:
            f.write(("The quick brown fox %d jumps over the lazy dog. " % i) * (2000 * (i + 1)))
    with open(os.path.join(comp, "rand.bin"), "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(200000)))
    with open(os.path.join(comp, "mixed.bin"), "wb") as f:
        for k in range(20):
            f.write(bytes(rnd.getrandbits(8) for _ in range(10000)) if k % 2 else b"A" * 70000)
    for where, size in ((comp, 3 << 20), (d, 5 << 20)):
        with open(os.path.join(where, "sparse.bin"), "wb") as f:
            f.seek(size)
            f.write(b"end of sparse")
            f.seek(100)
            f.write(b"start")
    ads = os.path.join(d, "ads.txt")
    with open(ads, "w") as f:
        f.write("main")
    os.setxattr(ads, "user.secret", b"hidden stream content" * 100)
    os.setxattr(ads, "user.small", b"tiny")
    for i in range(30):
        with open(os.path.join(d, "del%d.dat" % i), "w") as f:
            f.write("z" * (i * 1000))
    gone = os.path.join(d, "gone")
    os.mkdir(gone)
    for i in range(10):
        with open(os.path.join(gone, "g%d.txt" % i), "w") as f:
            f.write("g" * (i * 300))
    for i in range(0, 30, 3):
        os.unlink(os.path.join(d, "del%d.dat" % i))
    for i in range(10):
        os.unlink(os.path.join(gone, "g%d.txt" % i))
    os.rmdir(gone)
    os.unlink(os.path.join(comp, "text3.txt"))
    # Japanese and non-BMP names (surrogate pairs in UTF-16), a hard link (two $FILE_NAMEs)
    jp = os.path.join(d, "証拠")
    os.mkdir(jp)
    with open(os.path.join(jp, "捜査報告書.txt"), "w") as f:
        f.write("電磁的記録の解析")
    with open(os.path.join(jp, "emoji-\U0001F512.txt"), "w") as f:
        f.write("lock")
    os.link(os.path.join(jp, "捜査報告書.txt"), os.path.join(d, "link.txt"))


def populate_fragmented(d):
    fill = os.path.join(d, "fill")
    os.mkdir(fill)
    n = 0
    try:
        while True:
            with open(os.path.join(fill, "f%05d" % n), "wb") as f:
                f.write(b"f" * 4096)
            n += 1
    except OSError:
        pass
    for i in range(0, n, 2):
        os.unlink(os.path.join(fill, "f%05d" % i))
    k = 0
    try:
        with open(os.path.join(d, "big.bin"), "wb") as f:
            while True:
                f.write(bytes([k % 251]) * 4096)
                k += 1
                if k % 64 == 0:
                    f.flush()
    except OSError:
        pass


def populate_root_order(d):
    """Names the Sleuth Kit reorders in the root (Users first, Windows late, pagefile last),
    so that names follow $OrphanFiles, and a deleted directory."""
    for n in ["Windows", "Users", "homework", "ProgramData", "aaa", "zzz", "WindowsApps",
              "pagefiles", "deldir"]:
        os.mkdir(os.path.join(d, n))
        with open(os.path.join(d, n, "f.txt"), "w") as f:
            f.write("y")
    for n in ["pagefile.sys", "hiberfil.sys"]:
        with open(os.path.join(d, n), "w") as f:
            f.write("x")
    os.unlink(os.path.join(d, "pagefiles", "f.txt"))
    os.unlink(os.path.join(d, "deldir", "f.txt"))
    os.rmdir(os.path.join(d, "deldir"))


def made_volume(name, size_mb, populate_fn, options):
    """Path of a volume made with mkntfs and ntfs-3g, or None and why if it cannot be made."""
    if not (shutil.which("mkntfs") and shutil.which("ntfs-3g") and shutil.which("fusermount")
            and os.path.exists("/dev/fuse")):
        return None, "mkntfs, ntfs-3g or FUSE not available"
    os.makedirs(samples.CACHE, exist_ok=True)
    out = os.path.join(samples.CACHE, name)
    if os.path.exists(out):
        return out, None
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(size_mb << 20)
    if subprocess.run(["mkntfs", "-F", "-q", "-f", "-c", "4096", tmp],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        return None, "mkntfs failed"
    mnt = tempfile.mkdtemp(prefix="keitsu-ntfs-")
    proc = subprocess.Popen(["ntfs-3g", "-o", "no_detach" + options, tmp, mnt],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if os.path.ismount(mnt) or proc.poll() is not None:
                break
            time.sleep(0.1)
        if not os.path.ismount(mnt):
            return None, "ntfs-3g could not mount (FUSE not permitted?)"
        try:
            populate_fn(mnt)
        finally:
            subprocess.run(["fusermount", "-u", mnt])
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
        os.rmdir(mnt)
    os.replace(tmp, out)
    return out, None


def check_body(path, start, label):
    rc, want, _ = samples.run(["fls", "-r", "-m", "/", "-o", str(start), path])
    rc2, got, err = samples.run([KEITSU, "image", "body", path, "--offset", str(start)])
    if rc == 0 and rc2 == 0 and got == want:
        print("ok - %s: body identical to fls (%d lines)" % (label, want.count(b"\n")))
        return 0
    print("not ok - %s: body differs from fls %s" % (label, err.decode(errors="replace")))
    return 1


def main():
    samples.need_tools()
    failures = 0
    volumes = [(samples.image(name), start, "%s@%d" % (name, start))
               for name, start, family in samples.PARTITIONS if family == "ntfs"]
    made, why = made_volume("ntfs3g-made-2.img", 64, populate, ",compression")
    if made:
        volumes.append((made, 0, "ntfs-3g made volume"))
        failures += check_body(made, 0, "ntfs-3g made volume")
    else:
        print("ok - ntfs-3g made volume # SKIP %s" % why)
    order, why = made_volume("ntfs3g-root-order.img", 16, populate_root_order, "")
    if order:
        failures += check_body(order, 0, "ntfs-3g root-order volume")
    else:
        print("ok - ntfs-3g root-order volume # SKIP %s" % why)
    frag, why = made_volume("ntfs3g-fragmented.img", 16, populate_fragmented, "")
    if frag:
        failures += check_body(frag, 0, "ntfs-3g fragmented volume")
        rc, out, _ = samples.run(["fls", "-r", "-m", "/", frag])
        big = [ln.split("|")[2] for ln in out.decode().splitlines() if "|/big.bin|" in ln]
        rc1, want, _ = samples.run(["icat", frag, big[0]] if big else ["false"])
        rc2, got, _ = samples.run([KEITSU, "image", "cat", frag, big[0]] if big else ["false"])
        rc3, st, _ = samples.run([KEITSU, "image", "stat", frag, big[0]] if big else ["false"])
        ok = rc1 == 0 and rc2 == 0 and got == want and len(got) > (1 << 20)
        ok = ok and rc3 == 0 and b'"type":32' in st  # the attribute list is there
        ok = ok and all(got[i * 4096] == i % 251 for i in range(len(got) // 4096))
        print("%s - ntfs-3g fragmented volume: a %d-byte file through its attribute list "
              "equals icat" % ("ok" if ok else "not ok", len(got)))
        failures += 0 if ok else 1
    else:
        print("ok - ntfs-3g fragmented volume # SKIP %s" % why)
    for path, start, label in volumes:
        addrs = addresses(path, start)

        def compare(addr):
            rc1, want, _ = samples.run(["icat", "-o", str(start), path, addr])
            rc2, got, err = samples.run([KEITSU, "image", "cat", path, addr, "--offset",
                                         str(start)])
            if rc1 != 0 or rc2 != 0 or got != want:
                return "%s (icat %d bytes exit %d, keitsu %d bytes exit %d %s)" % (
                    addr, len(want), rc1, len(got), rc2, err.decode(errors="replace"))
            return None

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            bad = [b for b in pool.map(compare, addrs) if b]
        if bad:
            failures += 1
            print("not ok - %s: %d of %d streams differ from icat" % (label, len(bad), len(addrs)))
            for b in bad[:5]:
                print("#   " + b)
        else:
            print("ok - %s: %d streams identical to icat" % (label, len(addrs)))
        entries = sorted({a.split("-")[0] for a in addrs}, key=int)

        def stat_ok(e):
            rc, out, err = samples.run([KEITSU, "image", "stat", path, e, "--offset", str(start)])
            try:
                doc = json.loads(out) if rc == 0 else None
            except ValueError:
                doc = None
            return doc and doc.get("entry") == int(e) and doc.get("attributes")

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            bad = [e for e, ok in zip(entries, pool.map(stat_ok, entries)) if not ok]
        if bad:
            failures += 1
            print("not ok - %s: stat failed for entries %s" % (label, ", ".join(bad[:10])))
        else:
            print("ok - %s: stat gives JSON for %d entries" % (label, len(entries)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
