"""keitsu image cat must give exactly what icat gives for every $DATA stream fls lists on the
NTFS sample volumes (default streams by entry number and by full address, alternate data
streams, deleted files), and keitsu image stat must describe each entry as JSON."""
import json
import os
import sys

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


def main():
    samples.need_tools()
    failures = 0
    for name, start, family in samples.PARTITIONS:
        if family != "ntfs":
            continue
        path = samples.image(name)
        label = "%s@%d" % (name, start)
        addrs = addresses(path, start)
        bad = []
        for addr in addrs:
            rc1, want, _ = samples.run(["icat", "-o", str(start), path, addr])
            rc2, got, err = samples.run([KEITSU, "image", "cat", path, addr, "--offset", str(start)])
            if rc1 != 0 or rc2 != 0 or got != want:
                bad.append("%s (icat %d bytes exit %d, keitsu %d bytes exit %d %s)" %
                           (addr, len(want), rc1, len(got), rc2, err.decode(errors="replace")))
        if bad:
            failures += 1
            print("not ok - %s: %d of %d streams differ from icat" % (label, len(bad), len(addrs)))
            for b in bad[:5]:
                print("#   " + b)
        else:
            print("ok - %s: %d streams identical to icat" % (label, len(addrs)))
        entries = sorted({a.split("-")[0] for a in addrs}, key=int)
        bad = []
        for e in entries:
            rc, out, err = samples.run([KEITSU, "image", "stat", path, e, "--offset", str(start)])
            try:
                doc = json.loads(out) if rc == 0 else None
            except ValueError:
                doc = None
            if not doc or doc.get("entry") != int(e) or not doc.get("attributes"):
                bad.append(e)
        if bad:
            failures += 1
            print("not ok - %s: stat failed for entries %s" % (label, ", ".join(bad[:10])))
        else:
            print("ok - %s: stat gives JSON for %d entries" % (label, len(entries)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
