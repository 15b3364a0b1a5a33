"""keitsu image info and hash on raw, split raw (.001 … and .aa …) and E01 made from a sample
image: format, size, segment count, the E01's recorded metadata, and hashes equal to coreutils'
md5sum, sha1sum and sha256sum of the raw image (for the E01 also verified against its stored
MD5)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evidence  # noqa: E402
import samples  # noqa: E402

from tap import KEITSU, check, done, skip  # noqa: E402


def info(path):
    rc, out, err = samples.run([KEITSU, "image", "info", path])
    fields = {}
    for line in out.decode().splitlines():
        if not line.startswith("  ") and ": " in line:
            k, v = line.split(": ", 1)
            fields[k] = v
    return rc, fields, err.decode()


def main():
    samples.need_tools()
    ev = evidence.Evidence()
    try:
        size = os.path.getsize(ev.raw)
        want_size = "%d bytes (%d sectors of 512)" % (size, size // 512)
        nseg = -(-size // (7 << 20))
        for path, fmt, segs in ((ev.raw, "raw", 1), (ev.split_num, "split", nseg),
                                (ev.split_alpha, "split", nseg)):
            rc, f, err = info(path)
            check(rc == 0 and f.get("format") == fmt and f.get("size") == want_size and
                  f.get("segments") == str(segs),
                  "%s: %s, %s, %s segments %s" % (os.path.basename(path), f.get("format"),
                                                  f.get("size"), f.get("segments"), err))
        if ev.e01 is None:
            skip("E01", "ewfacquirestream (ewf-tools) not installed")
        else:
            rc, f, err = info(ev.e01)
            md5 = samples.run(["md5sum", ev.raw])[1].split()[0].decode()
            check(rc == 0 and f.get("format") == "ewf" and f.get("size") == want_size and
                  f.get("segments") == "2" and f.get("case_number") == "CASE-42" and
                  f.get("examiner_name") == "Examiner A" and f.get("md5") == md5,
                  "E01: %s %s" % (f, err))
        want = {}
        for tool in ("md5", "sha1", "sha256"):
            want[tool] = samples.run([tool + "sum", ev.raw])[1].split()[0].decode()
        want["bytes"] = str(size)
        for path in (ev.raw, ev.split_num, ev.split_alpha, ev.e01):
            if path is None:
                continue
            rc, out, err = samples.run([KEITSU, "image", "hash", path])
            got = dict(line.split(": ", 1) for line in out.decode().splitlines())
            ok = rc == 0 and all(got.get(k) == v for k, v in want.items())
            if path == ev.e01:
                ok = ok and got.get("stored md5") == want["md5"] + " (verified)"
            check(ok, "hash %s: %s %s" % (os.path.basename(path), got, err.decode()))
        rc, f, err = info(os.path.join(ev.dir, "missing.E01"))
        check(rc == 1 and "missing.E01" in err, "a missing image fails with its name: " + err)
    finally:
        ev.close()
    done()


if __name__ == "__main__":
    main()
