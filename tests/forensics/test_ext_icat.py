"""keitsu image cat must print what icat prints for every allocated regular file and directory
on the ext volumes of Debian's sample images (fs.ext2, fs.ext4, the ext4 in fs.multiple).
Also used by test_ext_extra.py on generated images (compare_volume)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402

KEITSU = os.environ.get("KEITSU_BIN", "build/keitsu")


def allocated(path, start):
    """(inode, mode, name) of every allocated name fls lists."""
    rc, out, err = samples.run(["fls", "-r", "-m", "/", "-o", str(start), path])
    if rc != 0:
        raise RuntimeError("fls failed: %s" % err.decode(errors="replace"))
    seen = set()
    for line in out.decode(errors="replace").splitlines():
        f = line.split("|")
        if len(f) < 11 or "(deleted" in f[1] or f[1].startswith("/$OrphanFiles"):
            continue
        if f[2] in seen:
            continue
        seen.add(f[2])
        yield f[2], f[3], f[1]


def compare_volume(path, start, label, every_many=1):
    """Prints TAP lines; returns the number of failures. every_many: only every n-th file of a
    directory named /many (the generated images' big directories) is compared."""
    failures = checked = 0
    for i, (ino, mode, name) in enumerate(allocated(path, start)):
        if name.startswith("/many/") and i % every_many:
            continue
        if mode.startswith("l/l") and " -> " in name:
            # fast symlink: icat prints zeros; keitsu prints the target fls shows
            rc, got, err = samples.run([KEITSU, "image", "cat", path, ino, "--offset", str(start)])
            want = name.split(" -> ", 1)[1].encode()
        elif mode[2] in "rdl":
            rc, want, err = samples.run(["icat", "-o", str(start), path, ino])
            if rc != 0:
                continue
            rc, got, err = samples.run([KEITSU, "image", "cat", path, ino, "--offset", str(start)])
        else:
            continue
        checked += 1
        if rc != 0 or got != want:
            failures += 1
            print("not ok - %s inode %s (%s): exit %d, %d bytes, icat %d bytes %s" %
                  (label, ino, name, rc, len(got), len(want), err.decode(errors="replace")))
    if not failures:
        print("ok - %s: %d files identical to icat" % (label, checked))
    return failures


def main():
    samples.need_tools()
    failures = 0
    for name, start, family in samples.PARTITIONS:
        if family != "ext":
            continue
        failures += compare_volume(samples.image(name), start, "%s@%d" % (name, start))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
