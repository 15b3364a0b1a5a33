"""keitsu image body must print exactly the lines `fls -r -m /` prints, in the same order, on
every partition of Debian's sample images. Usage: test_fls_compat.py [FAMILY ...]."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402

KEITSU = os.environ.get("KEITSU_BIN", "build/keitsu")


def main():
    samples.need_tools()
    families = set(sys.argv[1:])
    failures = 0
    for name, start, family in samples.PARTITIONS:
        if families and family not in families:
            continue
        if not families and family not in samples.IMPLEMENTED:
            print("ok - %s@%d (%s) # SKIP parser not in place yet" % (name, start, family))
            continue
        path = samples.image(name)
        rc, want, err = samples.run(["fls", "-r", "-m", "/", "-o", str(start), path])
        if rc != 0:
            print("not ok - fls failed on %s@%d: %s" % (name, start, err.decode(errors="replace")))
            failures += 1
            continue
        rc, got, err = samples.run([KEITSU, "image", "body", path, "--offset", str(start)])
        label = "%s@%d (%s)" % (name, start, family)
        if rc == 0 and got == want:
            print("ok - %s: %d lines identical to fls" % (label, want.count(b"\n")))
            continue
        failures += 1
        print("not ok - %s: exit %d, %s" % (label, rc, err.decode(errors="replace").strip()))
        w, g = want.decode(errors="replace").splitlines(), got.decode(errors="replace").splitlines()
        shown = 0
        for i in range(max(len(w), len(g))):
            a = w[i] if i < len(w) else "<none>"
            b = g[i] if i < len(g) else "<none>"
            if a != b:
                print("#   line %d\n#     fls:    %s\n#     keitsu: %s" % (i + 1, a, b))
                shown += 1
                if shown == 5:
                    break
        print("#   fls %d lines, keitsu %d lines" % (len(w), len(g)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
